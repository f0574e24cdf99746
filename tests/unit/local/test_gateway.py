"""The local gateway builds the proxy events API Gateway would, and returns what handlers say."""

from __future__ import annotations

import base64
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from local.gateway import proxy_event, serve
from local.moto_server import free_port


def test_query_strings_keep_the_last_value_and_every_value():
    event = proxy_event("GET", "/catalogs/books/items?q=dune&limit=5&q=tolkien", {}, None)

    assert event["path"] == "/catalogs/books/items"
    assert event["queryStringParameters"] == {"q": "tolkien", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"q": ["dune", "tolkien"], "limit": ["5"]}
    assert event["body"] is None


def test_a_utf8_body_is_passed_as_text():
    event = proxy_event("POST", "/x", {"Content-Type": "application/json"}, '{"é": 1}'.encode())

    assert event["body"] == '{"é": 1}'
    assert event["isBase64Encoded"] is False


def test_a_body_that_is_not_utf8_is_passed_base64_encoded():
    raw = b"\xff\xfe not utf-8"

    event = proxy_event("POST", "/x", {}, raw)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == raw


def echo_handler(event: dict[str, Any], _context: Any) -> dict[str, Any]:
    if event["path"] == "/boom":
        raise RuntimeError("handler bug")
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"X-Seen": ["a", "b"]},
        "body": json.dumps({"method": event["httpMethod"], "body": event["body"]}),
    }


@pytest.fixture
def gateway_url() -> Iterator[str]:
    port = free_port()
    server = serve(echo_handler, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_handlers_status_headers_and_body_reach_the_client(gateway_url: str):
    request = urllib.request.Request(f"{gateway_url}/echo", data=b"hi", method="POST")

    with urllib.request.urlopen(request, timeout=10) as response:
        status, headers, body = response.status, response.headers, json.loads(response.read())

    assert status == 201
    assert headers.get_all("X-Seen") == ["a", "b"]
    assert body == {"method": "POST", "body": "hi"}


def test_a_handler_that_raises_becomes_a_502_json_answer(gateway_url: str):
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{gateway_url}/boom", timeout=10)

    assert caught.value.code == 502
    assert json.loads(caught.value.read()) == {"message": "Internal server error"}
