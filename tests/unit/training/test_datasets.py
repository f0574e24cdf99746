"""Dataset loaders: both Book-Crossing forms, the Taste Profile, bad rows and garbage files."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from training.datasets import (
    DatasetError,
    detect_and_load,
    load_book_crossing,
    load_taste_profile,
)

REPO = Path(__file__).resolve().parents[3]
REAL_BOOK_CROSSING = REPO.parent / "shared" / "datasets" / "book-crossing"

BX_RATINGS = (
    '"User-ID";"ISBN";"Book-Rating"\r\n'
    '"276725";"034545104X";"0"\r\n'
    '"276726";"0155061224";"5"\r\n'
    '"276726";"034545104x";"9"\r\n'
    '"276727";"0446520802";"4"\r\n'
    '"276727";"0155061224";"10"\r\n'
    '"276727";"3257224281";"8"\r\n'
    '"276728";"0155061224";"7";"extra"\r\n'
    '"276729";"0446520802";"ten"\r\n'
    '"276730";"0446520802";"6"\r\n'
)
BX_BOOKS = (
    '"ISBN";"Book-Title";"Book-Author";"Year-Of-Publication";"Publisher";'
    '"Image-URL-S";"Image-URL-M";"Image-URL-L"\r\n'
    '"034545104X";"Flesh Tones: A Novel";"M. J. Rose";"2002";"Ballantine Books";"s";"m";"l"\r\n'
    '"0155061224";"Rites of \\"Passage\\"; A Tale";"Judith Rae";"2001";"Heinle";"s";"m";"l"\r\n'
    '"0446520802";"Harry &amp; Sally";"Zoë Böhm";"1996";"N/A";"s";"m";"l"\r\n'
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    data = text.encode(encoding)
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


@pytest.fixture
def bx_folder(tmp_path: Path) -> Path:
    """The original dump's form: ';', fully quoted, latin-1, escaped quotes, gzip-compressed."""
    write(tmp_path / "BX-Book-Ratings.csv.gz", BX_RATINGS, "latin-1")
    write(tmp_path / "BX-Books.csv.gz", BX_BOOKS, "latin-1")
    return tmp_path


def test_original_bx_form_loads_likes_with_latin1_titles_and_escaped_quotes(bx_folder):
    loaded = load_book_crossing(bx_folder)
    catalog = loaded.interactions.catalog

    assert loaded.report.source.startswith("book-crossing (original")
    assert catalog["0155061224"].title == 'Rites of "Passage"; A Tale'
    assert catalog["0446520802"].creator == "Zoë Böhm"


def test_ratings_of_five_or_more_are_likes_and_zero_is_not(bx_folder):
    interactions = load_book_crossing(bx_folder).interactions
    pairs = {
        (str(interactions.user_ids[u]), str(interactions.item_ids[i]), float(w))
        for u, i, w in zip(
            interactions.user_index, interactions.item_index, interactions.weight, strict=True
        )
    }

    assert pairs == {
        ("276726", "0155061224", 5.0),
        ("276726", "034545104X", 9.0),  # lowercase x matched to the book's ISBN
        ("276727", "0155061224", 10.0),
        ("276727", "3257224281", 8.0),
        ("276730", "0446520802", 6.0),
    }


def test_bad_rows_are_skipped_and_counted_not_fatal(bx_folder):
    report = load_book_crossing(bx_folder).report
    ratings = report.files[0]

    assert ratings.name == "BX-Book-Ratings.csv.gz"
    assert ratings.rows == 9
    assert ratings.skipped == {"malformed lines": 1, "rating not a whole number 0-10": 1}


def test_books_without_metadata_are_titled_by_isbn(bx_folder):
    item = load_book_crossing(bx_folder).interactions.catalog["3257224281"]

    assert (item.title, item.creator) == ("3257224281", "Unknown")


def test_kaggle_form_loads_and_decodes_html_entities(tmp_path):
    write(tmp_path / "Ratings.csv", "User-ID,ISBN,Book-Rating\n1,0446520802,9\n2,0446520802,6\n")
    write(
        tmp_path / "Books.csv",
        "ISBN,Book-Title,Book-Author,Year-Of-Publication,Publisher\n"
        '0446520802,"Harry &amp; Sally, Again",José Ortega,1996,Warner\n',
    )

    loaded = detect_and_load(tmp_path)
    item = loaded.interactions.catalog["0446520802"]

    assert loaded.report.source == "book-crossing (Kaggle re-export)"
    assert (item.title, item.creator, item.popularity) == ("Harry & Sally, Again", "José Ortega", 2)


def test_a_mostly_garbage_file_is_refused_naming_it(tmp_path):
    rows = "".join(f"{n},not-a-rating-{n},??\n" for n in range(20))
    write(tmp_path / "Ratings.csv", "User-ID,ISBN,Book-Rating\n1,0446520802,9\n" + rows)

    with pytest.raises(DatasetError, match=r"Ratings\.csv is mostly unreadable"):
        detect_and_load(tmp_path)


def test_a_file_without_the_expected_columns_is_refused_naming_it(tmp_path):
    write(tmp_path / "Ratings.csv", "\x00\x01 garbage\nmore garbage\n")

    with pytest.raises(DatasetError, match=r"Ratings\.csv lacks the column\(s\) User-ID"):
        detect_and_load(tmp_path)


def test_taste_profile_loads_play_counts_and_track_metadata(tmp_path):
    user = "b80344d063b5ccb3212f76538f3d9e43d87dca9e"
    write(
        tmp_path / "train_triplets.txt",
        f"{user}\tSOAKIMP12A8C130995\t1\n{user}\tSOAPDEY12A81C210A9\t3\n{user}\tSOBBMDR12A8C13253B\tx\n"
        "not a triplet line\n",
    )
    write(
        tmp_path / "unique_tracks.txt",
        "TRMMMYQ128F932D901<SEP>SOAKIMP12A8C130995<SEP>Sigur Rós<SEP>Hoppípolla\nbroken line\n",
    )

    loaded = load_taste_profile(tmp_path)
    catalog = loaded.interactions.catalog

    assert (catalog["SOAKIMP12A8C130995"].title, catalog["SOAKIMP12A8C130995"].creator) == (
        "Hoppípolla",
        "Sigur Rós",
    )
    assert catalog["SOAPDEY12A81C210A9"].title == "SOAPDEY12A81C210A9"
    assert sorted(loaded.interactions.weight.tolist()) == [1.0, 3.0]
    assert loaded.report.files[0].skipped_rows == 2
    assert loaded.report.files[1].skipped == {"malformed lines": 1}


def test_a_folder_without_a_known_dataset_is_refused_listing_what_it_holds(tmp_path):
    write(tmp_path / "notes.txt", "hello")

    with pytest.raises(DatasetError, match=r"no known dataset .* found notes\.txt"):
        detect_and_load(tmp_path)


def test_the_real_book_crossing_dump_loads_every_rating_and_book():
    if not (REAL_BOOK_CROSSING / "BX-Book-Ratings.csv.gz").is_file():
        message = f"the real Book-Crossing files are not in {REAL_BOOK_CROSSING}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    loaded = detect_and_load(REAL_BOOK_CROSSING)
    ratings, books = loaded.report.files

    assert (ratings.rows, ratings.skipped_rows) == (1_149_780, 0)
    assert (books.rows, books.skipped_rows) == (271_379, 0)
    # Ratings of 5 to 10, as published: 50,974 + 36,924 + 76,457 + 103,736 + 67,541 + 78,610.
    assert loaded.report.liked == 414_242
    described = sum(item.title != item.id for item in loaded.interactions.items)
    assert described > 0.8 * loaded.interactions.num_items
    assert "&amp;" not in "".join(item.title for item in loaded.interactions.items)
