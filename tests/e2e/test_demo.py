"""`make demo` as a newcomer runs it: set-up, a curl for recommendations, Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.import_roots import python_path
from local.moto_server import free_port, port_is_free, stop_process
from tests.local_api import LocalApi

REPO = Path(__file__).resolve().parents[2]
SETUP_TIMEOUT_S = 300  # the bound on set-up after the first package install


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalApi, int, subprocess.Popen[str]]]:
    """The demo on free ports, with the fast training preset, once it says it is serving."""
    port, moto_port = free_port(), free_port()
    workdir = tmp_path_factory.mktemp("demo")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "local.demo", "--port", str(port), "--moto-port",
            str(moto_port), "--workdir", str(workdir), "--preset", "smoke",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": python_path()},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    assert process.stdout is not None
    deadline = time.monotonic() + SETUP_TIMEOUT_S
    output: list[str] = []
    for line in process.stdout:
        output.append(line)
        if "is serving on" in line or time.monotonic() > deadline:
            break
    if not any("is serving on" in line for line in output):
        stop_process(process)  # type: ignore[arg-type]
        pytest.fail("the demo never said it was serving:\n" + "".join(output[-30:]))
    try:
        yield LocalApi(f"http://127.0.0.1:{port}"), moto_port, process
    finally:
        stop_process(process)  # type: ignore[arg-type]


def test_the_demo_serves_limit_recommendations_for_books_and_songs_none_an_input(demo):
    api, _, _ = demo
    health = api.get("/health")
    assert health.status == 200
    assert set(health.body["catalogs"]) == {"books", "songs"}

    for catalog in ("books", "songs"):
        popular = api.get(f"/catalogs/{catalog}/items?limit=3").body["items"]
        inputs = [item["id"] for item in popular]
        answer = api.post_json(
            f"/catalogs/{catalog}/recommendations", {"items": inputs, "limit": 7}
        )

        assert answer.status == 200, answer.body
        assert len(answer.body["items"]) == 7
        assert not {item["id"] for item in answer.body["items"]} & set(inputs)
        assert all(item["title"] and item["creator"] for item in answer.body["items"])


def test_ctrl_c_stops_the_demo_and_its_moto_server(demo):
    _, moto_port, process = demo
    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=30) == 0
    assert port_is_free(moto_port)
