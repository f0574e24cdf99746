"""The OpenAPI document at /openapi.json: Powertools' own, with this API's limits and errors."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from api_models import MAX_LIKED_ITEMS, MAX_RECOMMENDATIONS, MAX_SEARCH_RESULTS, MAX_TEXT
from request_body import MAX_BODY_BYTES

TITLE = "Edge Recommender"
API_VERSION = "0.1.0"  # the project's version (pyproject.toml); the document's own version
API_DESCRIPTION = f"""\
Pick items you love from a catalog (books, songs) and get others you are likely to enjoy.

Limits, each answered with a 4xx JSON body whose `message` says what is wrong:

- request body: JSON (`application/json`), UTF-8, at most {MAX_BODY_BYTES} bytes (413 above);
- `items`: 1-{MAX_LIKED_ITEMS} distinct item ids, each 1-{MAX_TEXT} characters (422);
- `q`: at most {MAX_TEXT} characters (422);
- `limit`: 1-{MAX_SEARCH_RESULTS} for search, 1-{MAX_RECOMMENDATIONS} for recommendations (422);
- an unknown catalog is a 404 listing the known ones; unknown item ids are a 422 listing them.
"""

router = APIGatewayRouter()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


@router.get("/openapi.json", include_in_schema=False)
def get_openapi_document() -> Response[str]:
    """This API's OpenAPI document, generated from its routes and models, so the limits it
    states are the ones enforced."""
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=openapi_json(including_resolver(router), _base_path()),
        headers={"Cache-Control": "public, max-age=300"},
    )


def including_resolver(part: Router) -> APIGatewayRestResolver:
    """The resolver a router of this API was included in (`include_router` sets it)."""
    resolver = part.api_resolver
    if not isinstance(resolver, APIGatewayRestResolver):
        raise RuntimeError("this router is not included in the API's resolver (include_router)")
    return resolver


@lru_cache(maxsize=4)
def openapi_json(resolver: APIGatewayRestResolver, base_path: str = "") -> str:
    """The OpenAPI document (JSON) of `resolver`'s routes, for clients that reach them under
    `base_path`."""
    # Imported here: Powertools' OpenAPI models take a tenth of a second to build, and only
    # this document needs them (validation does not), so a cold start never pays for them.
    from aws_lambda_powertools.event_handler.openapi.models import Server

    generated = resolver.get_openapi_json_schema(
        title=TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        servers=[Server(url=base_path or "/")],
    )
    return json.dumps(_without_powertools_errors(json.loads(generated)), indent=2)


def documented_operations(resolver: APIGatewayRestResolver) -> list[tuple[str, str]]:
    """(path template, HTTP method) of each operation in `resolver`'s OpenAPI document, e.g.
    ("/catalogs/{catalog}/items", "GET")."""
    operations = []
    for template, item in (resolver.get_openapi_schema().paths or {}).items():
        for method in ("get", "put", "post", "delete", "options", "head", "patch", "trace"):
            if getattr(item, method) is not None:
                operations.append((template, method.upper()))
    return operations


def _without_powertools_errors(document: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents a 422 of its own error shape on every route; the routes that can
    answer 422 document ErrorOut instead, and the others (the page, health) cannot."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in json.dumps(answer):
                del operation["responses"]["422"]
    schemas = document.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(unused, None)
    return document


def _base_path() -> str:
    """The stage prefix clients see ("/prod" behind API Gateway's own URL), or "" when the API
    is served at the root (a custom domain, sam local, the local gateway)."""
    context = router.current_event.request_context
    prefix = f"/{context.stage}" if context.stage else ""
    return prefix if prefix and (context.path or "").startswith(f"{prefix}/") else ""
