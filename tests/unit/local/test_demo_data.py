"""`make demo DATA=<dir>`: which folders become catalogs, and under which names."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.demo import catalog_name, real_catalogs


def dataset(folder: Path, marker: str) -> Path:
    folder.mkdir(parents=True)
    (folder / marker).write_text("header\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("book-crossing", "book-crossing"),
        ("lastfm-2k", "lastfm-2k"),
        ("Book Crossing (2004)", "book-crossing-2004"),
        ("My_Films", "my-films"),
    ],
)
def test_a_catalog_is_named_after_its_folder_in_lowercase_letters_digits_and_dashes(folder, name):
    assert catalog_name(Path("/data") / folder) == name


def test_a_folder_name_without_a_letter_or_digit_gives_no_catalog_name():
    with pytest.raises(ValueError, match=r"'__' gives no catalog name"):
        catalog_name(Path("/data/__"))


def test_each_recognised_sub_folder_becomes_a_catalog_and_others_are_left_out(tmp_path, capsys):
    books = dataset(tmp_path / "books", "BX-Book-Ratings.csv.gz")
    music = dataset(tmp_path / "Music", "user_artists.dat")
    dataset(tmp_path / "notes", "todo.txt")

    assert real_catalogs(tmp_path) == {"books": books, "music": music}
    assert "notes: no dataset recognised, left out" in capsys.readouterr().out


def test_a_folder_that_is_itself_a_dataset_is_one_catalog(tmp_path):
    films = dataset(tmp_path / "films", "interactions.csv")

    assert real_catalogs(films) == {"films": films}


def test_two_folders_with_the_same_catalog_name_are_refused(tmp_path):
    dataset(tmp_path / "books", "Ratings.csv")
    dataset(tmp_path / "Books", "interactions.csv")

    with pytest.raises(ValueError, match=r"would both be catalog 'books'"):
        real_catalogs(tmp_path)


def test_a_folder_without_any_dataset_is_refused(tmp_path):
    dataset(tmp_path / "notes", "todo.txt")

    with pytest.raises(ValueError, match=r"no dataset recognised in"):
        real_catalogs(tmp_path)
