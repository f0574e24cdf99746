"""The real local stack for integration and end-to-end tests: a moto server, trained and
published synthetic catalogs, and the local gateway in its own process; and moto's in-process
AWS with the same bucket and table for the unit tests."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from local.catalog_commands import synthetic_data_command, training_command
from local.demo import BUCKET, TABLE, newest_bundle, stack_environment
from local.gateway import gateway_process
from local.import_roots import python_path
from local.moto_server import (
    LOCAL_AWS_ENV,
    MotoServer,
    start_moto_server,
    stop_process,
)
from local.resources import create_stack_resources
from tests.local_api import LocalApi

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def tensorflow() -> Any:
    """TensorFlow, imported once per test session (its import dominates on two cores)."""
    import tensorflow as tf

    import training  # noqa: F401  (sets TF_USE_LEGACY_KERAS before TensorFlow loads)

    return tf


@contextmanager
def in_process_aws(monkeypatch: pytest.MonkeyPatch, bucket: str, table: str) -> Iterator[None]:
    """moto's in-process AWS holding `bucket` and the top-items `table`, made from template.yaml
    as the local stack makes them; placeholder credentials, and no endpoint or profile of the
    machine's own."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in LOCAL_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        create_stack_resources(None, bucket, table)
        yield


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A moto server process on a free 127.0.0.1 port, with the stack's bucket and table."""
    server = start_moto_server()
    try:
        create_stack_resources(server.endpoint_url, BUCKET, TABLE)
        yield server
    finally:
        stop_process(server.process)


@pytest.fixture(scope="session")
def stack_env(moto_server: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment a function or publisher process sees on the local stack."""
    workdir = tmp_path_factory.mktemp("stack")
    return {**os.environ, **stack_environment(moto_server.endpoint_url, workdir)}


def publish_synthetic(catalog: str, env: dict[str, str], work: Path) -> Path:
    """Synthetic data of `catalog`, trained with the smoke preset and published, as a user
    would do it: two CLIs. Returns the bundle folder."""
    data, bundles = work / "data", work / "bundles"
    subprocess.run(synthetic_data_command(catalog, data), check=True, env=env)
    train = training_command(catalog, data, bundles, preset="smoke", publish=True, quiet=True)
    subprocess.run(train, check=True, env=env)
    return newest_bundle(bundles, catalog)


@pytest.fixture(scope="session")
def published_books(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic books, trained and published to the moto server."""
    return publish_synthetic("books", stack_env, tmp_path_factory.mktemp("books"))


@pytest.fixture(scope="session")
def published_songs(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic songs, trained and published to the moto server."""
    return publish_synthetic("songs", stack_env, tmp_path_factory.mktemp("songs"))


@contextmanager
def running_gateway(env: dict[str, str]) -> Iterator[tuple[LocalApi, subprocess.Popen[bytes]]]:
    """The local gateway in its own process on a free port, until the block ends."""
    with gateway_process(env) as gateway:
        yield LocalApi(gateway.url), gateway.process


@contextmanager
def serving_command(
    command: list[str], ready: str, timeout_s: float, stop_timeout_s: float = 10
) -> Iterator[subprocess.Popen[str]]:
    """A long-running local command (`python -m local.demo ...`), started from the repository
    root with the import roots in PYTHONPATH, once a line of its output contains `ready`; fails
    the test with its last lines if none does within `timeout_s`. SIGTERM (then SIGKILL after
    `stop_timeout_s`) stops it when the block ends, unless the test already has."""
    process = subprocess.Popen(
        command,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": python_path()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + timeout_s
        output: list[str] = []
        for line in process.stdout:
            output.append(line)
            if ready in line or time.monotonic() > deadline:
                break
        if not any(ready in line for line in output):
            pytest.fail(f"{' '.join(command)} never said {ready!r}:\n" + "".join(output[-40:]))
        yield process
    finally:
        stop_process(process, timeout_s=stop_timeout_s)


@pytest.fixture(scope="session")
def local_api(stack_env: dict[str, str], published_books: Path) -> Iterator[LocalApi]:
    """The local gateway in its own process, serving the published bundle."""
    with running_gateway(stack_env) as (api, _):
        yield api
