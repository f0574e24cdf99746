"""Fuzzing the running local API, as a client would reach it: schemathesis cases generated from
the API's own OpenAPI document, then a corpus of hostile requests over raw sockets.

Every answer must arrive (no dropped connection), none may be a 5xx, every 4xx is JSON with a
`message`, and the gateway still answers a good request afterwards. `make fuzz` runs the same
tests with many more generated cases (FUZZ_EXAMPLES) and a random seed.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import subprocess
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.client import HTTPResponse
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

import app
import openapi_document
from tests.conftest import running_gateway
from tests.local_api import LocalApi

REPO = Path(__file__).resolve().parents[2]
# Generated cases per operation in the fuzzing phase (the coverage phase adds its own boundary
# cases). 100 keeps this file near 15 s in `make test`; `make fuzz` asks for 2000.
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
# `make test` replays the same cases on every run; `make fuzz` (FUZZ_EXAMPLES set) draws anew.
REPEATABLE = "FUZZ_EXAMPLES" not in os.environ


@dataclass
class Tally:
    """How many cases each fuzzer ran, and the statuses they got."""

    statuses: dict[str, Counter[int]] = field(
        default_factory=lambda: {"schemathesis": Counter(), "corpus": Counter()}
    )

    def record(self, fuzzer: str, status: int) -> None:
        self.statuses[fuzzer][status] += 1

    def summary(self) -> str:
        parts = []
        for fuzzer, counts in self.statuses.items():
            by_status = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items()))
            parts.append(f"{fuzzer} {counts.total()} cases ({by_status})")
        return "fuzzing: " + "; ".join(parts)


@dataclass(frozen=True)
class Served:
    """The gateway under fuzzing, its process, and real book ids."""

    api: LocalApi
    process: subprocess.Popen[bytes]
    item_ids: tuple[str, ...]

    @property
    def port(self) -> int:
        return int(self.api.url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def tally(request: pytest.FixtureRequest) -> Iterator[Tally]:
    """Counts every case; prints the totals and writes test-artifacts/fuzz.json at the end."""
    counts = Tally()
    yield counts
    capture = request.config.pluginmanager.getplugin("capturemanager")
    assert capture is not None
    with capture.global_and_fixture_disabled():  # shown without -s, after the progress dots
        print(f"\n{counts.summary()}")
    (REPO / "test-artifacts").mkdir(exist_ok=True)
    (REPO / "test-artifacts" / "fuzz.json").write_text(
        json.dumps({f: dict(c) for f, c in counts.statuses.items()}, indent=2)
    )


@pytest.fixture(scope="module")
def served(stack_env: dict[str, str], published_books: Path) -> Iterator[Served]:
    """A gateway of its own (a crash here must not break other tests), serving books."""
    with running_gateway(stack_env) as (api, process):
        found = api.get("/catalogs/books/items?limit=50").body["items"]
        yield Served(api, process, tuple(i["id"] for i in found))


# The document GET /openapi.json serves, built in-process so that pytest makes one test per
# operation when it collects this file (the served copy is compared with it below).
schema = schemathesis.openapi.from_dict(json.loads(openapi_document.openapi_json(app.app)))


@schema.hook
def flatmap_path_parameters(_context: Any, parameters: dict[str, Any] | None) -> Any:
    """Catalogs the stack serves as often as generated names, else nearly every case would
    stop at the unknown-catalog 404."""
    if not parameters or "catalog" not in parameters:
        return strategies.just(parameters)
    choices = ["books", "songs", parameters["catalog"]]
    return strategies.sampled_from(choices).map(lambda c: {**parameters, "catalog": c})


def test_the_served_openapi_document_is_the_one_the_cases_come_from(served: Served):
    answer = served.api.get("/openapi.json")

    assert answer.status == 200
    assert answer.body == json.loads(openapi_document.openapi_json(app.app))


def assert_json_error(status: int, body: bytes, method: str = "GET") -> None:
    """A 4xx (other than a HEAD's) carries a JSON object with a non-empty `message`."""
    if 400 <= status < 500 and method != "HEAD":
        answer = json.loads(body)
        assert isinstance(answer, dict), answer
        assert isinstance(answer.get("message"), str), answer
        assert answer["message"].strip(), answer


@hypothesis.settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=REPEATABLE,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
@schema.parametrize()
def test_cases_generated_from_the_openapi_document_get_no_5xx_and_conform_to_it(
    case: Any, served: Served, tally: Tally
):
    chance = random.Random(case.id)
    if case.meta.generation.mode == GenerationMode.POSITIVE and isinstance(case.body, dict):
        items = case.body.get("items")
        if isinstance(items, list) and chance.random() < 0.5:
            # Half the valid bodies name real items, so recommendations are computed too.
            case.body["items"] = chance.sample(served.item_ids, len(items))

    response = case.call(base_url=served.api.url, timeout=30)

    tally.record("schemathesis", response.status_code)
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
    assert_json_error(response.status_code, response.content, case.method)


# The corpus: HTTP requests, each with the status it must get. In bodies `@IDn@` stands for the
# n-th real item id; malformed HTTP is written as raw bytes.


@dataclass(frozen=True)
class Http:
    """One HTTP/1.1 request, made bytes once the real item ids are known."""

    method: str
    target: str
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: tuple[str, ...] = ()

    def render(self, item_ids: Sequence[str]) -> bytes:
        """The request's bytes, with a correct Content-Length unless `headers` set one."""
        body = self.body
        for n, item_id in enumerate(item_ids[:3]):
            body = body.replace(f"@ID{n}@".encode(), item_id.encode())
        lines = [f"{self.method} {self.target} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
        if self.content_type is not None and body:
            lines.append(f"Content-Type: {self.content_type}")
        lines.extend(self.headers)
        framed = any(h.lower().startswith(("content-length", "transfer-")) for h in self.headers)
        if body and not framed:
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


REC = "/catalogs/books/recommendations"
ITEMS = "/catalogs/books/items"


def post(body: bytes, content_type: str | None = "application/json") -> Http:
    return Http("POST", REC, body, content_type)


def post_expecting_100(body: bytes) -> Http:
    return Http("POST", REC, body, headers=("Expect: 100-continue",))


def bad_search_limit(limit: str) -> tuple[str, Http, int]:
    """A search whose `limit` is not a whole number from 1 to 50, and the 422 it must get."""
    name = f"search limit of {len(limit)} digits" if len(limit) > 10 else f"search limit={limit!r}"
    return name, Http("GET", f"{ITEMS}?limit={limit}"), 422


def deep(depth: int) -> bytes:
    return b'{"items": ' + b"[" * depth + b"]" * depth + b"}"


CORPUS: list[tuple[str, Http | bytes, int]] = [
    # Malformed JSON
    ("truncated json", post(b'{"items": ["@ID0@"'), 400),
    ("trailing comma", post(b'{"items": ["@ID0@",]}'), 400),
    ("single quotes", post(b"{'items': ['@ID0@']}"), 400),
    ("not json at all", post(b"hello"), 400),
    ("only whitespace", post(b"   "), 400),
    ("json after a byte order mark", post(b'\xef\xbb\xbf{"items": ["@ID0@"]}'), 400),
    ("empty body", post(b""), 422),
    ("null body", post(b"null"), 422),
    ("a number as body", post(b"12"), 422),
    # Wrong types
    ("items a string", post(b'{"items": "@ID0@"}'), 422),
    ("items numbers", post(b'{"items": [1, 2, 3]}'), 422),
    ("items objects", post(b'{"items": [{"id": "@ID0@"}]}'), 422),
    ("items null", post(b'{"items": null}'), 422),
    ("limit a string", post(b'{"items": ["@ID0@"], "limit": "5"}'), 422),
    ("limit a boolean", post(b'{"items": ["@ID0@"], "limit": true}'), 422),
    ("limit a fraction", post(b'{"items": ["@ID0@"], "limit": 5.5}'), 422),
    ("limit NaN", post(b'{"items": ["@ID0@"], "limit": NaN}'), 422),
    ("limit 1e400", post(b'{"items": ["@ID0@"], "limit": 1e400}'), 422),
    ("limit 5000 digits", post(b'{"items": ["@ID0@"], "limit": 1' + b"0" * 5000 + b"}"), 400),
    ("limit 0", post(b'{"items": ["@ID0@"], "limit": 0}'), 422),
    ("limit 101", post(b'{"items": ["@ID0@"], "limit": 101}'), 422),
    ("body an array", post(b'["@ID0@"]'), 422),
    ("unknown field", post(b'{"items": ["@ID0@"], "user": "me"}'), 422),
    # Huge and deep
    ("1 MB body", post(b'{"items": ["' + b"x" * 1_000_000 + b'"]}'), 413),
    ("just over 64 KiB", post(b'{"items": ["' + b"x" * 65_530 + b'"]}'), 413),
    ("10k-deep nesting", post(deep(10_000)), 400),
    ("10k-deep nesting, no object", post(b"[" * 10_000 + b"]" * 10_000), 400),
    ("900-deep nesting", post(deep(900)), 422),
    ("11 ids", post(json.dumps({"items": [f"i{n}" for n in range(11)]}).encode()), 422),
    ("5,000 ids", post(json.dumps({"items": [f"{n}" for n in range(5_000)]}).encode()), 422),
    ("an id of 201 characters", post(b'{"items": ["' + b"a" * 201 + b'"]}'), 422),
    # Unknown and duplicate ids
    ("unknown ids", post(b'{"items": ["@ID0@", "no-such-item"]}'), 422),
    ("duplicate ids", post(b'{"items": ["@ID0@", "@ID0@"]}'), 422),
    ("an empty id", post(b'{"items": [""]}'), 422),
    ("a NUL in an id", post(b'{"items": ["a\\u0000b"]}'), 422),
    ("a lone surrogate in an id", post(b'{"items": ["\\ud800"]}'), 422),
    ("unknown catalog", Http("POST", "/catalogs/films/recommendations", b'{"items": ["a"]}'), 404),
    # Encodings
    ("invalid UTF-8 bytes", post(b'{"items": ["\xff\xfe"]}'), 400),
    ("overlong UTF-8", post(b'{"items": ["\xc0\xaf"]}'), 400),
    ("UTF-16 body", post('{"items": ["a"]}'.encode("utf-16")), 400),
    # Content types
    ("text/plain", post(b'{"items": ["@ID0@"]}', "text/plain"), 415),
    ("a form", post(b"items=@ID0@", "application/x-www-form-urlencoded"), 415),
    ("multipart without boundary", post(b"--x\r\n", "multipart/form-data"), 415),
    ("json-like type", post(b'{"items": ["@ID0@"]}', "application/jsonx"), 415),
    ("no content type", post(b'{"items": ["@ID0@"], "limit": 3}', None), 200),
    ("json; charset", post(b'{"items": ["@ID0@"], "limit": 3}', "application/json; x=y"), 200),
    # Path tricks
    ("encoded dot-dot slashes", Http("GET", "/catalogs/..%2f..%2fetc%2fpasswd/items"), 404),
    ("dot-dot segments", Http("GET", "/catalogs/books/../../health"), 404),
    ("encoded dots", Http("GET", "/%2e%2e/%2e%2e/etc/passwd"), 404),
    ("an empty catalog segment", Http("GET", "/catalogs//items"), 404),
    ("leading double slash, folded by http.server", Http("GET", "//health"), 200),
    ("a NUL in the path", Http("GET", "/catalogs/%00/items"), 404),
    ("a semicolon segment", Http("GET", "/catalogs/books/items/..;/"), 404),
    ("backslashes", Http("GET", "/catalogs\\books\\items"), 404),
    ("a 8 KB catalog name", Http("GET", "/catalogs/" + "c" * 8000 + "/items"), 404),
    ("raw UTF-8 in the path", Http("GET", "/catalogs/b\xc3\xb6oks/items"), 404),
    # Query strings
    ("q of 201 characters", Http("GET", f"{ITEMS}?q={'a' * 201}"), 422),
    ("q of 60,000 characters", Http("GET", f"{ITEMS}?q={'a' * 60_000}"), 422),
    ("a 70 KB request line", Http("GET", f"{ITEMS}?q={'a' * 70_000}"), 414),
    *map(bad_search_limit, ["0", "51", "-1", "abc", "1e3", "", "9" * 400]),
    ("bad percent escapes", Http("GET", f"{ITEMS}?q=%zz%&limit=5"), 200),
    ("percent-encoded invalid UTF-8", Http("GET", f"{ITEMS}?q=%ff%fe%c0"), 200),
    ("repeated parameters", Http("GET", f"{ITEMS}?q=a&q=b&limit=2&limit=3"), 422),
    ("5,000 parameters", Http("GET", ITEMS + "?" + "&".join(f"p{n}=1" for n in range(5000))), 200),
    # Methods
    ("PUT on health", Http("PUT", "/health"), 405),
    ("DELETE on recommendations", Http("DELETE", REC), 405),
    ("GET on recommendations", Http("GET", REC), 405),
    ("POST on items", Http("POST", ITEMS, b'{"q": "a"}'), 405),
    ("TRACE", Http("TRACE", "/"), 405),
    ("a made-up method", Http("BREW", "/health"), 405),
    ("HEAD", Http("HEAD", "/health"), 405),
    ("unknown route", Http("GET", "/admin"), 404),
    # Malformed HTTP
    ("garbage request line", b"HELLO\r\n\r\n", 400),
    ("HTTP/2.0 request line", b"GET /health HTTP/2.0\r\n\r\n", 400),
    ("HTTP/9.9 request line", b"GET /health HTTP/9.9\r\n\r\n", 400),
    ("negative Content-Length", Http("POST", REC, b"{}", headers=("Content-Length: -1",)), 400),
    ("non-numeric Content-Length", Http("POST", REC, b"{}", headers=("Content-Length: 2x",)), 400),
    ("chunked body", Http("POST", REC, b"0\r\n\r\n", headers=("Transfer-Encoding: chunked",)), 411),
    ("Content-Length over 10 MB", Http("POST", REC, headers=("Content-Length: 10485761",)), 413),
    ("101 headers", Http("GET", "/health", headers=tuple(f"X-H{n}: 1" for n in range(101))), 431),
    ("a 70 KB header", Http("GET", "/health", headers=(f"X-Big: {'a' * 70_000}",)), 431),
    ("a NUL in a header", Http("GET", "/health", headers=("X-Nul: a\x00b",)), 200),
    ("Expect: 100-continue", post_expecting_100(b'{"items": ["@ID0@"]}'), 200),
]


def exchange(port: int, request: bytes, *, half_close: bool = False) -> tuple[int, bytes, str]:
    """Send raw bytes, read one whole HTTP answer. Raises if the connection drops first."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        method = request.split(b" ", 1)[0].decode("latin-1")
        response = HTTPResponse(sock, method=method)
        response.begin()
        body = response.read()  # the whole body, or IncompleteRead: a dropped connection
        return response.status, body, response.getheader("Content-Type") or ""


@pytest.mark.parametrize(("name", "hostile", "expected"), CORPUS, ids=[c[0] for c in CORPUS])
def test_each_hostile_request_gets_its_status_with_a_json_message_and_no_5xx(
    served: Served, tally: Tally, name: str, hostile: Http | bytes, expected: int
):
    request_bytes = hostile.render(served.item_ids) if isinstance(hostile, Http) else hostile
    method = request_bytes.split(b" ", 1)[0].decode("latin-1")

    status, body, content_type = exchange(served.port, request_bytes)

    tally.record("corpus", status)
    assert status == expected, body[:300]
    if 400 <= status < 500 and method != "HEAD":
        assert content_type.startswith("application/json"), content_type
    assert_json_error(status, body, method)


def test_a_body_shorter_than_its_content_length_is_a_400_not_a_hang(served: Served, tally: Tally):
    request = Http("POST", REC, b'{"items": ["a"', headers=("Content-Length: 100",))

    status, body, _ = exchange(served.port, request.render(()), half_close=True)

    tally.record("corpus", status)
    assert status == 400
    assert_json_error(status, body)


def test_two_pipelined_requests_on_one_connection_both_get_answers(served: Served, tally: Tally):
    request = (
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )

    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        sock.sendall(request)
        received = b"".join(iter(lambda: sock.recv(65536), b""))

    # Each answer's status line (the second follows the first body directly).
    statuses = [int(s) for s in re.findall(rb"HTTP/1\.1 (\d{3}) ", received)]
    for status in statuses:
        tally.record("corpus", status)
    assert statuses == [200, 404]


def test_after_all_the_fuzzing_a_good_request_is_still_answered(served: Served):
    answer = served.api.post_json(REC, {"items": list(served.item_ids[:3]), "limit": 5})

    assert served.process.poll() is None  # the gateway process never died
    assert answer.status == 200
    assert len(answer.body["items"]) == 5
