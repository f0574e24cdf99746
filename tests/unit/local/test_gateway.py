"""The local gateway builds the proxy events API Gateway would, and returns what handlers say."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

import local.gateway
from local.gateway import proxy_event, serve, split_target
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


@pytest.mark.parametrize(
    ("target", "path", "query"),
    [
        ("/catalogs/books/items?q=a", "/catalogs/books/items", "q=a"),
        ("//health", "//health", ""),  # a path, not the host "health"
        ("http://example.org/health?x=1", "/health", "x=1"),
        ("/health#part", "/health", ""),
    ],
)
def test_a_request_target_splits_into_path_and_query(target, path, query):
    assert split_target(target) == (path, query)


def test_the_event_has_no_stage_in_its_path_as_the_gateway_serves_at_the_root():
    event = proxy_event("GET", "/health", {}, None)

    assert event["requestContext"]["path"] == "/health"
    assert event["requestContext"]["stage"] == "prod"


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
    # A short poll interval: shutdown() waits for one, and each test stops a server.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
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


def exchange(url: str, raw: bytes, *, half_close: bool = False) -> tuple[int, dict[str, Any]]:
    """Raw bytes to the gateway; the status and JSON body of its one answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b"".join(iter(lambda: sock.recv(65536), b""))
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), json.loads(body)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"HELLO\r\n\r\n", 400),
        (b"GET /x HTTP/2.0\r\n\r\n", 400),
        (b"GET /x HTTP/1.1\r\n" + b"X-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431),
        (b"POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
        (b"POST /x HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n", 400),
        (b"POST /x HTTP/1.1\r\nContent-Length: 10485761\r\n\r\n", 413),
        (b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
    ],
)
def test_malformed_http_gets_a_4xx_json_answer_with_a_status_line(gateway_url: str, raw, status):
    answer_status, body = exchange(gateway_url, raw)

    assert answer_status == status
    assert body["message"]


def test_any_method_reaches_the_handler_which_decides(gateway_url: str):
    status, body = exchange(gateway_url, b"BREW /pot HTTP/1.1\r\nConnection: close\r\n\r\n")

    assert (status, body) == (201, {"method": "BREW", "body": None})


def test_a_client_that_stops_sending_its_body_gets_a_408(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(local.gateway, "READ_TIMEOUT_S", 0.3)
    port = free_port()
    server = serve(echo_handler, port)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    started = time.monotonic()
    try:
        status, body = exchange(
            f"http://127.0.0.1:{port}", b"POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"
        )
    finally:
        server.shutdown()
        server.server_close()

    assert status == 408
    assert "did not arrive" in body["message"]
    assert time.monotonic() - started < 5
