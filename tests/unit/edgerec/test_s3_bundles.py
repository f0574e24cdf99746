"""The S3 bundle store under moto: round trips, checksums, the cache and live pointers."""

from __future__ import annotations

import boto3
import numpy as np
import pytest

from edgerec.bundle import (
    ITEM_EMBEDDINGS,
    MANIFEST,
    SERVING_FILES,
    TOP_ITEMS,
    file_sha256,
    read_bundle,
    read_manifest,
)
from edgerec.errors import BundleError, StoreUnavailableError
from edgerec.stores.s3_bundles import S3BundleStore, bundle_key
from tests.unit.edgerec.bundle_factory import VERSION, write_synthetic_bundle
from tests.unit.edgerec.conftest import BUCKET

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def store() -> S3BundleStore:
    return S3BundleStore(BUCKET)


def keys_under(prefix: str) -> set[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return {entry["Key"] for entry in listing.get("Contents", [])}


def test_a_bundle_read_back_from_s3_has_the_same_arrays_and_ids(store, bundle_dir, tmp_path):
    store.upload_bundle(bundle_dir)

    loaded = store.load_bundle("books", VERSION, tmp_path / "cache")

    original = read_bundle(bundle_dir)
    np.testing.assert_array_equal(loaded.item_embeddings, original.item_embeddings)
    np.testing.assert_array_equal(loaded.user_embeddings, original.user_embeddings)
    assert loaded.items == original.items
    assert loaded.user_ids == original.user_ids
    assert loaded.manifest == original.manifest


def test_every_bundle_file_is_uploaded_under_its_version(store, bundle_dir):
    store.upload_bundle(bundle_dir)

    prefix = f"bundles/books/{VERSION}/"
    assert keys_under(prefix) == {
        prefix + name
        for name in [
            *SERVING_FILES,
            MANIFEST,
            TOP_ITEMS,
            "saved_model/saved_model.pb",
            "saved_model/variables/variables.index",
        ]
    }


def test_only_serving_files_and_the_manifest_are_downloaded(store, bundle_dir, tmp_path):
    store.upload_bundle(bundle_dir)

    directory = store.download_bundle("books", VERSION, tmp_path / "cache")

    assert sorted(p.name for p in directory.iterdir()) == sorted([*SERVING_FILES, MANIFEST])


def test_a_file_that_fails_its_checksum_is_refused_and_never_kept(store, bundle_dir, tmp_path):
    store.upload_bundle(bundle_dir)
    key = bundle_key("books", VERSION, ITEM_EMBEDDINGS)
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=b"not the embeddings")
    cache = tmp_path / "cache"

    with pytest.raises(BundleError, match="corrupt"):
        store.download_bundle("books", VERSION, cache)

    # The other files, downloaded at the same time, are kept only because they are intact.
    folder = cache / "books" / VERSION
    kept = {p.name for p in folder.iterdir()}
    assert ITEM_EMBEDDINGS not in kept
    assert not any(name.startswith(".") for name in kept)  # no temporary file left behind
    manifest = read_manifest(folder)
    for name in kept - {MANIFEST}:
        assert file_sha256(folder / name) == manifest.files[name].sha256


def test_a_complete_cached_copy_is_reused_without_s3(store, bundle_dir, tmp_path):
    store.upload_bundle(bundle_dir)
    cache = tmp_path / "cache"
    store.download_bundle("books", VERSION, cache)
    s3 = boto3.resource("s3")
    s3.Bucket(BUCKET).objects.all().delete()

    loaded = store.load_bundle("books", VERSION, cache)

    assert loaded.manifest.model_version == VERSION


def test_a_corrupt_cached_file_is_downloaded_again(store, bundle_dir, tmp_path):
    store.upload_bundle(bundle_dir)
    cache = tmp_path / "cache"
    directory = store.download_bundle("books", VERSION, cache)
    (directory / ITEM_EMBEDDINGS).write_bytes(b"half a file")

    loaded = store.load_bundle("books", VERSION, cache)

    np.testing.assert_array_equal(loaded.item_embeddings, read_bundle(bundle_dir).item_embeddings)


def test_a_missing_version_is_a_bundle_error(store, tmp_path):
    with pytest.raises(BundleError, match="does not exist"):
        store.download_bundle("books", "no-such-version", tmp_path / "cache")


def test_a_local_bundle_that_fails_its_checksums_is_not_uploaded(store, bundle_dir):
    (bundle_dir / TOP_ITEMS).write_text("tampered\n", encoding="utf-8")

    with pytest.raises(BundleError, match="corrupt"):
        store.upload_bundle(bundle_dir)

    assert keys_under("bundles/") == set()


def test_the_live_pointer_names_the_published_version(store, bundle_dir):
    store.upload_bundle(bundle_dir)

    written = store.write_live_pointer("books", VERSION)

    assert store.read_live_pointer("books") == written
    assert written.model_version == VERSION
    assert store.live_catalogs() == ["books"]
    assert store.live_pointers() == {"books": written}


def test_catalogs_are_those_with_a_live_pointer(store, tmp_path):
    for catalog, version in [("books", "v1"), ("songs", "v2")]:
        write_synthetic_bundle(tmp_path / catalog, catalog=catalog, model_version=version)
        store.upload_bundle(tmp_path / catalog)
    store.write_live_pointer("songs", "v2")

    assert store.live_catalogs() == ["songs"]


def test_the_live_pointer_cannot_point_at_a_version_not_uploaded(store):
    with pytest.raises(BundleError):
        store.write_live_pointer("books", "never-uploaded")

    assert store.live_catalogs() == []


def test_reading_a_missing_live_pointer_is_a_bundle_error(store):
    with pytest.raises(BundleError):
        store.read_live_pointer("films")


def test_a_missing_bucket_is_reported_as_the_store_being_unavailable():
    with pytest.raises(StoreUnavailableError):
        S3BundleStore("no-such-bucket").live_catalogs()


def test_the_last_served_bundle_is_found_in_the_cache_without_s3(store, bundle_dir, tmp_path):
    store.upload_bundle(bundle_dir)
    cache = tmp_path / "cache"
    store.load_bundle("books", VERSION, cache)

    cached = S3BundleStore("no-such-bucket").cached_bundles(cache)

    assert set(cached) == {"books"}
    assert cached["books"].manifest.model_version == VERSION


def test_a_corrupt_cached_copy_is_not_served_as_a_fallback(store, bundle_dir, tmp_path):
    store.upload_bundle(bundle_dir)
    cache = tmp_path / "cache"
    store.load_bundle("books", VERSION, cache)
    (cache / "books" / VERSION / ITEM_EMBEDDINGS).write_bytes(b"not an array")

    assert store.cached_bundles(cache) == {}


def test_an_empty_cache_has_no_fallback(store, tmp_path):
    assert store.cached_bundles(tmp_path / "never-used") == {}


class OneKeyPages:
    """The moto client, answering ListObjectsV2 one key per page."""

    def __init__(self, real: object) -> None:
        self.real = real

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)

    def list_objects_v2(self, **request: object) -> object:
        return self.real.list_objects_v2(**request, MaxKeys=1)  # type: ignore[attr-defined]


def test_catalogs_and_versions_on_many_pages_are_all_found(tmp_path):
    store = S3BundleStore(BUCKET, client=OneKeyPages(boto3.client("s3")))
    for catalog, version in [("books", "v1"), ("books", "v2"), ("songs", "v3")]:
        write_synthetic_bundle(tmp_path / version, catalog=catalog, model_version=version)
        store.upload_bundle(tmp_path / version)
        store.write_live_pointer(catalog, version)

    assert store.live_catalogs() == ["books", "songs"]
    assert store.published_versions("books") == ["v1", "v2"]
