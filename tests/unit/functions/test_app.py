"""The API function end to end in-process: API Gateway events in, HTTP answers out."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

import app
import routes
from edgerec.bundle import read_bundle
from edgerec.stores.clients import dynamodb_client
from tests.unit.functions.conftest import BUCKET, TABLE

pytestmark = pytest.mark.usefixtures("published")


def call(event: dict[str, Any], context: Any) -> tuple[int, dict[str, Any], dict[str, str]]:
    response = app.handler(event, context)
    headers = dict(response.get("headers") or {})
    headers.update({k: v[-1] for k, v in (response.get("multiValueHeaders") or {}).items()})
    return response["statusCode"], json.loads(response["body"]), headers


def popular(published, catalog: str, n: int) -> list[str]:
    items = read_bundle(published.folders[catalog]).items
    return [i.id for i in sorted(items, key=lambda i: -i.popularity)[:n]]


def recommend(api_event, lambda_context, body: Any, catalog: str = "books"):
    return call(
        api_event("POST", f"/catalogs/{catalog}/recommendations", body=body), lambda_context
    )


# Health


def test_health_lists_every_live_catalog_with_version_and_sizes(
    api_event, lambda_context, published
):
    status, body, _ = call(api_event("GET", "/health"), lambda_context)

    assert status == 200
    assert body == {
        "status": "ok",
        "catalogs": {
            "books": {"model_version": published.versions["books"], "items": 120, "users": 80},
            "songs": {"model_version": published.versions["songs"], "items": 120, "users": 80},
        },
    }


# Search


def test_search_finds_items_by_a_word_of_the_title_ignoring_case(api_event, lambda_context):
    event = api_event("GET", "/catalogs/books/items", query={"q": "GARDEN", "limit": "50"})

    status, body, _ = call(event, lambda_context)

    assert status == 200
    assert len(body["items"]) == 30  # every fourth of 120 items is a garden book
    assert all("garden" in i["title"].lower() for i in body["items"])
    assert all(set(i) == {"id", "title", "creator"} for i in body["items"])


def test_search_with_no_query_lists_the_ten_most_popular(api_event, lambda_context, published):
    status, body, _ = call(api_event("GET", "/catalogs/songs/items"), lambda_context)

    assert status == 200
    assert [i["id"] for i in body["items"]] == popular(published, "songs", 10)


@pytest.mark.parametrize("limit", ["0", "51", "ten"])
def test_a_search_limit_outside_1_to_50_is_a_422_naming_limit(api_event, lambda_context, limit):
    event = api_event("GET", "/catalogs/books/items", query={"q": "a", "limit": limit})

    status, body, _ = call(event, lambda_context)

    assert status == 422
    assert body["message"].startswith("limit: ")


# Recommendations


def test_recommendations_return_limit_items_none_an_input_each_with_title_and_creator(
    api_event, lambda_context, published
):
    liked = popular(published, "books", 3)

    status, body, _ = recommend(api_event, lambda_context, {"items": liked, "limit": 7})

    assert status == 200
    assert body["catalog"] == "books"
    assert body["model_version"] == published.versions["books"]
    assert body["degraded"] is False
    assert len(body["items"]) == 7
    assert not {i["id"] for i in body["items"]} & set(liked)
    assert all(i["title"] and i["creator"] for i in body["items"])
    scores = [i["score"] for i in body["items"]]
    assert scores == sorted(scores, reverse=True)


def test_the_limit_defaults_to_ten(api_event, lambda_context, published):
    status, body, _ = recommend(
        api_event, lambda_context, {"items": popular(published, "songs", 3)}, "songs"
    )

    assert status == 200
    assert len(body["items"]) == 10


def test_up_to_a_hundred_recommendations_can_be_asked_for(api_event, lambda_context, published):
    status, body, _ = recommend(
        api_event, lambda_context, {"items": popular(published, "books", 1), "limit": 100}
    )

    assert status == 200
    assert len(body["items"]) == 100


def test_an_unavailable_top_item_table_degrades_to_popular_items_not_an_error(
    api_event, lambda_context, published
):
    boto3.client("dynamodb").delete_table(TableName=TABLE)
    liked = popular(published, "books", 3)

    status, body, _ = recommend(api_event, lambda_context, {"items": liked, "limit": 5})

    assert status == 200
    assert body["degraded"] is True
    assert [i["id"] for i in body["items"]] == popular(published, "books", 8)[3:]


def test_an_unloadable_bundle_is_a_503_without_internals(api_event, lambda_context):
    boto3.resource("s3").Bucket(BUCKET).objects.filter(Prefix="bundles/").delete()

    status, body, headers = call(api_event("GET", "/health"), lambda_context)

    assert status == 503
    assert set(body) == {"message"}
    assert "bundles/" not in body["message"]
    assert "Traceback" not in json.dumps(body)
    assert headers.get("Retry-After") == "5"


# Bad requests


def test_a_malformed_json_body_is_a_400_that_says_json(api_event, lambda_context):
    status, body, _ = recommend(api_event, lambda_context, '{"items": [')

    assert status == 400
    assert body["message"] == "the request body is not valid JSON: Expecting value at character 11"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"items": []}, "items: List should have at least 1 item after validation, not 0"),
        (
            {"items": [str(i) for i in range(11)]},
            "items: List should have at most 10 items after validation, not 11",
        ),
        (
            {"items": ["b0001", "b0002", "b0001"]},
            "items: Value error, item ids must be distinct; repeated: b0001",
        ),
        ({"items": ["b0001"], "limit": 0}, "limit: Input should be greater than or equal to 1"),
        ({"items": ["b0001"], "limit": 101}, "limit: Input should be less than or equal to 100"),
        ({"items": ["b0001"], "limit": "5"}, "limit: Input should be a valid integer"),
        ({"items": "b0001"}, "items: Input should be a valid list"),
        ({"items": ["b0001", 7]}, "items[1]: Input should be a valid string"),
        ({"limit": 5}, "items: Field required"),
        ({"items": ["b0001"], "colour": "red"}, "colour: Extra inputs are not permitted"),
    ],
)
def test_an_invalid_request_is_a_422_whose_message_names_the_field(
    api_event, lambda_context, payload, message
):
    status, body, _ = recommend(api_event, lambda_context, payload)

    assert status == 422
    assert body["message"] == message


def test_a_body_that_is_not_an_object_is_a_422(api_event, lambda_context):
    status, body, _ = recommend(api_event, lambda_context, ["b0001"])

    assert status == 422
    assert body["message"].startswith("body: ")


def test_unknown_item_ids_are_a_422_listing_them(api_event, lambda_context, published):
    liked = [*popular(published, "books", 1), "no-such-book", "nor-this-one"]

    status, body, _ = recommend(api_event, lambda_context, {"items": liked})

    assert status == 422
    assert body["unknown_items"] == ["no-such-book", "nor-this-one"]
    assert "no-such-book" in body["message"]


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/catalogs/films/recommendations", {"items": ["a"]}),
        ("GET", "/catalogs/films/items", None),
    ],
)
def test_an_unknown_catalog_is_a_404_listing_the_known_ones(
    api_event, lambda_context, method, path, payload
):
    status, body, _ = call(api_event(method, path, body=payload), lambda_context)

    assert status == 404
    assert body["message"] == "unknown catalog 'films'; known catalogs: books, songs"
    assert body["known_catalogs"] == ["books", "songs"]


def test_an_unknown_route_is_a_json_404(api_event, lambda_context):
    status, body, _ = call(api_event("GET", "/catalogs"), lambda_context)

    assert status == 404
    assert body == {"message": "no route for GET /catalogs"}


# Cross-cutting


def test_answers_allow_any_origin(api_event, lambda_context):
    _, _, headers = call(api_event("GET", "/health"), lambda_context)

    assert headers["Access-Control-Allow-Origin"] == "*"


def test_error_answers_allow_any_origin_too(api_event, lambda_context):
    _, _, headers = recommend(api_event, lambda_context, "{")

    assert headers["Access-Control-Allow-Origin"] == "*"


def test_each_request_logs_one_line_with_catalog_version_and_latency_and_no_body(
    api_event, lambda_context, published, log_lines
):
    liked = popular(published, "books", 3)

    recommend(api_event, lambda_context, {"items": liked, "limit": 4})

    lines = log_lines()
    requests = [line for line in lines if line.get("message") == "request"]
    assert len(requests) == 1
    assert requests[0]["catalog"] == "books"
    assert requests[0]["model_version"] == published.versions["books"]
    assert requests[0]["status"] == 200
    assert requests[0]["latency_ms"] >= 0
    assert not any(item in json.dumps(line) for line in lines for item in liked)


def test_catalogs_are_loaded_once_per_process_not_per_request(api_event, lambda_context):
    call(api_event("GET", "/health"), lambda_context)
    boto3.resource("s3").Bucket(BUCKET).objects.filter(Prefix="bundles/").delete()

    status, _, _ = call(
        api_event("GET", "/catalogs/books/items", query={"q": "night"}), lambda_context
    )

    assert status == 200


def test_a_body_that_is_not_json_by_content_type_is_a_415(api_event, lambda_context):
    event = api_event(
        "POST",
        "/catalogs/books/recommendations",
        body="items=b0001",
        headers={"Content-Type": "text/plain"},
    )

    status, body, _ = call(event, lambda_context)

    assert status == 415
    assert body == {"message": "the request body must be application/json"}


def test_an_unexpected_error_is_a_bare_500_without_its_text(api_event, lambda_context, monkeypatch):
    def broken() -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(routes, "recommender_service", broken)

    status, body, _ = call(api_event("GET", "/health"), lambda_context)

    assert status == 500
    assert body == {"message": "internal error"}


# The web page and why each item is recommended


def test_the_page_is_served_at_the_root_as_html(api_event, lambda_context):
    response = app.handler(api_event("GET", "/"), lambda_context)

    assert response["statusCode"] == 200
    assert response["multiValueHeaders"]["Content-Type"] == ["text/html; charset=utf-8"]
    assert "<title>Edge Recommender</title>" in response["body"]


def test_each_recommended_item_names_the_liked_item_it_is_most_like(
    api_event, lambda_context, published
):
    liked = popular(published, "books", 3)

    status, body, _ = recommend(api_event, lambda_context, {"items": liked, "limit": 10})

    assert status == 200
    assert all(item["because"] in liked for item in body["items"])


# Failing dependencies

DYNAMODB_FAULTS = {
    "throttling": lambda: ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "BatchGetItem"
    ),
    "server error": lambda: ClientError(
        {"Error": {"Code": "InternalServerError", "Message": "boom"}}, "BatchGetItem"
    ),
    "read timeout": lambda: ReadTimeoutError(endpoint_url="https://dynamodb"),
    "no connection": lambda: EndpointConnectionError(endpoint_url="https://dynamodb"),
}


@pytest.mark.parametrize("fault", sorted(DYNAMODB_FAULTS))
def test_a_failing_dynamodb_is_retried_a_bounded_number_of_times_then_degrades(
    api_event, lambda_context, published, monkeypatch, capsys, fault
):
    call(api_event("GET", "/health"), lambda_context)  # warm: the bundles are loaded
    calls = []

    def failing_batch_get_item(**_kwargs):
        calls.append(1)
        raise DYNAMODB_FAULTS[fault]()

    monkeypatch.setattr(dynamodb_client(), "batch_get_item", failing_batch_get_item)
    liked = popular(published, "books", 3)
    capsys.readouterr()

    status, body, _ = recommend(api_event, lambda_context, {"items": liked, "limit": 5})

    assert status == 200
    assert body["degraded"] is True
    assert len(body["items"]) == 5
    assert not {i["id"] for i in body["items"]} & set(liked)
    assert 2 <= len(calls) <= 3
    assert '"DegradedRecommendations":[1.0]' in capsys.readouterr().out.replace(" ", "")


def test_dynamodb_answers_again_after_a_fault_and_answers_are_personal_again(
    api_event, lambda_context, published, monkeypatch
):
    client = dynamodb_client()
    real = client.batch_get_item
    liked = popular(published, "books", 3)
    monkeypatch.setattr(
        client,
        "batch_get_item",
        lambda **_: (_ for _ in ()).throw(
            ClientError({"Error": {"Code": "ThrottlingException"}}, "BatchGetItem")
        ),
    )
    _, during, _ = recommend(api_event, lambda_context, {"items": liked, "limit": 5})
    monkeypatch.setattr(client, "batch_get_item", real)

    _, after, _ = recommend(api_event, lambda_context, {"items": liked, "limit": 5})

    assert (during["degraded"], after["degraded"]) == (True, False)
