"""Fixtures for the API function: API Gateway proxy events, a Lambda context, and two
synthetic catalogs published into moto's in-process S3 and DynamoDB."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from edgerec.observability import logger
from edgerec.service import recommender_service
from edgerec.settings import Settings, settings
from edgerec.stores.clients import dynamodb_client, s3_client
from local.gateway import LocalLambdaContext
from tests.conftest import in_process_aws
from tests.unit.edgerec.bundle_factory import write_synthetic_bundle
from training.publish import publish_bundle

BUCKET = "edgerec-models-test"
TABLE = "edgerec-top-items-test"

ApiEvent = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class Published:
    """What the fixture published: each catalog's bundle folder and model version."""

    folders: Mapping[str, Path]
    versions: Mapping[str, str]


def reset_process_state() -> None:
    """Forget everything the function keeps per process: settings, clients, catalogs."""
    recommender_service.cache_clear()
    settings.cache_clear()
    s3_client.cache_clear()
    dynamodb_client.cache_clear()


@pytest.fixture
def lambda_context() -> LocalLambdaContext:
    return LocalLambdaContext()


@pytest.fixture
def api_event() -> ApiEvent:
    """Build an API Gateway REST proxy event: api_event("POST", "/path", body=..., query=...)."""

    def build(
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        text = body if isinstance(body, str | None) else json.dumps(body)
        all_headers = {"Content-Type": "application/json", "Origin": "https://example.org"}
        all_headers.update(headers or {})
        return {
            "resource": path,
            "path": path,
            "httpMethod": method,
            "headers": all_headers,
            "multiValueHeaders": {k: [v] for k, v in all_headers.items()},
            "queryStringParameters": dict(query) if query else None,
            "multiValueQueryStringParameters": {k: [v] for k, v in query.items()}
            if query
            else None,
            "pathParameters": None,
            "stageVariables": None,
            "requestContext": {
                "resourcePath": path,
                "httpMethod": method,
                "path": f"/prod{path}",
                "stage": "prod",
                "requestId": str(uuid.uuid4()),
                "accountId": "123456789012",
                "identity": {"sourceIp": "127.0.0.1"},
            },
            "body": text,
            "isBase64Encoded": False,
        }

    return build


@pytest.fixture
def published(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Published]:
    """books and songs, trained-looking and published to moto; the function's env points there.

    The function's per-process state is reset before and after, so each test starts cold.
    """
    env = {
        "MODEL_BUCKET": BUCKET,
        "TOP_ITEMS_TABLE": TABLE,
        "BUNDLE_CACHE_DIR": str(tmp_path / "cache"),
        "NEIGHBOURS": "10",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_process_state()
    with in_process_aws(monkeypatch, BUCKET, TABLE):
        folders, versions = {}, {}
        for catalog, version in [("books", "20260101T000000Z-b00001"), ("songs", "v-songs-1")]:
            folder = tmp_path / "bundles" / catalog
            write_synthetic_bundle(
                folder, catalog=catalog, model_version=version, items=120, users=80
            )
            versions[catalog] = publish_bundle(folder, Settings.from_env(env))
            folders[catalog] = folder
        reset_process_state()
        yield Published(folders, versions)
    reset_process_state()


@pytest.fixture
def log_lines() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The function's structured log lines so far, parsed, read from the Logger's own stream."""
    handler = logger.registered_handler
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)

    def lines() -> list[dict[str, Any]]:
        return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]

    try:
        yield lines
    finally:
        handler.setStream(previous)
