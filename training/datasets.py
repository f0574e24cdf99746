"""Loaders for the real interaction datasets, each giving `Interactions` and a report.

A loader never dies on one bad row: it skips it and counts it. It refuses, naming the file, a
file that is missing its columns, cannot be parsed, or is mostly rows it cannot read.
"""

from __future__ import annotations

import csv
import gzip
import html
import logging
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from training.interactions import Interactions, build_interactions

log = logging.getLogger(__name__)

LIKED_RATING = 5  # Book-Crossing: ratings 1-10 are explicit, 0 is implicit (not a like)
MAX_SKIPPED_SHARE = 0.5  # a file with more unreadable rows than this is refused, not loaded

BX_RATINGS, BX_BOOKS = "BX-Book-Ratings.csv", "BX-Books.csv"  # original: ';', latin-1
KAGGLE_RATINGS, KAGGLE_BOOKS = "Ratings.csv", "Books.csv"  # Kaggle re-export: ',', UTF-8
TRIPLETS, UNIQUE_TRACKS = "train_triplets.txt", "unique_tracks.txt"  # Taste Profile + MSD
MSD_SEP = "<SEP>"

_SKIPPING = re.compile(r"Skipping line \d+")


class DatasetError(ValueError):
    """A dataset folder or file cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class FileReport:
    """What reading one file gave: rows seen, rows skipped and why."""

    name: str
    rows: int
    skipped: dict[str, int] = field(default_factory=dict)  # reason → rows

    @property
    def skipped_rows(self) -> int:
        """Rows left out of this file, for any reason."""
        return sum(self.skipped.values())


@dataclass(frozen=True)
class LoadReport:
    """What a loader read, skipped and kept."""

    source: str  # the format recognised, such as "book-crossing (original BX-CSV-Dump)"
    files: tuple[FileReport, ...]
    liked: int  # interactions counted as likes

    def summary(self) -> str:
        """One line per file, for logs and the CLI."""
        lines = [f"{self.source}: {self.liked} liked interactions"]
        for f in self.files:
            reasons = ", ".join(f"{n} {why}" for why, n in sorted(f.skipped.items())) or "none"
            lines.append(f"  {f.name}: {f.rows} rows, skipped: {reasons}")
        return "\n".join(lines)


@dataclass(frozen=True)
class LoadedDataset:
    """A loader's result: the interactions and the report of how they were read."""

    interactions: Interactions
    report: LoadReport


def detect_and_load(directory: Path) -> LoadedDataset:
    """Recognise a dataset by its file names and load it.

    Recognised: Book-Crossing, original (`BX-Book-Ratings.csv`, `BX-Books.csv`) or Kaggle
    (`Ratings.csv`, `Books.csv`); the Taste Profile (`train_triplets.txt`, optionally with
    `unique_tracks.txt`). Each file may also be gzip-compressed (`.gz`).

    Raises:
        DatasetError: the folder holds none of these, or a file is refused.
    """
    if _find(directory, BX_RATINGS) or _find(directory, KAGGLE_RATINGS):
        return load_book_crossing(directory)
    if _find(directory, TRIPLETS):
        return load_taste_profile(directory)
    present = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []
    raise DatasetError(
        f"no known dataset in {directory}: expected {BX_RATINGS}, {KAGGLE_RATINGS} or "
        f"{TRIPLETS} (optionally .gz); found {', '.join(present) or 'nothing'}"
    )


def load_book_crossing(directory: Path) -> LoadedDataset:
    """Load Book-Crossing ratings and book metadata; books rated ≥ 5 are liked (weight = rating).

    Either form: the original dump (`;`-separated, fully quoted, latin-1, `\\"` escapes) or the
    Kaggle re-export (comma-separated, UTF-8). ISBNs are compared upper-cased and trimmed, as
    ratings and books spell some differently; books without metadata are titled by ISBN.

    Raises:
        DatasetError: the ratings file is missing or refused.
    """
    if ratings_path := _find(directory, BX_RATINGS):
        source, options = "book-crossing (original BX-CSV-Dump)", _BX_OPTIONS
        books_path = _find(directory, BX_BOOKS)
    elif ratings_path := _find(directory, KAGGLE_RATINGS):
        source, options = "book-crossing (Kaggle re-export)", _KAGGLE_OPTIONS
        books_path = _find(directory, KAGGLE_BOOKS)
    else:
        raise DatasetError(f"no {BX_RATINGS} or {KAGGLE_RATINGS} (or .gz) in {directory}")

    ratings, bad_lines = _read_table(ratings_path, ("User-ID", "ISBN", "Book-Rating"), options)
    user = ratings["User-ID"].str.strip()
    isbn = ratings["ISBN"].str.strip().str.upper()
    rating = pd.to_numeric(ratings["Book-Rating"].str.strip(), errors="coerce")
    valid_rating = rating.between(0, 10) & (rating == rating.round())
    blank = (user == "") | (isbn == "")
    skipped = {"malformed lines": bad_lines}
    skipped["blank user or ISBN"] = int(blank.sum())
    skipped["rating not a whole number 0-10"] = int((~valid_rating & ~blank).sum())
    ratings_report = _checked_report(ratings_path, len(ratings) + bad_lines, skipped)
    liked = valid_rating & ~blank & (rating >= LIKED_RATING)

    files = [ratings_report]
    metadata: dict[str, tuple[str, str]] = {}
    liked_isbns = set(isbn[liked].unique().tolist())
    if books_path is not None:
        metadata, books_report = _book_metadata(books_path, options, liked_isbns)
        files.append(books_report)
    interactions = build_interactions(
        user[liked].to_numpy(dtype=str),
        isbn[liked].to_numpy(dtype=str),
        rating[liked].to_numpy(dtype=np.float32),
        metadata,
    )
    return _loaded(interactions, LoadReport(source, tuple(files), liked=len(interactions)))


def load_taste_profile(directory: Path) -> LoadedDataset:
    """Load Echo Nest Taste Profile play counts; every played song is liked (weight = plays).

    Song titles and artists come from the Million Song Dataset's `unique_tracks.txt`
    (`track<SEP>song<SEP>artist<SEP>title`) when it is present.

    Raises:
        DatasetError: `train_triplets.txt` is missing or refused.
    """
    path = _find(directory, TRIPLETS)
    if path is None:
        raise DatasetError(f"no {TRIPLETS} (or .gz) in {directory}")
    options: dict[str, Any] = {"sep": "\t", "encoding": "utf-8", "quoting": csv.QUOTE_NONE}
    table, bad_lines = _read_table(path, ("user", "song", "plays"), options, header=False)
    user, song = table["user"].str.strip(), table["song"].str.strip()
    plays = pd.to_numeric(table["plays"].str.strip(), errors="coerce")
    blank = (user == "") | (song == "")
    valid = plays.notna() & (plays > 0) & (plays == plays.round()) & ~blank
    skipped = {
        "malformed lines": bad_lines,
        "blank user or song": int(blank.sum()),
        "play count not a whole number ≥ 1": int((~valid & ~blank).sum()),
    }
    files = [_checked_report(path, len(table) + bad_lines, skipped)]
    metadata: dict[str, tuple[str, str]] = {}
    if tracks := _find(directory, UNIQUE_TRACKS):
        metadata, tracks_report = _track_metadata(tracks, set(song[valid].unique().tolist()))
        files.append(tracks_report)
    interactions = build_interactions(
        user[valid].to_numpy(dtype=str),
        song[valid].to_numpy(dtype=str),
        plays[valid].to_numpy(dtype=np.float32),
        metadata,
    )
    report = LoadReport("taste profile (Echo Nest)", tuple(files), liked=len(interactions))
    return _loaded(interactions, report)


_BX_OPTIONS: dict[str, Any] = {"sep": ";", "encoding": "latin-1", "escapechar": "\\"}
_KAGGLE_OPTIONS: dict[str, Any] = {"sep": ",", "encoding": "utf-8"}


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read_table(
    path: Path, columns: tuple[str, ...], options: Mapping[str, Any], *, header: bool = True
) -> tuple[pd.DataFrame, int]:
    """Read a delimited file as text columns; returns the table and its malformed-line count.

    Lines with the wrong number of fields are skipped by pandas' C parser, which reports them
    in warnings; counting those is how a skipped line is counted without a slow Python parser.
    """
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            table = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,  # "None", "N/A" are authors' names here, not missing
                na_filter=False,
                encoding_errors="replace",
                on_bad_lines="warn",
                header=0 if header else None,
                names=None if header else list(columns),
                **options,
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeError, EOFError) as e:
        raise DatasetError(f"{path.name} cannot be parsed: {e}") from e
    except (OSError, gzip.BadGzipFile) as e:
        raise DatasetError(f"{path.name} cannot be read: {e}") from e
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DatasetError(
            f"{path.name} lacks the column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, table.columns[:10]))}"
        )
    bad_lines = sum(
        len(_SKIPPING.findall(str(w.message)))
        for w in caught
        if issubclass(w.category, pd.errors.ParserWarning)
    )
    return table, bad_lines


def _checked_report(path: Path, rows: int, skipped: dict[str, int]) -> FileReport:
    """A file's report, or DatasetError when it is empty or mostly unreadable."""
    report = FileReport(path.name, rows, {why: n for why, n in skipped.items() if n})
    if rows == 0:
        raise DatasetError(f"{path.name} holds no rows")
    if report.skipped_rows > MAX_SKIPPED_SHARE * rows:
        raise DatasetError(
            f"{path.name} is mostly unreadable: {report.skipped_rows} of {rows} rows skipped "
            f"({'; '.join(f'{n} {why}' for why, n in report.skipped.items())})"
        )
    return report


def _book_metadata(
    path: Path, options: Mapping[str, Any], wanted: set[str]
) -> tuple[dict[str, tuple[str, str]], FileReport]:
    """ISBN → (title, author) for the wanted ISBNs; HTML entities such as `&amp;` decoded."""
    books, bad_lines = _read_table(path, ("ISBN", "Book-Title", "Book-Author"), options)
    isbn = books["ISBN"].str.strip().str.upper()
    blank = isbn == ""
    report = _checked_report(
        path, len(books) + bad_lines, {"malformed lines": bad_lines, "blank ISBN": int(blank.sum())}
    )
    chosen = books[isbn.isin(wanted) & ~blank]
    metadata = {
        key: (html.unescape(title), html.unescape(author))
        for key, title, author in zip(
            isbn[chosen.index].tolist(),
            chosen["Book-Title"].tolist(),
            chosen["Book-Author"].tolist(),
            strict=True,
        )
    }
    return metadata, report


def _track_metadata(path: Path, wanted: set[str]) -> tuple[dict[str, tuple[str, str]], FileReport]:
    """Song id → (title, artist) from `unique_tracks.txt`; the first track of a song wins."""
    metadata: dict[str, tuple[str, str]] = {}
    rows = 0
    malformed = 0
    for line in _text_lines(path):
        if not line.strip():
            continue
        rows += 1
        fields = line.rstrip("\r\n").split(MSD_SEP)
        if len(fields) != 4 or not fields[1].strip():
            malformed += 1
            continue
        song = fields[1].strip()
        if song in wanted and song not in metadata:
            metadata[song] = (fields[3], fields[2])
    return metadata, _checked_report(path, rows, {"malformed lines": malformed})


def _text_lines(path: Path) -> Iterable[str]:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                yield from f
        else:
            with path.open(encoding="utf-8", errors="replace") as f:
                yield from f
    except (OSError, EOFError) as e:
        raise DatasetError(f"{path.name} cannot be read: {e}") from e


def _loaded(interactions: Interactions, report: LoadReport) -> LoadedDataset:
    if len(interactions) == 0:
        raise DatasetError(f"{report.source}: no liked interactions\n{report.summary()}")
    log.info("%s", report.summary())
    return LoadedDataset(interactions, report)
