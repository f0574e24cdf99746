"""The per-process catalog registry: loaded once, on first use, and refreshed by version."""

from __future__ import annotations

from pathlib import Path

import pytest

from edgerec.bundle import Bundle, read_bundle
from edgerec.errors import StoreUnavailableError, UnknownCatalogError
from edgerec.service import LiveCatalogs, RecommenderService
from edgerec.stores.s3_bundles import LivePointer
from tests.unit.edgerec.bundle_factory import InMemoryTopItems, write_synthetic_bundle


class FolderSource:
    """A BundleSource over local bundle folders, counting loads."""

    def __init__(self, folders: dict[tuple[str, str], Path], live: dict[str, str]) -> None:
        self.folders = folders
        self.live = live
        self.loads: list[tuple[str, str]] = []
        self.unavailable = False

    def live_pointers(self) -> dict[str, LivePointer]:
        if self.unavailable:
            raise StoreUnavailableError("S3 answered SlowDown")
        return {c: LivePointer(c, v, "2026-01-01T00:00:00+00:00") for c, v in self.live.items()}

    def load_bundle(self, catalog: str, model_version: str, cache_dir: Path) -> Bundle:
        self.loads.append((catalog, model_version))
        return read_bundle(self.folders[(catalog, model_version)])


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
