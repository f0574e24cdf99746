"""The API function: HTTP routes, request and response models, and the one error mapping."""

from __future__ import annotations

import gc

# Importing this module is Lambda's INIT phase, part of every cold start. The imports below
# make a few hundred thousand objects that live as long as the process; the collector's
# passes over them (started by allocation counts) free nothing and took about 30 ms of
# each cold start. So it is paused until the module is loaded (see its end).
gc.disable()

import base64
import json
import re
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.exceptions import (
    NotFoundError,
    ServiceError,
)
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from api_models import (
    MAX_LIKED_ITEMS,
    MAX_RECOMMENDATIONS,
    MAX_SEARCH_RESULTS,
    MAX_TEXT,
    CatalogHealthOut,
    ErrorOut,
    HealthOut,
    ItemOut,
    ItemsOut,
    RecommendationRequest,
    RecommendationsOut,
    RecommendedItemOut,
)
from edgerec.bundle import CatalogItem
from edgerec.errors import (
    BundleError,
    StoreUnavailableError,
    UnknownCatalogError,
    UnknownItemsError,
)
from edgerec.observability import logger, metrics
from edgerec.service import recommender_service
from edgerec.settings import cors_allowed_origin
from request_log import request_log

PAGE = Path(__file__).resolve().parent / "web" / "index.html"
API_VERSION = "0.1.0"  # the project's version (pyproject.toml); the document's own version
# A full request is under 3 KiB (ten 200-character ids); anything far bigger is a mistake or
# an attack, refused before it is parsed. API Gateway itself would pass up to 10 MB.
MAX_BODY_BYTES = 64 * 1024
JSON_ONLY = "the request body must be application/json"

API_DESCRIPTION = f"""\
Pick items you love from a catalog (books, songs) and get others you are likely to enjoy.

Limits, each answered with a 4xx JSON body whose `message` says what is wrong:

- request body: JSON (`application/json`), UTF-8, at most {MAX_BODY_BYTES} bytes (413 above);
- `items`: 1-{MAX_LIKED_ITEMS} distinct item ids, each 1-{MAX_TEXT} characters (422);
- `q`: at most {MAX_TEXT} characters (422);
- `limit`: 1-{MAX_SEARCH_RESULTS} for search, 1-{MAX_RECOMMENDATIONS} for recommendations (422);
- an unknown catalog is a 404 listing the known ones; unknown item ids are a 422 listing them.
"""


class UnreadableBodyError(Exception):
    """A request body this API cannot read as JSON, with the status and message that say why."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def unreadable_body(event: APIGatewayProxyEvent) -> UnreadableBodyError | None:
    """Why `event`'s body cannot be read as JSON text, or None if it can (or there is none):
    over MAX_BODY_BYTES (413), not JSON by its type (415), not UTF-8 (400)."""
    raw = event.body
    if not raw:
        return None
    size = (
        len(raw) * 3 // 4
        if event.is_base64_encoded
        else len(raw.encode("utf-8", errors="surrogatepass"))
    )
    if size > MAX_BODY_BYTES:
        return UnreadableBodyError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the request body is {size} bytes; at most {MAX_BODY_BYTES} are accepted",
        )
    media_type = event.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ("", "application/json"):
        return UnreadableBodyError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, JSON_ONLY)
    if event.is_base64_encoded:
        try:
            base64.b64decode(raw, validate=True).decode("utf-8")
        except ValueError:
            return UnreadableBodyError(
                HTTPStatus.BAD_REQUEST, "the request body is not valid UTF-8 text"
            )
    return None


def parse_json(text: str) -> Any:
    """json.loads, whose crashes on hostile input (deep nesting, a number of thousands of
    digits) become 400s instead of 500s."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise  # Powertools reports it as invalid JSON, with the position
    except RecursionError as e:
        raise UnreadableBodyError(
            HTTPStatus.BAD_REQUEST, "the request body is not valid JSON: it nests too deeply"
        ) from e
    except ValueError as e:  # an integer of more than 4300 digits
        raise UnreadableBodyError(
            HTTPStatus.BAD_REQUEST, "the request body is not valid JSON: a number is too long"
        ) from e


_REFUSAL = "unreadable_body"  # the routing context's key for the body's verdict


def recorded_refusal(context: Mapping[str, Any]) -> UnreadableBodyError | None:
    """The verdict on the current request's body, as BodyCheckingResolver.resolve recorded it
    in the routing context (None: the body is readable)."""
    try:
        refusal: UnreadableBodyError | None = context[_REFUSAL]
    except KeyError:
        raise RuntimeError(
            "no verdict on this request's body: not a BodyCheckingResolver"
        ) from None
    return refusal


def refuse_unreadable_body(
    router: APIGatewayRestResolver, next_middleware: NextMiddleware
) -> Response[Any]:
    """Refuse an unreadable body on every route, also those that never read one (Powertools
    would otherwise accept form and multipart bodies)."""
    refusal = recorded_refusal(router.context)
    if refusal is not None:
        raise refusal
    return next_middleware(router)


class BodyCheckingResolver(APIGatewayRestResolver):
    """A REST resolver that judges each request's body once, before routing: an unreadable
    body is refused with its reason on every route, whatever part of Powertools reads it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(json_body_deserializer=self._read_json, **options)
        self.use(middlewares=[refuse_unreadable_body])

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Record the body's verdict in the routing context (Powertools clears it after each
        request), then resolve as usual."""
        self.context[_REFUSAL] = unreadable_body(APIGatewayProxyEvent(dict(event)))
        return super().resolve(event, context)

    def _read_json(self, text: str) -> Any:
        """Powertools' JSON reader: an unreadable body is refused before it is parsed."""
        refusal = recorded_refusal(self.context)
        if refusal is not None:
            raise refusal
        return parse_json(text)


app = BodyCheckingResolver(
    enable_validation=True,
    cors=CORSConfig(allow_origin=cors_allowed_origin()),
    # Never Powertools' debug mode, whatever POWERTOOLS_DEV says: it prints whole events (and
    # their bodies) and puts tracebacks in 500 answers.
    debug=False,
)


ERRORS: dict[int, str] = {
    400: "The body is not valid JSON, or not UTF-8 text.",
    404: "Unknown catalog; `known_catalogs` lists the served ones.",
    413: f"The body is over {MAX_BODY_BYTES} bytes.",
    415: "The body is not application/json.",
    422: "A field is invalid (`errors` names each) or item ids are unknown (`unknown_items`).",
    503: "The model cannot be loaded right now; retry after `Retry-After` seconds.",
}


def _responses(
    ok: type[BaseModel], description: str, errors: Sequence[int]
) -> dict[int, OpenAPIResponse]:
    """The OpenAPI responses of a route: its 200 model and the errors it can answer."""
    responses: dict[int, OpenAPIResponse] = {
        200: {"description": description, "content": {"application/json": {"model": ok}}}
    }
    for status in errors:
        responses[status] = {
            "description": ERRORS[status],
            "content": {"application/json": {"model": ErrorOut}},
        }
    return responses


@app.get(
    "/",
    summary="The web page",
    responses={
        200: {
            "description": "The page: three search boxes and the recommendations (HTML).",
            "content": {"text/html": {"schema": {"type": "string"}}},
        }
    },
)
def get_page() -> Response[str]:
    """The web page: three search boxes, a catalog switch, and the recommendations."""
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=_page(),
        headers={"Cache-Control": "public, max-age=300"},
    )


@cache
def _page() -> str:
    return PAGE.read_text(encoding="utf-8")


@app.get(
    "/health",
    summary="The served catalogs and their model versions",
    responses=_responses(HealthOut, "Up, with each live catalog.", [503]),
)
def get_health() -> HealthOut:
    """Report the served catalogs; loading them here also warms a new execution environment."""
    catalogs = recommender_service().health()
    return HealthOut(
        status="ok",
        catalogs={
            name: CatalogHealthOut(model_version=h.model_version, items=h.items, users=h.users)
            for name, h in catalogs.items()
        },
    )


@app.get(
    "/catalogs/<catalog>/items",
    summary="Search a catalog's titles and creators",
    responses=_responses(ItemsOut, "Matching items, most popular first.", [404, 422, 503]),
)
def get_items(
    catalog: Annotated[str, PathParam(description="A served catalog (GET /health lists them).")],
    q: Annotated[
        str, Query(max_length=MAX_TEXT, description="Text to find; empty lists the most popular.")
    ] = "",
    limit: Annotated[
        int, Query(ge=1, le=MAX_SEARCH_RESULTS, description="How many items to return.")
    ] = 10,
) -> ItemsOut:
    """Search-as-you-type over titles and creators; an empty `q` lists the most popular."""
    logger.append_keys(catalog=catalog)
    served, found = recommender_service().search(catalog, q, limit)
    logger.append_keys(model_version=served.model_version)
    return ItemsOut(items=[_item_out(item) for item in found])


@app.post(
    "/catalogs/<catalog>/recommendations",
    summary="Recommend items to someone who loves the given ones",
    responses=_responses(
        RecommendationsOut, "Recommendations, best first.", [400, 404, 413, 415, 422, 503]
    ),
)
def post_recommendations(
    catalog: Annotated[str, PathParam(description="A served catalog (GET /health lists them).")],
    request: Annotated[
        RecommendationRequest,
        Body(description=f"JSON, at most {MAX_BODY_BYTES} bytes."),
    ],
) -> RecommendationsOut:
    """Recommend items to someone who loves the given ones."""
    logger.append_keys(catalog=catalog)
    answer = recommender_service().recommend(catalog, request.items, request.limit)
    logger.append_keys(model_version=answer.model_version, degraded=answer.degraded)
    if answer.degraded:
        metrics.add_metric(name="DegradedRecommendations", unit=MetricUnit.Count, value=1)
    reasons = recommender_service().explain(answer, request.items)
    return RecommendationsOut(
        catalog=answer.catalog,
        model_version=answer.model_version,
        items=[
            RecommendedItemOut(
                **_item_out(s.item).model_dump(), score=round(s.score, 6), because=because
            )
            for s, because in zip(answer.items, reasons, strict=True)
        ],
        degraded=answer.degraded,
    )


@app.get("/openapi.json", include_in_schema=False)
def get_openapi_document() -> Response[str]:
    """This API's OpenAPI document, generated from the routes and models above, so the limits
    it states are the ones enforced."""
    return Response(
        status_code=200,
        content_type=content_types.APPLICATION_JSON,
        body=openapi_document(_base_path()),
        headers={"Cache-Control": "public, max-age=300"},
    )


@lru_cache(maxsize=4)
def openapi_document(base_path: str = "") -> str:
    """The OpenAPI document (JSON) for clients that reach the routes under `base_path`."""
    # Imported here: Powertools' OpenAPI models take a tenth of a second to build, and only
    # this document needs them (validation does not), so a cold start never pays for them.
    from aws_lambda_powertools.event_handler.openapi.models import Server

    generated = app.get_openapi_json_schema(
        title="Edge Recommender",
        version=API_VERSION,
        description=API_DESCRIPTION,
        servers=[Server(url=base_path or "/")],
    )
    return json.dumps(_without_powertools_errors(json.loads(generated)), indent=2)


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
    context = app.current_event.request_context
    prefix = f"/{context.stage}" if context.stage else ""
    return prefix if prefix and (context.path or "").startswith(f"{prefix}/") else ""


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def error_response(error: Exception) -> Response[dict[str, Any]]:
    """The one place errors become HTTP answers: a JSON `message`, never a trace or AWS text."""
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
            refusal := recorded_refusal(app.context)
        ) is not None:
            # The body itself cannot be read (too big, not JSON, not UTF-8): that is the answer,
            # whatever reading it raised first (field errors of a form, a multipart parser's).
            return refusal.status, {"message": refusal.message}, {}
        case RequestValidationError():
            return _validation_error(error.errors())
        case RequestUnsupportedContentType():
            return 415, {"message": JSON_ONLY}, {}
        case NotFoundError():
            event = app.current_event
            allowed = _methods_allowed(event.path)
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


def _methods_allowed(path: str) -> str:
    """The methods the documented routes answer on `path` ("GET, OPTIONS"), "" if none."""
    methods = {m for pattern, m in _documented_routes() if pattern.match(path)}
    return ", ".join(sorted(methods | {"OPTIONS"})) if methods else ""


@cache
def _documented_routes() -> list[tuple[re.Pattern[str], str]]:
    """(path pattern, method) of every operation in the OpenAPI document; the patterns are the
    resolver's own, so a 405 is only ever said where another method would be routed."""
    routes = []
    for template, item in (app.get_openapi_schema().paths or {}).items():
        rule = re.sub(r"\{(\w+)\}", r"<\1>", template)  # Powertools' syntax for a path parameter
        pattern: re.Pattern[str] = APIGatewayRestResolver._compile_regex(rule)
        for method in ("get", "put", "post", "delete", "patch"):
            if getattr(item, method) is not None:
                routes.append((pattern, method.upper()))
    return routes


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


def _item_out(item: CatalogItem) -> ItemOut:
    return ItemOut(id=item.id, title=item.title, creator=item.creator)


@logger.inject_lambda_context(
    # log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: logs never carry a body.
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
    clear_state=True,
    log_event=False,
)
@metrics.log_metrics(capture_cold_start_metric=True)
@request_log
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda entry point."""
    return app.resolve(event, context)


# What the INIT phase made lives as long as the process: frozen, later collections never walk
# it again (shorter pauses on warm requests too), and the collector runs as usual from here.
gc.freeze()
gc.enable()
