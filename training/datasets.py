"""Loaders for the real interaction datasets, each giving `Interactions` and a report.

A loader never dies on one bad row: it skips it and counts it, and says which line was the
first of each kind. It refuses, naming the file and a line, a file that is empty, missing its
columns, cannot be parsed, or is mostly rows it cannot read.
"""

from __future__ import annotations

import csv
import gzip
import html
import io
import logging
import re
import warnings
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from training.interactions import Interactions, build_interactions

log = logging.getLogger(__name__)

LIKED_RATING = 5  # Book-Crossing: ratings 1-10 are explicit, 0 is implicit (not a like)
LIKED_PLAYS = 1  # Last.fm and the Taste Profile: every artist or song played at all is liked
MAX_SKIPPED_SHARE = 0.5  # a file with more unreadable rows than this is refused, not loaded

BX_RATINGS, BX_BOOKS = "BX-Book-Ratings.csv", "BX-Books.csv"  # original: ';', latin-1
KAGGLE_RATINGS, KAGGLE_BOOKS = "Ratings.csv", "Books.csv"  # Kaggle re-export: ',', UTF-8
LASTFM_PLAYS, LASTFM_ARTISTS = "user_artists.dat", "artists.dat"  # HetRec 2011: tabs, no quotes
TRIPLETS, UNIQUE_TRACKS = "train_triplets.txt", "unique_tracks.txt"  # Taste Profile + MSD
GENERIC_INTERACTIONS, GENERIC_ITEMS = "interactions.csv", "items.csv"  # any user's own data
MSD_SEP = "<SEP>"

_SKIPPING = re.compile(r"Skipping line (\d+)")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")  # a byte that was not UTF-8 (surrogateescape)
_WRONG_FIELDS = "wrong number of fields"
_UNBALANCED = "unbalanced quotes"
_NOT_UTF8 = "not UTF-8, read as latin-1"

_BX_OPTIONS: dict[str, Any] = {"sep": ";", "encoding": "latin-1", "escapechar": "\\"}
_KAGGLE_OPTIONS: dict[str, Any] = {"sep": ",", "encoding": "utf-8"}
_TAB_OPTIONS: dict[str, Any] = {"sep": "\t", "encoding": "utf-8", "quoting": csv.QUOTE_NONE}
_GENERIC_OPTIONS: dict[str, Any] = {"sep": ",", "encoding": "utf-8"}


class DatasetError(ValueError):
    """A dataset folder or file cannot be loaded; the message names the file and the problem."""


@dataclass(frozen=True)
class FileReport:
    """What reading one file gave: rows seen, rows skipped or left out and why."""

    name: str
    rows: int  # data lines, the header excluded
    skipped: dict[str, int] = field(default_factory=dict)  # unreadable rows: reason → rows
    # Readable rows left out because the catalog file does not describe their item.
    unmatched: dict[str, int] = field(default_factory=dict)
    repaired: dict[str, int] = field(default_factory=dict)  # rows kept after a fix
    first_lines: dict[str, int] = field(default_factory=dict)  # reason → its first line

    @property
    def skipped_rows(self) -> int:
        """Rows left out of this file as unreadable."""
        return sum(self.skipped.values())

    @property
    def unmatched_rows(self) -> int:
        """Readable rows left out because their item is not in the catalog file."""
        return sum(self.unmatched.values())

    def summary(self) -> str:
        """One line: rows, then each reason with its count and first line."""

        def listed(counts: dict[str, int]) -> str:
            return ", ".join(
                f"{n:,} {why} (first: line {self.first_lines[why]})"
                if why in self.first_lines
                else f"{n:,} {why}"
                for why, n in counts.items()
            )

        text = f"{self.name}: {self.rows:,} rows, skipped: "
        text += listed({**self.skipped, **self.unmatched}) or "none"
        if self.repaired:
            text += f"; kept after repair: {listed(self.repaired)}"
        return text


@dataclass(frozen=True)
class LoadReport:
    """What a loader read, skipped and kept."""

    source: str  # the format recognised, such as "book-crossing (original BX-CSV-Dump)"
    files: tuple[FileReport, ...]
    liked: int  # interactions counted as likes
    users: int = 0  # users with at least one like
    items: int = 0  # items liked at least once
    rule: str = ""  # what counted as a like, such as "rating ≥ 5"

    def summary(self) -> str:
        """One line for the dataset and one per file, for logs and the CLI."""
        lines = [
            f"{self.source}: {self.liked:,} liked interactions ({self.rule}) "
            f"of {self.users:,} users on {self.items:,} items"
        ]
        lines += [f"  {f.summary()}" for f in self.files]
        return "\n".join(lines)


@dataclass(frozen=True)
class LoadedDataset:
    """A loader's result: the interactions and the report of how they were read."""

    interactions: Interactions
    report: LoadReport


Loader = Callable[[Path, float | None], LoadedDataset]


def dataset_format(directory: Path) -> str | None:
    """The format of the dataset in `directory`, recognised by its file names, or None.

    Returns one of "book-crossing", "lastfm", "taste-profile" or "generic".
    """
    if _find(directory, BX_RATINGS) or _find(directory, KAGGLE_RATINGS):
        return "book-crossing"
    if _find(directory, LASTFM_PLAYS):
        return "lastfm"
    if _find(directory, TRIPLETS):
        return "taste-profile"
    if _find(directory, GENERIC_INTERACTIONS):
        return "generic"
    return None


def detect_and_load(directory: Path, min_weight: float | None = None) -> LoadedDataset:
    """Recognise a dataset by its file names and load it.

    Recognised: Book-Crossing, original (`BX-Book-Ratings.csv`, `BX-Books.csv`) or Kaggle
    (`Ratings.csv`, `Books.csv`); Last.fm HetRec 2011 (`user_artists.dat`, `artists.dat`);
    the Taste Profile (`train_triplets.txt`, optionally with `unique_tracks.txt`); the generic
    form (`interactions.csv`, optionally with `items.csv`). Each file may also be
    gzip-compressed (`.gz`).

    Args:
        directory: the folder holding the files.
        min_weight: the least rating, play count or weight that counts as a like; None keeps
            each format's own rule (a rating of 5, one play, any weight above 0).

    Raises:
        DatasetError: the folder holds none of these, or a file is refused.
    """
    found = dataset_format(directory)
    if found is None:
        present = sorted(p.name for p in directory.iterdir()) if directory.is_dir() else []
        raise DatasetError(
            f"no known dataset in {directory}: expected {BX_RATINGS}, {KAGGLE_RATINGS}, "
            f"{LASTFM_PLAYS}, {TRIPLETS} or {GENERIC_INTERACTIONS} (optionally .gz); "
            f"found {', '.join(present) or 'nothing'}"
        )
    loaders: dict[str, Loader] = {
        "book-crossing": load_book_crossing,
        "lastfm": load_lastfm,
        "taste-profile": load_taste_profile,
        "generic": load_generic,
    }
    return loaders[found](directory, min_weight)


def load_book_crossing(directory: Path, min_weight: float | None = None) -> LoadedDataset:
    """Load Book-Crossing ratings and book metadata; books rated ≥ 5 are liked (weight = rating).

    Either form: the original dump (`;`-separated, fully quoted, latin-1, `\\"` escapes) or the
    Kaggle re-export (comma-separated, UTF-8). ISBNs are compared upper-cased and trimmed, as
    ratings and books spell some differently. When the books file is there, ratings of books
    it does not list are left out (and counted): such a book could not be found by title.

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

    ratings = _RowCheck(_read_table(ratings_path, ("User-ID", "ISBN", "Book-Rating"), options))
    user = _trimmed(ratings.column("User-ID"))
    isbn = _trimmed(ratings.column("ISBN"), upper=True)
    rating = _numbers(ratings.column("Book-Rating"))
    ratings.skip("blank user or ISBN", (user == "") | (isbn == ""))
    ratings.skip("rating not a whole number 0-10", ~(_whole(rating) & (rating <= 10)))
    ratings.refuse_if_mostly_unreadable()
    books = None
    if books_path is not None:
        table = _read_table(books_path, ("ISBN", "Book-Title", "Book-Author"), options)
        books = _catalog(table, "ISBN", "Book-Title", "Book-Author", upper=True)
    likes = _Likes(user, isbn, rating, "rating", LIKED_RATING if min_weight is None else min_weight)
    # The dump keeps HTML entities such as `&amp;` in titles.
    return _loaded(source, ratings, likes, books, item_name="ISBN", unescape=True)


def load_lastfm(directory: Path, min_weight: float | None = None) -> LoadedDataset:
    """Load Last.fm HetRec 2011 play counts; every artist a user played is liked (weight = plays).

    Items are artists: `artists.dat` gives each one's name, used as both title and creator
    (the dataset has no other creator). Quoting is off, as in the files: `"Weird Al" Yankovic`
    keeps its quotes. When `artists.dat` is there, plays of artists it does not list are left
    out (and counted).

    Raises:
        DatasetError: `user_artists.dat` is missing or refused.
    """
    path = _find(directory, LASTFM_PLAYS)
    if path is None:
        raise DatasetError(f"no {LASTFM_PLAYS} (or .gz) in {directory}")
    columns = ("userID", "artistID", "weight")
    table = _read_table(path, columns, _TAB_OPTIONS)
    plays, likes = _play_counts(table, columns, "artist", min_weight)
    artists = None
    if artists_path := _find(directory, LASTFM_ARTISTS):
        table = _read_table(artists_path, ("id", "name"), _TAB_OPTIONS)
        artists = _catalog(table, "id", "name", "name")
    return _loaded("last.fm (HetRec 2011)", plays, likes, artists, item_name="artist")


def load_taste_profile(directory: Path, min_weight: float | None = None) -> LoadedDataset:
    """Load Echo Nest Taste Profile play counts; every played song is liked (weight = plays).

    Song titles and artists come from the Million Song Dataset's `unique_tracks.txt`
    (`track<SEP>song<SEP>artist<SEP>title`) when it is present; songs it does not list are
    then left out (and counted).

    Raises:
        DatasetError: `train_triplets.txt` is missing or refused.
    """
    path = _find(directory, TRIPLETS)
    if path is None:
        raise DatasetError(f"no {TRIPLETS} (or .gz) in {directory}")
    columns = ("user", "song", "plays")
    table = _read_table(path, columns, _TAB_OPTIONS, header=False)
    triplets, likes = _play_counts(table, columns, "song", min_weight)
    tracks = None
    if tracks_path := _find(directory, UNIQUE_TRACKS):
        tracks = _catalog(_read_msd_tracks(tracks_path), "song", "title", "artist")
    return _loaded("taste profile (Echo Nest)", triplets, likes, tracks, item_name="song")


def _play_counts(
    table: _Table, columns: tuple[str, str, str], item_name: str, min_weight: float | None
) -> tuple[_RowCheck, _Likes]:
    """A play-count file's rows (`columns`: user, item, plays), those with a blank id or a
    count that is not a whole number ≥ 1 skipped; a like is at least `min_weight` plays (one
    unless given)."""
    rows = _RowCheck(table)
    user_column, item_column, plays_column = columns
    user, item = _trimmed(rows.column(user_column)), _trimmed(rows.column(item_column))
    plays = _numbers(rows.column(plays_column))
    rows.skip(f"blank user or {item_name}", (user == "") | (item == ""))
    rows.skip("play count not a whole number ≥ 1", ~(_whole(plays) & (plays >= 1)))
    rows.refuse_if_mostly_unreadable()
    least = LIKED_PLAYS if min_weight is None else min_weight
    return rows, _Likes(user, item, plays, "plays", least)


def load_generic(directory: Path, min_weight: float | None = None) -> LoadedDataset:
    """Load the generic form: `interactions.csv` (`user_id,item_id[,weight]`) and `items.csv`.

    Both are comma-separated UTF-8 with a header. Without a `weight` column every row weighs 1.
    `items.csv` (`item_id,title[,creator]`) is optional; when it is there, interactions with
    items it does not list are left out (and counted).

    Args:
        directory: the folder holding the files.
        min_weight: the least weight that counts as a like; None: any weight above 0.

    Raises:
        DatasetError: `interactions.csv` is missing or refused.
    """
    path = _find(directory, GENERIC_INTERACTIONS)
    if path is None:
        raise DatasetError(f"no {GENERIC_INTERACTIONS} (or .gz) in {directory}")
    table = _read_table(path, ("user_id", "item_id"), _GENERIC_OPTIONS)
    rows = _RowCheck(table)
    user, item = _trimmed(rows.column("user_id")), _trimmed(rows.column("item_id"))
    if "weight" in table.frame.columns:
        weight = _numbers(rows.column("weight"))
    else:
        weight = np.ones(len(table.frame), dtype=np.float64)
    rows.skip("blank user or item", (user == "") | (item == ""))
    rows.skip("weight not a number", ~np.isfinite(weight))
    rows.refuse_if_mostly_unreadable()
    items = None
    if items_path := _find(directory, GENERIC_ITEMS):
        items_table = _read_table(items_path, ("item_id", "title"), _GENERIC_OPTIONS)
        creator = "creator" if "creator" in items_table.frame.columns else None
        items = _catalog(items_table, "item_id", "title", creator)
    likes = _Likes(user, item, weight, "weight", min_weight)
    return _loaded("generic (interactions.csv)", rows, likes, items, item_name="item")


# --- reading files ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A file read as text columns, with the line each row came from."""

    path: Path
    frame: pd.DataFrame  # every column str, index 0..n-1
    lines: npt.NDArray[np.int64]  # (n,) 1-based line of each row in the file
    unsplit: dict[str, npt.NDArray[np.int64]]  # reason → lines that gave no row
    repaired: npt.NDArray[np.bool_]  # (n,) rows whose text was not UTF-8, read as latin-1


def _find(directory: Path, name: str) -> Path | None:
    for candidate in (directory / name, directory / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.suffix == ".gz" else data
    except (OSError, EOFError, zlib.error) as e:  # gzip.BadGzipFile is an OSError
        raise DatasetError(f"{path.name} cannot be read: {e}") from e


def _read_table(
    path: Path, columns: tuple[str, ...], options: Mapping[str, Any], *, header: bool = True
) -> _Table:
    """Read a delimited file as text columns, each row with its line number.

    Lines with the wrong number of fields are skipped by pandas' C parser, which names them
    in warnings: that is how they are counted without a slow Python parser. A stray quote can
    make a field run over many lines (or to the end of the file); then the file is read again
    without the lines whose quotes do not pair up, and those lines are counted instead.
    Text that is not UTF-8 in a UTF-8 file is read as latin-1 (Windows-1252) and counted.
    """
    raw = _read_bytes(path)
    if not raw or raw.isspace():
        raise DatasetError(f"{path.name} is empty")
    physical = raw.count(b"\n") + (not raw.endswith(b"\n"))
    lines_of_record = np.arange(1, physical + 1, dtype=np.int64)
    unbalanced = np.zeros(0, dtype=np.int64)
    quoted = options.get("quoting") != csv.QUOTE_NONE
    try:
        frame, malformed = _parse(path, raw, columns, options, header)
        spilled = len(frame) + malformed.size + header != physical
    except pd.errors.ParserError as e:  # "EOF inside string": a stray quote ran to the end
        if not quoted:
            raise DatasetError(f"{path.name} cannot be parsed: {e}") from e
        spilled = True
    if spilled and quoted:
        raw, lines_of_record, unbalanced = _without_unbalanced_lines(raw, options, header)
        try:
            frame, malformed = _parse(path, raw, columns, options, header)
        except pd.errors.ParserError as e:
            raise DatasetError(f"{path.name} cannot be parsed: {e}") from e
    records = len(frame) + malformed.size + header
    if records != lines_of_record.size:  # fields still run over lines: count those rows
        spans = _spanning_rows(frame)
        frame = frame[~spans].reset_index(drop=True)
        unbalanced = np.concatenate([unbalanced, np.flatnonzero(spans) + 1 + header])
        records = len(frame) + malformed.size + header
        lines_of_record = np.arange(1, records + 1, dtype=np.int64)  # approximate from here
    first = 2 if header else 1
    is_row = np.ones(records + 1, dtype=bool)
    is_row[:first] = False
    is_row[malformed[malformed < is_row.size]] = False
    row_records = np.flatnonzero(is_row)
    lines = lines_of_record[np.minimum(row_records, lines_of_record.size) - 1]
    unsplit = {
        _WRONG_FIELDS: lines_of_record[np.minimum(malformed, lines_of_record.size) - 1],
        _UNBALANCED: np.sort(unbalanced),
    }
    repaired = _read_as_latin1(frame) if _is_utf8(options) else np.zeros(len(frame), dtype=bool)
    return _Table(path, frame, lines, unsplit, repaired)


def _parse(
    path: Path, raw: bytes, columns: tuple[str, ...], options: Mapping[str, Any], header: bool
) -> tuple[pd.DataFrame, npt.NDArray[np.int64]]:
    """The file's rows as text columns, and the record numbers of the lines pandas skipped."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(raw),
                dtype=str,
                keep_default_na=False,  # "None", "N/A" are authors' names here, not missing
                na_filter=False,
                skip_blank_lines=False,  # so every line is a row or a skipped line: numbered
                encoding_errors="surrogateescape",  # undecodable bytes kept, then repaired
                on_bad_lines="warn",
                header=0 if header else None,
                names=None if header else list(columns),
                **options,
            )
    except pd.errors.EmptyDataError as e:
        raise DatasetError(f"{path.name} cannot be parsed: {e}") from e
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DatasetError(
            f"{path.name} lacks the column(s) {', '.join(missing)}: its line 1 names "
            f"{', '.join(map(str, frame.columns[:10]))}"
        )
    malformed = [
        int(n)
        for w in caught
        if issubclass(w.category, pd.errors.ParserWarning)
        for n in _SKIPPING.findall(str(w.message))
    ]
    return frame.reset_index(drop=True), np.array(sorted(malformed), dtype=np.int64)


def _without_unbalanced_lines(
    raw: bytes, options: Mapping[str, Any], header: bool
) -> tuple[bytes, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The file without its data lines holding an odd number of (unescaped) quotes.

    Returns the remaining text, the original line number of each remaining line, and the
    numbers of the lines taken out.
    """
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    escaped = b'\\"' if options.get("escapechar") == "\\" else None
    odd = np.array(
        [(line.count(b'"') - (line.count(escaped) if escaped else 0)) % 2 for line in lines],
        dtype=bool,
    )
    if header and odd.size:
        odd[0] = False  # the header stays: without it no column can be found
    kept = np.flatnonzero(~odd)
    text = b"\n".join(lines[i] for i in kept.tolist()) + b"\n"
    return text, kept + 1, np.flatnonzero(odd) + 1


def _spanning_rows(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    spans = np.zeros(len(frame), dtype=bool)
    for name in frame.columns:
        spans |= frame[name].str.contains("\n", regex=False).to_numpy(dtype=bool)
    return spans


def _is_utf8(options: Mapping[str, Any]) -> bool:
    return str(options.get("encoding", "utf-8")).lower().replace("_", "-") in ("utf-8", "utf8")


def _read_as_latin1(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Decode, in place, each byte that was not UTF-8 as Windows-1252 (else latin-1).

    Returns which rows held such bytes. Mixed rows keep their valid UTF-8 characters.
    """
    repaired = np.zeros(len(frame), dtype=bool)
    for name in frame.columns:
        column = frame[name]
        if not len(column):
            continue
        bad = column.str.contains(_ESCAPED_BYTE.pattern, regex=True).to_numpy(dtype=bool)
        if bad.any():
            fixed = [_ESCAPED_BYTE.sub(_decoded_byte, value) for value in column[bad]]
            frame.loc[bad, name] = fixed
            repaired |= bad
    return repaired


def _decoded_byte(match: re.Match[str]) -> str:
    byte = bytes([ord(match.group()) - 0xDC00])
    try:
        return byte.decode("cp1252")
    except UnicodeDecodeError:  # the five bytes Windows-1252 leaves undefined
        return byte.decode("latin-1")


def _read_msd_tracks(path: Path) -> _Table:
    """`unique_tracks.txt` (fields separated by `<SEP>`, which pandas' C parser cannot split)."""
    songs: list[str] = []
    artists: list[str] = []
    titles: list[str] = []
    lines: list[int] = []
    wrong: list[int] = []
    text = _read_bytes(path).decode("utf-8", errors="surrogateescape")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split(MSD_SEP)
        if len(fields) != 4:
            wrong.append(number)
            continue
        songs.append(fields[1].strip())
        artists.append(fields[2])
        titles.append(fields[3])
        lines.append(number)
    if not lines and not wrong:
        raise DatasetError(f"{path.name} is empty")
    frame = pd.DataFrame({"song": songs, "artist": artists, "title": titles}, dtype=object)
    return _Table(
        path,
        frame,
        np.array(lines, dtype=np.int64),
        {_WRONG_FIELDS: np.array(wrong, dtype=np.int64)},
        _read_as_latin1(frame),
    )


# --- checking rows --------------------------------------------------------------------------


class _RowCheck:
    """Which rows of a table are kept, and why each other row was left out (for the report)."""

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.keep = np.ones(len(table.frame), dtype=bool)
        self._skipped = {why: int(lines.size) for why, lines in table.unsplit.items() if lines.size}
        self._first = {why: int(lines.min()) for why, lines in table.unsplit.items() if lines.size}
        self._unmatched: dict[str, int] = {}
        self._repaired: dict[str, int] = {}
        if table.repaired.any():
            self._repaired[_NOT_UTF8] = int(table.repaired.sum())
            self._first[_NOT_UTF8] = int(table.lines[np.argmax(table.repaired)])
        self.skip("blank line", self._blank_rows())

    @property
    def rows(self) -> int:
        """Data lines of the file: rows read plus lines that gave no row."""
        return len(self.table.frame) + sum(lines.size for lines in self.table.unsplit.values())

    def column(self, name: str) -> pd.Series:
        """One column, as text."""
        return self.table.frame[name]

    def skip(self, reason: str, rows: pd.Series | npt.NDArray[np.bool_]) -> None:
        """Leave out, as unreadable, the kept rows among `rows`."""
        self._drop(self._skipped, reason, rows)

    def leave_out(self, reason: str, rows: pd.Series | npt.NDArray[np.bool_]) -> None:
        """Leave out readable rows whose item the catalog file does not describe."""
        self._drop(self._unmatched, reason, rows)

    def refuse_if_mostly_unreadable(self) -> None:
        """Raise DatasetError, naming the file and its first bad line, when it is mostly junk."""
        name, rows = self.table.path.name, self.rows
        if rows == 0:
            raise DatasetError(f"{name} holds no rows")
        skipped = sum(self._skipped.values())
        if skipped > MAX_SKIPPED_SHARE * rows:
            line, why = min((self._first[why], why) for why in self._skipped)
            reasons = "; ".join(f"{n:,} {why}" for why, n in self._skipped.items())
            raise DatasetError(
                f"{name} is mostly unreadable: {skipped:,} of {rows:,} rows skipped "
                f"({reasons}); the first bad line is line {line} of {name} ({why})"
            )

    def report(self) -> FileReport:
        """What was read, skipped, left out and repaired in this file."""
        return FileReport(
            self.table.path.name,
            self.rows,
            skipped=dict(self._skipped),
            unmatched=dict(self._unmatched),
            repaired=dict(self._repaired),
            first_lines=dict(self._first),
        )

    def _drop(
        self, counts: dict[str, int], reason: str, rows: pd.Series | npt.NDArray[np.bool_]
    ) -> None:
        dropped = np.asarray(rows, dtype=bool) & self.keep
        n = int(dropped.sum())
        if n:
            counts[reason] = counts.get(reason, 0) + n
            self._first.setdefault(reason, int(self.table.lines[np.argmax(dropped)]))
            self.keep &= ~dropped

    def _blank_rows(self) -> npt.NDArray[np.bool_]:
        frame = self.table.frame
        if frame.shape[1] == 0 or not len(frame):
            return np.zeros(len(frame), dtype=bool)
        blank = np.asarray(frame.iloc[:, 0] == "", dtype=bool)
        for name in frame.columns[1:]:
            if not blank.any():
                break
            blank &= np.asarray(frame[name] == "", dtype=bool)
        return blank


# --- values -------------------------------------------------------------------------------


def _trimmed(column: pd.Series, *, upper: bool = False) -> pd.Series:
    """Values stripped (and upper-cased), computed once per distinct value: fast on ids."""
    codes, uniques = pd.factorize(column)
    values = pd.Series(uniques, dtype=object).str.strip()
    if upper:
        values = values.str.upper()
    return pd.Series(values.to_numpy(dtype=object)[codes], index=column.index, dtype=object)


def _numbers(column: pd.Series) -> npt.NDArray[np.float64]:
    """Values as numbers, NaN where a value is not one; parsed once per distinct value."""
    codes, uniques = pd.factorize(column)
    values = pd.to_numeric(pd.Series(uniques, dtype=object).str.strip(), errors="coerce")
    numbers: npt.NDArray[np.float64] = np.asarray(values, dtype=np.float64)
    return numbers[np.asarray(codes, dtype=np.intp)]


def _whole(values: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    """Whole numbers ≥ 0 (so NaN and inf are not)."""
    with np.errstate(invalid="ignore"):
        whole: npt.NDArray[np.bool_] = (
            np.isfinite(values) & (values >= 0) & (values == np.round(values))
        )
    return whole


@dataclass(frozen=True)
class _Catalog:
    """A catalog file's readable rows: item ids (first row of an id wins), titles, creators."""

    ids: pd.Series
    titles: pd.Series
    creators: pd.Series
    report: FileReport

    def metadata(self, wanted: pd.Series, *, unescape: bool = False) -> dict[str, tuple[str, str]]:
        """Item id → (title, creator) for the wanted ids; HTML entities decoded if asked."""
        chosen = self.ids.isin(wanted).to_numpy(dtype=bool)
        titles, creators = self.titles[chosen].tolist(), self.creators[chosen].tolist()
        if unescape:
            titles = [html.unescape(t) for t in titles]
            creators = [html.unescape(c) for c in creators]
        return dict(zip(self.ids[chosen].tolist(), zip(titles, creators, strict=True), strict=True))


def _catalog(
    table: _Table, id_column: str, title: str, creator: str | None, *, upper: bool = False
) -> _Catalog:
    """The item rows of a catalog file; refused when mostly unreadable."""
    rows = _RowCheck(table)
    ids = _trimmed(rows.column(id_column), upper=upper)
    rows.skip(f"blank {id_column}", ids == "")
    rows.refuse_if_mostly_unreadable()
    first = rows.keep & ~ids.duplicated().to_numpy(dtype=bool)
    titles = rows.column(title)
    creators = rows.column(creator) if creator else pd.Series("", index=titles.index, dtype=object)
    return _Catalog(ids[first], titles[first], creators[first], rows.report())


@dataclass(frozen=True)
class _Likes:
    """A loader's readable rows as (user, item, weight), and the least weight that is a like."""

    users: pd.Series
    items: pd.Series
    weights: npt.NDArray[np.float64]
    measure: str  # what the weight is, for the rule: "rating", "plays", "weight"
    least: float | None  # None: any weight above 0

    def rule(self) -> str:
        """What counts as a like, for the report, such as "rating ≥ 5"."""
        return f"{self.measure} > 0" if self.least is None else f"{self.measure} ≥ {self.least:g}"

    def liked(self, keep: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """The kept rows whose weight makes them a like."""
        with np.errstate(invalid="ignore"):  # NaN weights of skipped rows compare as False
            enough = self.weights > 0 if self.least is None else self.weights >= self.least
        liked: npt.NDArray[np.bool_] = keep & enough
        return liked


def _loaded(
    source: str,
    main: _RowCheck,
    likes: _Likes,
    catalog: _Catalog | None,
    *,
    item_name: str,
    unescape: bool = False,
) -> LoadedDataset:
    """The end every loader shares: rows of items the catalog file does not list are left out
    (and counted), the likes kept, titled from the catalog file, and the report logged.

    Raises:
        DatasetError: no row is a like (the message holds the report).
    """
    if catalog is not None:
        unlisted = ~likes.items.isin(catalog.ids)
        main.leave_out(f"{item_name} not in {catalog.report.name}", unlisted)
    liked = likes.liked(main.keep)
    metadata = catalog.metadata(likes.items[liked], unescape=unescape) if catalog else {}
    interactions = build_interactions(
        likes.users[liked].to_numpy(dtype=str),
        likes.items[liked].to_numpy(dtype=str),
        likes.weights[liked],
        metadata,
    )
    rule = likes.rule()
    files = (main.report(),) if catalog is None else (main.report(), catalog.report)
    report = LoadReport(
        source,
        files,
        liked=len(interactions),
        users=interactions.users,
        items=interactions.num_items,
        rule=rule,
    )
    if len(interactions) == 0:
        raise DatasetError(f"{source}: no liked interactions ({rule})\n{report.summary()}")
    log.info("%s", report.summary())
    return LoadedDataset(interactions, report)
