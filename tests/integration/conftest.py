"""The real local stack for integration tests: moto server, a published bundle, the gateway."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.demo import BUCKET, TABLE, newest_bundle, stack_environment
from local.moto_server import (
    MotoServer,
    free_port,
    start_moto_server,
    stop_process,
    wait_until_answering,
)
from local.resources import create_stack_resources
from tests.local_api import LocalApi

REPO = Path(__file__).resolve().parents[2]


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


@pytest.fixture(scope="session")
def published_books(stack_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic books trained with the smoke preset and published, as a user would: two CLIs."""
    work = tmp_path_factory.mktemp("books")
    data, bundles = work / "data", work / "bundles"
    subprocess.run(
        [sys.executable, "-m", "training.synthetic", "--catalog", "books", "--out", str(data)],
        check=True,
        env=stack_env,
    )
    subprocess.run(
        [
            sys.executable, "-m", "training.cli", "--catalog", "books", "--data", str(data),
            "--out", str(bundles), "--preset", "smoke", "--publish",
        ],
        check=True,
        env=stack_env,
    )  # fmt: skip
    return newest_bundle(bundles, "books")


@pytest.fixture(scope="session")
def local_api(stack_env: dict[str, str], published_books: Path) -> Iterator[LocalApi]:
    """The local gateway in its own process, serving the published bundle."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.gateway", "--port", str(port)],
        env=stack_env,
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/health", 60, process)
        yield LocalApi(f"http://127.0.0.1:{port}")
    finally:
        stop_process(process)
