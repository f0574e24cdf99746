"""The per-process catalog registry: loaded once, on first use, and refreshed by version."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgerec.bundle import Bundle, read_bundle
from edgerec.errors import BundleError, StoreUnavailableError, UnknownCatalogError
from edgerec.service import LiveCatalogs, RecommenderService
from edgerec.stores.s3_bundles import LivePointer
from edgerec.top_items import InMemoryTopItems
from tests.unit.edgerec.bundle_factory import write_synthetic_bundle


class FolderSource:
    """A BundleSource over local bundle folders, counting loads."""

    def __init__(self, folders: dict[tuple[str, str], Path], live: dict[str, str]) -> None:
        self.folders = folders
        self.live = live
        self.loads: list[tuple[str, str]] = []
        self.unavailable = False
        self.refused: set[tuple[str, str]] = set()  # versions whose load fails
        self.cached: dict[str, str] = {}  # catalog → version "last served" in the cache

    def live_pointers(self) -> dict[str, LivePointer]:
        if self.unavailable:
            raise StoreUnavailableError("S3 answered SlowDown")
        return {c: LivePointer(c, v, "2026-01-01T00:00:00+00:00") for c, v in self.live.items()}

    def load_bundle(self, catalog: str, model_version: str, cache_dir: Path) -> Bundle:
        self.loads.append((catalog, model_version))
        if self.unavailable:
            raise StoreUnavailableError("S3 answered SlowDown")
        if (catalog, model_version) in self.refused:
            raise BundleError(f"{model_version} is corrupt: sha256 mismatch")
        return read_bundle(self.folders[(catalog, model_version)])

    def cached_bundles(self, cache_dir: Path) -> dict[str, Bundle]:
        return {c: read_bundle(self.folders[(c, v)]) for c, v in self.cached.items()}


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def source(tmp_path: Path) -> FolderSource:
    folders = {}
    for catalog, version in [("books", "v1"), ("songs", "v1"), ("books", "v2")]:
        folder = tmp_path / catalog / version
        write_synthetic_bundle(folder, catalog=catalog, model_version=version, items=12, users=8)
        folders[(catalog, version)] = folder
    return FolderSource(folders, {"books": "v1", "songs": "v1"})


def test_nothing_is_loaded_before_first_use(source, tmp_path):
    LiveCatalogs(source, tmp_path)

    assert source.loads == []


def test_every_live_catalog_is_loaded_once_however_many_requests(source, tmp_path):
    catalogs = LiveCatalogs(source, tmp_path)

    for _ in range(3):
        catalogs.get("books")
        catalogs.all()

    assert sorted(source.loads) == [("books", "v1"), ("songs", "v1")]


def test_an_unknown_catalog_error_lists_the_served_ones(source, tmp_path):
    with pytest.raises(UnknownCatalogError) as raised:
        LiveCatalogs(source, tmp_path).get("films")

    assert raised.value.known == ["books", "songs"]
    assert "books, songs" in str(raised.value)


def test_a_failed_first_load_is_tried_again_on_the_next_use(source, tmp_path):
    catalogs = LiveCatalogs(source, tmp_path)
    source.unavailable = True
    with pytest.raises(StoreUnavailableError):
        catalogs.all()
    source.unavailable = False

    assert set(catalogs.all()) == {"books", "songs"}


def test_refresh_loads_only_catalogs_whose_live_version_changed(source, tmp_path):
    catalogs = LiveCatalogs(source, tmp_path)
    catalogs.all()
    source.live["books"] = "v2"

    catalogs.refresh()

    assert catalogs.get("books").model_version == "v2"
    assert source.loads.count(("songs", "v1")) == 1


def test_health_reports_each_catalogs_version_and_sizes(source, tmp_path):
    service = RecommenderService(LiveCatalogs(source, tmp_path), InMemoryTopItems({}), 5)

    health = service.health()

    assert {name: (h.model_version, h.items, h.users) for name, h in health.items()} == {
        "books": ("v1", 12, 8),
        "songs": ("v1", 12, 8),
    }


def test_a_warm_process_serves_a_new_live_version_once_the_refresh_interval_passes(
    source, tmp_path
):
    clock = Clock()
    catalogs = LiveCatalogs(source, tmp_path, refresh_seconds=30, clock=clock)
    catalogs.get("books")
    source.live["books"] = "v2"

    clock.now += 29
    before = catalogs.get("books").model_version
    clock.now += 2
    after = catalogs.get("books").model_version

    assert (before, after) == ("v1", "v2")


def test_a_corrupt_new_version_is_refused_and_the_previous_keeps_serving(source, tmp_path):
    clock = Clock()
    catalogs = LiveCatalogs(source, tmp_path, refresh_seconds=30, clock=clock)
    catalogs.get("books")
    source.live["books"] = "v2"
    source.refused.add(("books", "v2"))

    clock.now += 31
    served = catalogs.get("books").model_version
    source.refused.clear()
    clock.now += 31
    repaired = catalogs.get("books").model_version

    assert (served, repaired) == ("v1", "v2")


def test_when_s3_is_down_on_first_use_the_bundles_last_cached_are_served(source, tmp_path):
    source.unavailable = True
    source.cached = {"books": "v1"}

    catalogs = LiveCatalogs(source, tmp_path)

    assert catalogs.get("books").model_version == "v1"
    assert source.loads == []


def test_when_s3_is_down_with_nothing_cached_it_is_unavailable_until_s3_returns(source, tmp_path):
    clock = Clock()
    catalogs = LiveCatalogs(source, tmp_path, refresh_seconds=300, clock=clock)
    source.unavailable = True
    with pytest.raises(StoreUnavailableError):
        catalogs.get("books")

    source.unavailable = False

    assert catalogs.get("books").model_version == "v1"


def test_a_warm_process_keeps_serving_while_s3_is_down_and_retries_soon(source, tmp_path):
    clock = Clock()
    catalogs = LiveCatalogs(source, tmp_path, refresh_seconds=300, clock=clock)
    catalogs.get("books")
    source.unavailable = True
    source.live["books"] = "v2"

    clock.now += 301
    during = catalogs.get("books").model_version
    source.unavailable = False
    clock.now += 6  # well before the next 300 s: a failure makes the next look come sooner
    after = catalogs.get("books").model_version

    assert (during, after) == ("v1", "v2")


def test_a_catalog_that_cannot_load_is_unavailable_while_the_others_serve(source, tmp_path):
    source.refused.add(("songs", "v1"))
    catalogs = LiveCatalogs(source, tmp_path)

    assert catalogs.get("books").model_version == "v1"
    with pytest.raises(BundleError):
        catalogs.get("songs")
