"""Fixtures for the serving library: synthetic bundles, loaded catalogs, and moto AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from edgerec.bundle import read_bundle
from edgerec.served_catalog import ServedCatalog
from edgerec.stores.clients import dynamodb_client, s3_client
from tests.unit.edgerec.bundle_factory import write_synthetic_bundle

BUCKET = "edgerec-models-test"
TABLE = "edgerec-top-items-test"


@pytest.fixture
def bundle_dir(tmp_path: Path) -> Path:
    """A complete synthetic books bundle folder."""
    directory = tmp_path / "bundle"
    write_synthetic_bundle(directory)
    return directory


@pytest.fixture
def catalog(bundle_dir: Path) -> ServedCatalog:
    """The synthetic bundle, loaded as serving loads it."""
    return ServedCatalog(read_bundle(bundle_dir))


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's in-process AWS with the stack's bucket and table, and fresh cached clients."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3_client.cache_clear()
    dynamodb_client.cache_clear()
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        boto3.client("dynamodb").create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "user_key", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "user_key", "AttributeType": "S"}],
        )
        yield
    s3_client.cache_clear()
    dynamodb_client.cache_clear()
