"""`make demo` as a newcomer runs it: set-up, a curl for recommendations, Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator

import pytest

from local.moto_server import free_port, port_is_free
from tests.conftest import serving_command
from tests.local_api import LocalApi

SETUP_TIMEOUT_S = 300  # the bound on set-up after the first package install


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LocalApi, int, subprocess.Popen[str]]]:
    """The demo on free ports, with the fast training preset, once it says it is serving."""
    port, moto_port = free_port(), free_port()
    workdir = tmp_path_factory.mktemp("demo")
    command = [
        sys.executable, "-m", "local.demo", "--port", str(port), "--moto-port", str(moto_port),
        "--workdir", str(workdir), "--preset", "smoke",
    ]  # fmt: skip
    with serving_command(command, "is serving on", SETUP_TIMEOUT_S) as process:
        yield LocalApi(f"http://127.0.0.1:{port}"), moto_port, process


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
