"""Publishing a bundle (training.publish): files, user lists, and only then the live pointer."""

from __future__ import annotations

import json

import boto3
import pytest

from edgerec.bundle import TOP_ITEMS, read_bundle, read_manifest, write_bundle
from edgerec.errors import BundleError, StoreUnavailableError
from edgerec.settings import Settings
from edgerec.stores.dynamodb_top_items import DynamoDbTopItems
from edgerec.stores.s3_bundles import S3BundleStore
from tests.unit.edgerec.bundle_factory import VERSION, write_synthetic_bundle
from tests.unit.edgerec.conftest import BUCKET, TABLE
from training.publish import main, publish_bundle
from training.rollback import rollback

pytestmark = pytest.mark.usefixtures("aws")


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.from_env(
        {"MODEL_BUCKET": BUCKET, "TOP_ITEMS_TABLE": TABLE, "BUNDLE_CACHE_DIR": str(tmp_path)}
    )


def rows_of(version: str) -> int:
    pages = (
        boto3.client("dynamodb")
        .get_paginator("scan")
        .paginate(
            TableName=TABLE,
            FilterExpression="begins_with(user_key, :p)",
            ExpressionAttributeValues={":p": {"S": f"books#{version}#"}},
            Select="COUNT",
        )
    )
    return sum(page["Count"] for page in pages)


def test_publishing_writes_every_user_list_and_makes_the_version_live(bundle_dir, settings):
    version = publish_bundle(bundle_dir, settings)

    assert version == VERSION
    assert rows_of(VERSION) == read_manifest(bundle_dir).user_count
    assert S3BundleStore(BUCKET).read_live_pointer("books").model_version == VERSION


def test_the_live_pointer_does_not_move_when_the_user_lists_fall_short(bundle_dir, settings):
    lines = (bundle_dir / TOP_ITEMS).read_text(encoding="utf-8").splitlines()
    (bundle_dir / TOP_ITEMS).write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    bundle = read_bundle(bundle_dir)
    write_bundle(
        bundle_dir,
        catalog="books",
        model_version=VERSION,
        item_embeddings=bundle.item_embeddings,
        user_embeddings=bundle.user_embeddings,
        items=bundle.items,
        user_ids=bundle.user_ids,
    )

    with pytest.raises(BundleError, match="live pointer was not moved"):
        publish_bundle(bundle_dir, settings)

    assert S3BundleStore(BUCKET).live_catalogs() == []


def test_a_malformed_user_list_line_is_named(bundle_dir, settings):
    with (bundle_dir / TOP_ITEMS).open("a", encoding="utf-8") as out:
        out.write(json.dumps({"user": "u9999", "items": ["a"]}) + "\n")
    bundle = read_bundle(bundle_dir)
    write_bundle(
        bundle_dir,
        catalog="books",
        model_version=VERSION,
        item_embeddings=bundle.item_embeddings,
        user_embeddings=bundle.user_embeddings,
        items=bundle.items,
        user_ids=bundle.user_ids,
    )

    with pytest.raises(BundleError, match=f"{TOP_ITEMS} line 41 is malformed"):
        publish_bundle(bundle_dir, settings)


def test_the_cli_publishes_with_settings_from_the_environment(bundle_dir, monkeypatch, capsys):
    monkeypatch.setenv("MODEL_BUCKET", BUCKET)
    monkeypatch.setenv("TOP_ITEMS_TABLE", TABLE)

    main([str(bundle_dir)])

    assert VERSION in capsys.readouterr().out
    assert S3BundleStore(BUCKET).live_catalogs() == ["books"]


# A failed publish, a re-run, and rolling back

NEWER = "20260201T000000Z-def456"


@pytest.fixture
def newer_bundle_dir(tmp_path):
    directory = tmp_path / "newer"
    write_synthetic_bundle(directory, model_version=NEWER, seed=11)
    return directory


def test_a_publish_that_fails_half_way_leaves_the_previous_version_serving_and_can_be_rerun(
    bundle_dir, newer_bundle_dir, settings, monkeypatch
):
    publish_bundle(bundle_dir, settings)
    writes = []
    real_write = DynamoDbTopItems.write_top_items

    def write_then_fail(self, catalog, version, rows):
        writes.append(version)
        raise StoreUnavailableError("DynamoDB left top-item lists unwritten after 8 tries")

    monkeypatch.setattr(DynamoDbTopItems, "write_top_items", write_then_fail)
    with pytest.raises(StoreUnavailableError):
        publish_bundle(newer_bundle_dir, settings)
    live_after_failure = S3BundleStore(BUCKET).read_live_pointer("books").model_version
    monkeypatch.setattr(DynamoDbTopItems, "write_top_items", real_write)

    publish_bundle(newer_bundle_dir, settings)

    assert writes == [NEWER]
    assert live_after_failure == VERSION
    assert S3BundleStore(BUCKET).read_live_pointer("books").model_version == NEWER
    assert rows_of(NEWER) == read_manifest(newer_bundle_dir).user_count


def test_rollback_serves_the_version_published_before_the_live_one(
    bundle_dir, newer_bundle_dir, settings
):
    publish_bundle(bundle_dir, settings)
    publish_bundle(newer_bundle_dir, settings)

    pointer = rollback("books", settings)

    assert pointer.model_version == VERSION
    assert S3BundleStore(BUCKET).read_live_pointer("books").model_version == VERSION
    assert rows_of(VERSION) == read_manifest(bundle_dir).user_count  # its lists are still there


def test_rollback_to_a_named_version_and_refusals_name_the_problem(
    bundle_dir, newer_bundle_dir, settings
):
    publish_bundle(bundle_dir, settings)
    publish_bundle(newer_bundle_dir, settings)
    rollback("books", settings, to=VERSION)

    with pytest.raises(BundleError, match="no version published before"):
        rollback("books", settings)
    with pytest.raises(BundleError, match="no published version 'nope'"):
        rollback("books", settings, to="nope")
    assert rollback("books", settings, to=NEWER).model_version == NEWER
