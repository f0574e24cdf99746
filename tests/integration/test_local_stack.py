"""Recommendations over HTTP from a bundle published to a moto server, through the gateway."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from edgerec.bundle import read_bundle, read_manifest
from local.demo import BUCKET, TABLE
from local.moto_server import MotoServer
from tests.local_api import LocalApi

REPO = Path(__file__).resolve().parents[2]


def popular_items(bundle_dir: Path, n: int) -> list[str]:
    items = read_bundle(bundle_dir).items
    return [item.id for item in sorted(items, key=lambda item: -item.popularity)[:n]]


def test_health_reports_the_published_version_of_books(local_api: LocalApi, published_books: Path):
    manifest = read_manifest(published_books)

    answer = local_api.get("/health")

    assert answer.status == 200
    assert answer.body["status"] == "ok"
    assert answer.body["catalogs"]["books"] == {
        "model_version": manifest.model_version,
        "items": manifest.item_count,
        "users": manifest.user_count,
    }


def test_recommendations_return_limit_items_none_an_input_each_with_title_and_creator(
    local_api: LocalApi, published_books: Path
):
    liked = popular_items(published_books, 3)

    answer = local_api.post_json("/catalogs/books/recommendations", {"items": liked, "limit": 7})

    assert answer.status == 200, answer.body
    assert answer.body["catalog"] == "books"
    assert answer.body["degraded"] is False
    assert answer.body["model_version"] == read_manifest(published_books).model_version
    items = answer.body["items"]
    assert len(items) == 7
    assert not {i["id"] for i in items} & set(liked)
    assert all(i["title"] and i["creator"] for i in items)
    scores = [i["score"] for i in items]
    assert scores == sorted(scores, reverse=True)


def test_search_finds_an_item_by_a_word_of_its_title(local_api: LocalApi, published_books: Path):
    first = read_bundle(published_books).items[0]
    item_id, title = first.id, first.title
    word = max(title.split(), key=len)

    answer = local_api.get(f"/catalogs/books/items?q={word.upper()}&limit=50")

    assert answer.status == 200
    assert item_id in {i["id"] for i in answer.body["items"]}
    assert all(word.lower() in f"{i['title']} {i['creator']}".lower() for i in answer.body["items"])


@pytest.mark.parametrize(
    ("body", "status", "names"),
    [
        (b'{"items": ["a", "b"', 400, "JSON"),
        (b'{"items": []}', 422, "items"),
        (b'{"items": ["1","2","3","4","5","6","7","8","9","10","11"]}', 422, "items"),
        (b'{"items": ["1", "2", "3"], "limit": 0}', 422, "limit"),
    ],
)
def test_bad_recommendation_requests_get_a_4xx_json_message_naming_the_problem(
    local_api: LocalApi, body: bytes, status: int, names: str
):
    answer = local_api.request("POST", "/catalogs/books/recommendations", body, "application/json")

    assert answer.status == status
    assert names in answer.body["message"]


def test_unknown_item_ids_are_listed_in_the_422(local_api: LocalApi, published_books: Path):
    liked = [*popular_items(published_books, 1), "no-such-book", "nor-this-one"]

    answer = local_api.post_json("/catalogs/books/recommendations", {"items": liked})

    assert answer.status == 422
    assert sorted(answer.body["unknown_items"]) == ["no-such-book", "nor-this-one"]
    assert "no-such-book" in answer.body["message"]


def test_an_unknown_catalog_is_a_404_that_lists_the_known_ones(local_api: LocalApi):
    answer = local_api.post_json("/catalogs/films/recommendations", {"items": ["a", "b", "c"]})

    assert answer.status == 404
    assert "films" in answer.body["message"]
    assert "books" in answer.body["message"]


def test_publishing_wrote_every_user_list_of_the_live_version(
    moto_server: MotoServer, published_books: Path
):
    manifest = read_manifest(published_books)
    s3 = moto_server.client("s3")
    dynamodb = moto_server.client("dynamodb")

    live = json.loads(s3.get_object(Bucket=BUCKET, Key="live/books.json")["Body"].read())
    pages = dynamodb.get_paginator("scan").paginate(TableName=TABLE, Select="COUNT")
    rows_of_version = sum(
        page["Count"]
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=TABLE,
            FilterExpression="begins_with(user_key, :p)",
            ExpressionAttributeValues={":p": {"S": f"books#{manifest.model_version}#"}},
        )
    )

    assert live["model_version"] == manifest.model_version
    assert sum(p["Count"] for p in pages) >= rows_of_version == manifest.user_count


@pytest.mark.parametrize(
    "event_file", sorted((REPO / "events").glob("*.json")), ids=lambda p: p.stem
)
def test_each_event_file_gets_a_2xx_from_the_handler(
    stack_env: dict[str, str], published_books: Path, event_file: Path
):
    done = subprocess.run(
        [sys.executable, "-m", "local.invoke", "-e", str(event_file)],
        env=stack_env,
        capture_output=True,
        text=True,
        check=True,
    )

    response = json.loads(done.stdout)  # the answer alone: logs and metrics go to stderr
    assert 200 <= response["statusCode"] < 300, response
