"""The OpenAPI document in-process: served at /openapi.json, and every limit is in it."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

import app
import openapi_document
from request_body import MAX_BODY_BYTES

REPO = Path(__file__).resolve().parents[3]


def document() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(openapi_document.openapi_json(app.app))
    return parsed


def schema_of(doc: dict[str, Any], ref_or_schema: dict[str, Any]) -> dict[str, Any]:
    ref = ref_or_schema.get("$ref", "")
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def test_the_document_is_served_at_openapi_json_with_title_and_version(api_event, lambda_context):
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    response = app.handler(api_event("GET", "/openapi.json"), lambda_context)

    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body["info"]["title"] == "Edge Recommender"
    assert body["info"]["version"] == openapi_document.API_VERSION == project["version"]
    assert set(body["paths"]) == {
        "/",
        "/health",
        "/catalogs/{catalog}/items",
        "/catalogs/{catalog}/recommendations",
    }


@pytest.mark.parametrize(
    ("requested", "server"),
    [
        ("/prod/openapi.json", "/prod"),  # API Gateway's own URL: the stage is in the path
        ("/openapi.json", "/"),  # a custom domain, sam local, the local gateway
    ],
)
def test_the_documents_server_is_where_the_client_reached_the_api(
    api_event, lambda_context, requested, server
):
    event = api_event("GET", "/openapi.json")
    event["requestContext"]["path"] = requested

    response = app.handler(event, lambda_context)

    assert json.loads(response["body"])["servers"] == [{"url": server}]


def test_the_document_states_the_limits_of_a_recommendation_request():
    doc = document()
    operation = doc["paths"]["/catalogs/{catalog}/recommendations"]["post"]
    request = schema_of(doc, operation["requestBody"]["content"]["application/json"]["schema"])
    items, limit = request["properties"]["items"], request["properties"]["limit"]

    assert (items["minItems"], items["maxItems"], items["uniqueItems"]) == (1, 10, True)
    assert (items["items"]["minLength"], items["items"]["maxLength"]) == (1, 200)
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, 100, 10)
    assert request["additionalProperties"] is False
    assert str(MAX_BODY_BYTES) in operation["requestBody"]["description"]
    assert str(MAX_BODY_BYTES) in operation["responses"]["413"]["description"]
    assert set(operation["responses"]) == {"200", "400", "404", "413", "415", "422", "503"}


def test_the_document_states_the_limits_of_a_search():
    parameters = {
        p["name"]: p["schema"]
        for p in document()["paths"]["/catalogs/{catalog}/items"]["get"]["parameters"]
    }

    assert parameters["q"]["maxLength"] == 200
    assert (parameters["limit"]["minimum"], parameters["limit"]["maximum"]) == (1, 50)


def test_the_documents_description_lists_every_limit():
    description = document()["info"]["description"]

    for limit in ["65536 bytes", "1-10 distinct item ids", "1-200 characters", "1-50", "1-100"]:
        assert limit in description


def test_every_documented_error_answer_is_a_json_object_with_a_message():
    doc = document()
    errors = [
        answer
        for path in doc["paths"].values()
        for operation in path.values()
        for status, answer in operation["responses"].items()
        if status[0] in "45"
    ]

    assert doc["components"]["schemas"]["ErrorOut"]["required"] == ["message"]
    assert len(errors) == 10  # health 1, search 3, recommendations 6
    for answer in errors:
        schema = answer["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorOut"}
