"""The synthetic generator writes the real formats, deterministically, with planted structure."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from training.datasets import detect_and_load
from training.synthetic import (
    BOOKS_CSV,
    RATINGS_CSV,
    SEP,
    TRIPLETS,
    UNIQUE_TRACKS,
    first_items,
    isbn10_check_digit,
    main,
    planted_taste,
    write_books,
    write_songs,
)


def files_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def is_valid_isbn10(isbn: str) -> bool:
    if not re.fullmatch(r"\d{9}[\dX]", isbn):
        return False
    digits = [10 if c == "X" else int(c) for c in isbn]
    return sum((10 - i) * d for i, d in enumerate(digits)) % 11 == 0


@pytest.mark.parametrize("write", [write_books, write_songs])
def test_the_same_seed_writes_the_same_bytes(write, tmp_path):
    first = write(tmp_path / "a", users=60, items=80, seed=11)
    second = write(tmp_path / "b", users=60, items=80, seed=11)

    assert files_bytes(first) == files_bytes(second)


def test_another_seed_writes_other_data(tmp_path):
    first = write_books(tmp_path / "a", users=60, items=80, seed=11)
    second = write_books(tmp_path / "b", users=60, items=80, seed=12)

    assert files_bytes(first) != files_bytes(second)


def test_books_have_the_kaggle_headers_and_valid_isbn10s(small_books):
    with (small_books / BOOKS_CSV).open(encoding="utf-8", newline="") as f:
        books = list(csv.reader(f))
    with (small_books / RATINGS_CSV).open(encoding="utf-8", newline="") as f:
        ratings = list(csv.reader(f))

    assert books[0] == [
        "ISBN", "Book-Title", "Book-Author", "Year-Of-Publication", "Publisher",
        "Image-URL-S", "Image-URL-M", "Image-URL-L",
    ]  # fmt: skip
    assert ratings[0] == ["User-ID", "ISBN", "Book-Rating"]
    isbns = [row[0] for row in books[1:]]
    assert all(is_valid_isbn10(i) for i in isbns)
    assert any(i.endswith("X") for i in isbns)
    assert len(set(isbns)) == len(isbns)
    assert {int(row[2]) for row in ratings[1:]} <= set(range(11))
    assert {"0", "5", "10"} <= {row[2] for row in ratings[1:]}


def test_isbn10_check_digit_matches_a_published_isbn():
    assert isbn10_check_digit("034545104") == "X"  # Book-Crossing's first rated book
    assert isbn10_check_digit("019515344") == "8"


def test_songs_have_taste_profile_and_msd_shapes(small_songs):
    triplets = (small_songs / TRIPLETS).read_text(encoding="utf-8").splitlines()
    tracks = (small_songs / UNIQUE_TRACKS).read_text(encoding="utf-8").splitlines()

    user, song, plays = triplets[0].split("\t")
    assert re.fullmatch(r"[0-9a-f]{40}", user)
    assert re.fullmatch(r"SO[A-Z0-9]{16}", song)
    assert int(plays) >= 1
    fields = tracks[0].split(SEP)
    assert len(fields) == 4
    assert re.fullmatch(r"TR[A-Z0-9]{16}", fields[0])
    assert {line.split(SEP)[1] for line in tracks} >= {line.split("\t")[1] for line in triplets}


@pytest.mark.parametrize("catalog", ["books", "songs"])
def test_first_item_ids_do_not_depend_on_how_many_users_or_items_there_are(catalog):
    small = planted_taste(catalog, users=50, items=40, seed=5)
    large = planted_taste(catalog, users=900, items=700, seed=5)

    assert small.item_ids == large.item_ids[:40]
    assert [row[0] for row in first_items(catalog, 5, seed=5)] == list(small.item_ids[:5])


def test_synthetic_files_parse_with_the_real_loaders(small_books, small_songs):
    books = detect_and_load(small_books)
    songs = detect_and_load(small_songs)

    for loaded in (books, songs):
        assert loaded.interactions.users > 300
        assert all(f.skipped_rows == 0 for f in loaded.report.files)
        described = sum(item.title != item.id for item in loaded.interactions.items)
        assert described == loaded.interactions.num_items


def test_popularity_has_a_long_tail(small_books):
    interactions = detect_and_load(small_books).interactions
    popularity = np.sort([item.popularity for item in interactions.items])[::-1]

    assert popularity[0] > 5 * np.median(popularity)


def test_users_mostly_like_items_of_their_own_taste_group(tmp_path):
    # Enough items per group that a user's ~30 likes do not exhaust their own group.
    interactions = detect_and_load(write_books(tmp_path, users=200, items=800, seed=3)).interactions
    planted = planted_taste("books", users=200, items=800, seed=3)
    item_group = dict(zip(planted.item_ids, planted.item_groups.tolist(), strict=True))
    user_group = dict(zip(planted.user_ids, planted.user_groups.tolist(), strict=True))
    items = [item_group[i] for i in interactions.item_ids[interactions.item_index]]
    users = [user_group[u] for u in interactions.user_ids[interactions.user_index]]

    assert np.mean(np.equal(items, users)) > 0.6


def test_cli_shows_the_first_items_with_their_taste_groups(capsys):
    main(["--catalog", "books", "--show-items", "3"])

    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [r[0] for r in first_items("books", 3)]
    assert lines[1].split("\t")[1] == "group 1"


def test_cli_writes_a_dataset_folder(tmp_path, capsys):
    main(["--catalog", "songs", "--out", str(tmp_path), "--users", "40", "--items", "64"])

    assert capsys.readouterr().out.strip() == str(tmp_path)
    assert (tmp_path / TRIPLETS).is_file()
    assert (tmp_path / UNIQUE_TRACKS).is_file()
