"""Fixtures for the serving library: synthetic bundles, loaded catalogs, and moto AWS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from edgerec.bundle import read_bundle
from edgerec.served_catalog import ServedCatalog
from edgerec.stores.clients import dynamodb_client, s3_client
from tests.conftest import in_process_aws
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
    s3_client.cache_clear()
    dynamodb_client.cache_clear()
    with in_process_aws(monkeypatch, BUCKET, TABLE):
        yield
    s3_client.cache_clear()
    dynamodb_client.cache_clear()
