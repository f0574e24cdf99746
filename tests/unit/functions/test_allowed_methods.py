"""The 405 lookup: a documented route matches exactly the paths Powertools routes to it."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from allowed_methods import AllowedMethods, path_pattern
from openapi_document import documented_operations

# Every printable ASCII character, and a few beyond it (word characters and not).
CHARACTERS = [chr(c) for c in range(0x20, 0x7F)] + list("\t\n\u00a0\u00b6\u00e9\u00f6\u2028\u4e2d")
PATHS = [
    "/",
    "//",
    "/things",
    "/things/",
    "/things//",
    "/things/x",
    "/things/x/",
    "/things/x//",
    "/things/x/y",
    "/things/x/parts",
    "/things/x/parts/y",
    "/things/x/parts/y/",
    "/things//parts/y",
    "/other",
]


def small_api() -> APIGatewayRestResolver:
    """A resolver with a root, a one-parameter and a two-parameter route."""
    resolver = APIGatewayRestResolver()

    @resolver.get("/")
    def root() -> dict[str, Any]:
        return {}

    @resolver.get("/things/<name>")
    def thing(name: str) -> dict[str, Any]:
        return {"name": name}

    @resolver.post("/things/<name>/parts/<part>")
    def thing_part(name: str, part: str) -> dict[str, Any]:
        return {"name": name, "part": part}

    return resolver


API = small_api()
ALLOWED = AllowedMethods(documented_operations(API))


def routed(method: str, path: str) -> bool:
    """Whether Powertools calls a route for `method` on `path` (else it answers 404)."""
    event: dict[str, Any] = {"path": path, "httpMethod": method, "headers": {}, "body": None}
    return bool(API.resolve(event, LambdaContext())["statusCode"] == 200)


def test_the_documented_operations_are_read_from_the_openapi_document():
    assert sorted(documented_operations(API)) == [
        ("/", "GET"),
        ("/things/{name}", "GET"),
        ("/things/{name}/parts/{part}", "POST"),
    ]


@pytest.mark.parametrize("character", CHARACTERS, ids=lambda c: f"U+{ord(c):04X}")
def test_a_parameter_takes_the_characters_powertools_routes_into_one(character):
    path = f"/things/a{character}b"

    assert (ALLOWED.on(path) == "GET, OPTIONS") == routed("GET", path)


@pytest.mark.parametrize("path", PATHS)
def test_a_path_matches_where_powertools_routes_it(path):
    allowed = ALLOWED.on(path)

    assert ("GET" in allowed) == routed("GET", path)
    assert ("POST" in allowed) == routed("POST", path)


def test_the_allowed_methods_are_sorted_with_options_and_none_off_the_routes():
    both = AllowedMethods([("/a/{b}", "post"), ("/a/{b}", "GET"), ("/a/b", "DELETE")])

    assert both.on("/a/b") == "DELETE, GET, OPTIONS, POST"
    assert both.on("/a/c/") == "GET, OPTIONS, POST"
    assert both.on("/a") == ""


def test_a_template_is_matched_literally_apart_from_its_parameters():
    pattern = path_pattern("/openapi.json")

    assert pattern.match("/openapi.json")
    assert not pattern.match("/openapiXjson")
