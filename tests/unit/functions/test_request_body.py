"""Request bodies are judged once per request, whichever part of Powertools reads them first."""

from __future__ import annotations

import base64
import json

import pytest

import app
import request_body
from tests.unit.functions.test_app import call

REC = "/catalogs/books/recommendations"


@pytest.fixture
def verdicts(monkeypatch):
    """Each verdict request_body.unreadable_body gives, in order."""
    given: list[int | None] = []
    judge = request_body.unreadable_body

    def counted(event):
        verdict = judge(event)
        given.append(None if verdict is None else int(verdict.status))
        return verdict

    monkeypatch.setattr(request_body, "unreadable_body", counted)
    return given


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "verdict", "status"),
    [
        ("POST", REC, '{"items": ["' + "x" * 70_000 + '"]}', "application/json", 413, 413),
        ("POST", REC, "items=b0001", "application/x-www-form-urlencoded", 415, 415),
        ("POST", REC, "--x\r\n", "multipart/form-data; boundary=x", 415, 415),
        ("POST", REC, '{"items": ["b0001"]}', "application/jsonx", 415, 415),
        ("GET", "/health", "x" * 70_000, "application/json", 413, 413),
        ("PUT", "/admin", "{}", "text/plain", 415, 415),
        ("POST", REC, '{"items": [', "application/json", None, 400),
        ("PUT", "/health", None, "application/json", None, 405),
    ],
)
@pytest.mark.filterwarnings("ignore:Received multipart/form-data:UserWarning")
def test_each_request_body_is_judged_once(
    api_event, lambda_context, verdicts, method, path, body, content_type, verdict, status
):
    event = api_event(method, path, body=body, headers={"Content-Type": content_type})

    answered, _, _ = call(event, lambda_context)

    assert (answered, verdicts) == (status, [verdict])


def test_a_body_that_is_not_utf8_is_judged_once_though_powertools_decodes_it_first(
    api_event, lambda_context, verdicts
):
    event = api_event("POST", REC, body=base64.b64encode(b'{"items": ["\xff"]}').decode())
    event["isBase64Encoded"] = True

    status, answer, _ = call(event, lambda_context)

    assert (status, verdicts) == (400, [400])
    assert answer == {"message": "the request body is not valid UTF-8 text"}


def test_the_verdict_is_forgotten_after_each_request(api_event, lambda_context, verdicts):
    call(api_event("GET", "/health", body="x" * 70_000), lambda_context)

    assert verdicts == [413]
    assert app.app.context == {}


def test_a_routing_context_without_a_verdict_is_a_programming_error():
    with pytest.raises(RuntimeError, match="not a BodyCheckingResolver"):
        request_body.recorded_refusal({})


def test_hostile_json_is_refused_with_a_reason_not_a_crash():
    with pytest.raises(request_body.UnreadableBodyError, match="nests too deeply"):
        request_body.parse_json("[" * 100_000)
    assert request_body.parse_json(json.dumps({"items": ["a"]})) == {"items": ["a"]}
