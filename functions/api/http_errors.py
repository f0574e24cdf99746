"""The one place errors become HTTP answers: a JSON `message`, never a trace or AWS text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.router import APIGatewayRouter

from allowed_methods import AllowedMethods
from edgerec.errors import (
    BundleError,
    StoreUnavailableError,
    UnknownCatalogError,
    UnknownItemsError,
)
from edgerec.observability import logger
from openapi_document import documented_operations, including_resolver
from request_body import JSON_ONLY, UnreadableBodyError, recorded_refusal

router = APIGatewayRouter()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped


@router.exception_handler(Exception)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def error_response(error: Exception) -> Response[dict[str, Any]]:
    """Every error of every route (and of no route) as a JSON answer; 5xx are logged."""
    status, body, headers = _http_error(error)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.exception("request failed", exc_info=error)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body,
        headers=headers,
    )


def _http_error(error: Exception) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Status, body and headers for an error; unknown errors are a bare 500."""
    match error:
        case UnreadableBodyError():
            return error.status, {"message": error.message}, {}
        case RequestValidationError() | ValueError() if (
            refusal := recorded_refusal(router.context)
        ) is not None:
            # The body was judged unreadable before routing: that verdict is the answer,
            # whatever Powertools raised first on reading it (a form's field errors, say).
            return refusal.status, {"message": refusal.message}, {}
        case RequestValidationError():
            return _validation_error(error.errors())
        case RequestUnsupportedContentType():
            return 415, {"message": JSON_ONLY}, {}
        case NotFoundError():
            event = router.current_event
            allowed = _allowed_methods().on(event.path)
            if allowed:
                message = f"{event.http_method} is not allowed on {event.path}; use {allowed}"
                return 405, {"message": message}, {"Allow": allowed}
            return 404, {"message": f"no route for {event.http_method} {event.path}"}, {}
        case ServiceError():
            return error.status_code, {"message": error.msg}, {}
        case UnknownCatalogError():
            return 404, {"message": str(error), "known_catalogs": error.known}, {}
        case UnknownItemsError():
            return 422, {"message": str(error), "unknown_items": error.unknown}, {}
        case StoreUnavailableError() | BundleError():
            body = {"message": "the recommender cannot load its model right now; retry shortly"}
            return 503, body, {"Retry-After": "5"}
        case _:
            return 500, {"message": "internal error"}, {}


@cache
def _allowed_methods() -> AllowedMethods:
    """The methods of the operations in the API's OpenAPI document; built on the first 404."""
    return AllowedMethods(documented_operations(including_resolver(router)))


def _validation_error(errors: Sequence[Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """400 for a body that is not JSON; else 422 whose message names each bad field."""
    for e in errors:
        if e.get("type") == "json_invalid":
            reason = e.get("ctx", {}).get("error", "it cannot be parsed")
            location = e.get("loc", ())
            where = f" at character {location[1]}" if len(location) > 1 else ""
            return 400, {"message": f"the request body is not valid JSON: {reason}{where}"}, {}
    problems = [{"field": _field_name(e.get("loc", ())), "message": _problem(e)} for e in errors]
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return 422, {"message": message, "errors": problems}, {}


def _problem(error: Mapping[str, Any]) -> str:
    """What is wrong with one field; a query parameter sent more than once says so."""
    sent = error.get("input")
    if error.get("loc", ())[:1] == ("query",) and isinstance(sent, list) and len(sent) > 1:
        return f"give it once, not {len(sent)} times"
    return str(error.get("msg", ""))


def _field_name(location: Sequence[str | int]) -> str:
    """`("body", "items", 2)` → `items[2]`; a bare `("body",)` → `body`."""
    parts = list(location[1:]) if len(location) > 1 else list(location)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name
