"""The real container image under `sam local`: start-api over HTTP, and invoke with each event.

Run by `make test-sam` (after `make sam-build`); needs Docker. `$SAM` names the sam command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from local.moto_server import free_port
from local.sam_local import FUNCTION, sam_command
from tests.conftest import serving_command
from tests.local_api import LocalApi

pytestmark = pytest.mark.sam

REPO = Path(__file__).resolve().parents[2]
SETUP_TIMEOUT_S = 420
SAM = os.environ.get("SAM", "sam")


@dataclass(frozen=True)
class SamStack:
    """`local.sam_local` running: the API it serves and its `--env-vars` file."""

    api: LocalApi
    env_file: Path
    moto_endpoint: str


@pytest.fixture(scope="module")
def sam_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SamStack]:
    port, moto_port = free_port(), free_port()
    workdir = tmp_path_factory.mktemp("sam-local")
    command = [
        sys.executable, "-m", "local.sam_local", "--port", str(port), "--moto-port",
        str(moto_port), "--workdir", str(workdir), "--preset", "smoke", "--sam", SAM,
    ]  # fmt: skip
    # SIGTERM lets sam remove its warm containers, which takes a while.
    with serving_command(command, "sam local serves the image", SETUP_TIMEOUT_S, 60):
        yield SamStack(
            LocalApi(f"http://127.0.0.1:{port}"),
            workdir / "env.json",
            f"http://127.0.0.1:{moto_port}",
        )


def test_health_lists_both_catalogs(sam_stack):
    answer = sam_stack.api.get("/health")

    assert answer.status == 200
    assert set(answer.body["catalogs"]) == {"books", "songs"}


def test_search_finds_items_by_a_word_of_the_title(sam_stack):
    answer = sam_stack.api.get("/catalogs/songs/items?q=fire&limit=5")

    assert answer.status == 200
    assert 1 <= len(answer.body["items"]) <= 5
    assert all("fire" in item["title"].lower() for item in answer.body["items"])


def test_recommendations_come_from_the_container_image(sam_stack):
    inputs = [i["id"] for i in sam_stack.api.get("/catalogs/books/items?limit=3").body["items"]]

    answer = sam_stack.api.post_json(
        "/catalogs/books/recommendations", {"items": inputs, "limit": 8}
    )

    assert answer.status == 200, answer.body
    assert len(answer.body["items"]) == 8
    assert not {item["id"] for item in answer.body["items"]} & set(inputs)
    assert all(item["because"] in inputs for item in answer.body["items"])


def test_a_bad_request_is_a_json_4xx_naming_the_problem(sam_stack):
    answer = sam_stack.api.post_json("/catalogs/books/recommendations", {"items": ["nope"]})

    assert answer.status == 422
    assert answer.body["unknown_items"] == ["nope"]


def test_the_web_page_is_served_by_the_image(sam_stack):
    with_page = sam_stack.api.request("GET", "/", expect_json=False)

    assert with_page.status == 200
    assert "<title>Edge Recommender</title>" in with_page.body


@pytest.mark.parametrize(
    "event_file", sorted((REPO / "events").glob("*.json")), ids=lambda p: p.stem
)
def test_sam_local_invoke_answers_each_event_with_a_2xx(sam_stack, event_file):
    env = {**os.environ, "AWS_ENDPOINT_URL": sam_stack.moto_endpoint}
    done = subprocess.run(
        sam_command(
            SAM, "local", "invoke", FUNCTION, "-e", str(event_file),
            "--env-vars", str(sam_stack.env_file),
        ),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr[-2000:]
    response = json.loads(done.stdout.strip().splitlines()[-1])
    assert 200 <= response["statusCode"] < 300, response
