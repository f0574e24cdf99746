"""The loaders on the real datasets in ../shared/datasets, against the counts their READMEs
measured. A missing dataset fails in CI (CI=true) and is skipped elsewhere."""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from training.datasets import FileReport, LoadedDataset, dataset_format, detect_and_load
from training.fetch import SOURCES

REPO = Path(__file__).resolve().parents[2]
SHARED_DATASETS = REPO.parent / "shared" / "datasets"


def shared_file(folder: str, name: str) -> Path:
    """A file of the shared datasets; fails in CI and skips elsewhere when it is not there."""
    path = SHARED_DATASETS / folder / name
    if not path.is_file():
        message = f"the real dataset file {path} is not there"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def real_dataset(folder: str, marker: str) -> LoadedDataset:
    """Load one real dataset, or fail (in CI) or skip (elsewhere) when it is not there."""
    return detect_and_load(shared_file(folder, marker).parent)


@pytest.fixture(scope="module")
def book_crossing() -> LoadedDataset:
    return real_dataset("book-crossing", "BX-Book-Ratings.csv.gz")


@pytest.fixture(scope="module")
def lastfm() -> LoadedDataset:
    return real_dataset("lastfm-2k", "user_artists.dat.gz")


def counts(read: FileReport) -> tuple[str, int, dict[str, int], dict[str, int], dict[str, int]]:
    """A file's name and data rows, then the rows its loader skipped, left unmatched, repaired."""
    return read.name, read.rows, read.skipped, read.unmatched, read.repaired


def test_book_crossing_reads_every_rating_and_book_and_leaves_out_unlisted_isbns(book_crossing):
    ratings, books = book_crossing.report.files
    # The README's 118,605 unlisted ratings, less 3 whose ISBN matches once upper-cased.
    unlisted = {"ISBN not in BX-Books.csv.gz": 118_602}

    assert book_crossing.report.source == "book-crossing (original BX-CSV-Dump)"
    assert counts(ratings) == ("BX-Book-Ratings.csv.gz", 1_149_780, {}, unlisted, {})
    # With `\"` read as an escaped quote, all 271,379 books have their 8 fields.
    assert counts(books) == ("BX-Books.csv.gz", 271_379, {}, {}, {})


def test_book_crossing_likes_are_ratings_of_five_or_more_of_listed_books(book_crossing):
    report, interactions = book_crossing.report, book_crossing.interactions

    # 414,242 ratings of 5-10 in the README's histogram, of which 367,261 name a listed book.
    assert (report.liked, report.users, report.items) == (367_261, 65_859, 145_002)
    assert (float(interactions.weight.min()), float(interactions.weight.max())) == (5.0, 10.0)
    assert all(item.title != item.id for item in interactions.items)


def test_book_crossing_quirks_escaped_quotes_entities_and_latin1(book_crossing):
    catalog = book_crossing.interactions.catalog

    # Line 6452, the first the default CSV dialect splits wrongly: an escaped quote in a title.
    assert catalog["0735201994"].title.startswith("Peterman Rides Again: Adventures Continue")
    assert '"J. Peterman"' in catalog["0735201994"].title
    # One of the three rows the default dialect shifts: its author stays the author.
    assert catalog["078946697X"].creator == "Michael Teitelbaum"
    assert not any("&amp;" in item.title for item in catalog.values())
    assert catalog["0446520802"].title == "The Notebook"


def test_lastfm_reads_every_play_and_artist(lastfm):
    plays, artists = lastfm.report.files

    assert lastfm.report.source == "last.fm (HetRec 2011)"
    assert counts(plays) == ("user_artists.dat.gz", 92_834, {}, {}, {})
    assert counts(artists) == ("artists.dat.gz", 17_632, {}, {}, {})


def test_lastfm_every_play_is_a_like_weighted_by_its_play_count(lastfm):
    report, interactions = lastfm.report, lastfm.interactions

    assert (report.liked, report.users, report.items) == (92_834, 1_892, 17_632)
    assert (float(interactions.weight.min()), float(interactions.weight.max())) == (1, 352_698)
    assert float(np.median(interactions.weight)) == 260.0
    likes_per_user = np.bincount(interactions.user_index)
    assert (int(likes_per_user.min()), int(likes_per_user.max())) == (1, 50)


def test_lastfm_artist_names_keep_their_quotes_and_utf8(lastfm):
    catalog = lastfm.interactions.catalog

    assert (catalog["1686"].title, catalog["1686"].creator) == ('"Weird Al" Yankovic',) * 2
    assert catalog["89"].title == "Lady Gaga"
    assert sum('"' in item.title for item in catalog.values()) == 16


def test_each_shared_dataset_folder_is_recognised():
    if not SHARED_DATASETS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no {SHARED_DATASETS}")
        pytest.skip(f"no {SHARED_DATASETS}")

    assert dataset_format(SHARED_DATASETS / "book-crossing") == "book-crossing"
    assert dataset_format(SHARED_DATASETS / "lastfm-2k") == "lastfm"


@pytest.mark.parametrize("dataset", sorted(SOURCES))
def test_the_fetch_pins_are_the_checksums_the_dataset_readme_gives(dataset):
    readme = shared_file(dataset, "README.md").read_text(encoding="utf-8")
    source = SOURCES[dataset]

    assert source.sha256 is not None
    assert source.sha256 in readme
    assert source.url.rsplit("/", 1)[-1] in readme
    for name, pinned in source.files.items():
        assert name in readme
        if pinned is not None:
            assert pinned in readme


def test_the_reference_book_crossing_files_match_the_fetch_pins():
    for name, pinned in SOURCES["book-crossing"].files.items():
        raw = gzip.decompress(shared_file("book-crossing", f"{name}.gz").read_bytes())

        assert hashlib.sha256(raw).hexdigest() == pinned, name
