"""The API function: HTTP routes, request and response models, and the one error mapping."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import (
    APIGatewayRestResolver,
    CORSConfig,
    Response,
    content_types,
)
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator

from edgerec.bundle import CatalogItem
from edgerec.errors import (
    BundleError,
    StoreUnavailableError,
    UnknownCatalogError,
    UnknownItemsError,
)
from edgerec.observability import logger, metrics
from edgerec.service import recommender_service

PAGE = Path(__file__).resolve().parent / "web" / "index.html"
MAX_LIKED_ITEMS = 10
MAX_RECOMMENDATIONS = 100
MAX_SEARCH_RESULTS = 50
MAX_TEXT = 200  # longest item id or search text accepted; real ones are far shorter

# Open to every origin for now; the allowed origin becomes a stack parameter later.
app = APIGatewayRestResolver(enable_validation=True, cors=CORSConfig(allow_origin="*"))


class RecommendationRequest(BaseModel):
    """Items someone loves, and how many recommendations they want."""

    model_config = ConfigDict(extra="forbid")

    items: list[Annotated[StrictStr, Field(min_length=1, max_length=MAX_TEXT)]] = Field(
        min_length=1, max_length=MAX_LIKED_ITEMS
    )
    limit: StrictInt = Field(default=10, ge=1, le=MAX_RECOMMENDATIONS)

    @field_validator("items")
    @classmethod
    def items_are_distinct(cls, items: list[str]) -> list[str]:
        """Refuse repeated ids: each liked item counts once, so a repeat is a client bug."""
        repeated = sorted({i for i in items if items.count(i) > 1})
        if repeated:
            raise ValueError(f"item ids must be distinct; repeated: {', '.join(repeated)}")
        return items


class ItemOut(BaseModel):
    """An item as a page shows it."""

    id: str
    title: str
    creator: str


class RecommendedItemOut(ItemOut):
    """A recommended item, its score (its share of the nearest users' vote, 0 to 1), and the
    liked item it is most like (`because`), for the page to say why it is there."""

    score: float
    because: str | None


class ItemsOut(BaseModel):
    """Search results, best first."""

    items: list[ItemOut]


class RecommendationsOut(BaseModel):
    """Recommendations, best first; `degraded` when they are a popularity fallback."""

    catalog: str
    model_version: str
    items: list[RecommendedItemOut]
    degraded: bool


class CatalogHealthOut(BaseModel):
    """One served catalog's live version and sizes."""

    model_version: str
    items: int
    users: int


class HealthOut(BaseModel):
    """The function is up, with the catalogs it serves."""

    status: Literal["ok"]
    catalogs: dict[str, CatalogHealthOut]


@app.get("/")
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


@app.get("/health")
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


@app.get("/catalogs/<catalog>/items")
def get_items(
    catalog: str,
    q: Annotated[str, Query(max_length=MAX_TEXT)] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_SEARCH_RESULTS)] = 10,
) -> ItemsOut:
    """Search-as-you-type over titles and creators; an empty `q` lists the most popular."""
    logger.append_keys(catalog=catalog)
    served, found = recommender_service().search(catalog, q, limit)
    logger.append_keys(model_version=served.model_version)
    return ItemsOut(items=[_item_out(item) for item in found])


@app.post("/catalogs/<catalog>/recommendations")
def post_recommendations(
    catalog: str, request: Annotated[RecommendationRequest, Body()]
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
        case RequestValidationError():
            return _validation_error(error.errors())
        case RequestUnsupportedContentType():
            return 415, {"message": "the request body must be application/json"}, {}
        case NotFoundError():
            event = app.current_event
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


def _validation_error(errors: Sequence[Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    """400 for a body that is not JSON; else 422 whose message names each bad field."""
    for e in errors:
        if e.get("type") == "json_invalid":
            reason = e.get("ctx", {}).get("error", "it cannot be parsed")
            location = e.get("loc", ())
            where = f" at character {location[1]}" if len(location) > 1 else ""
            return 400, {"message": f"the request body is not valid JSON: {reason}{where}"}, {}
    problems = [
        {"field": _field_name(e.get("loc", ())), "message": e.get("msg", "")} for e in errors
    ]
    message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return 422, {"message": message, "errors": problems}, {}


def _field_name(location: Sequence[str | int]) -> str:
    """`("body", "items", 2)` → `items[2]`; a bare `("body",)` → `body`."""
    parts = list(location[1:]) if len(location) > 1 else list(location)
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _item_out(item: CatalogItem) -> ItemOut:
    return ItemOut(id=item.id, title=item.title, creator=item.creator)


@lambda_handler_decorator
def request_log(
    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext,
) -> dict[str, Any]:
    """One structured line per request: method, path, status, latency (and the catalog and
    model version the route appended); never the event or its body."""
    started = time.perf_counter()
    response = handler(event, context)
    latency_ms = (time.perf_counter() - started) * 1000
    status = int(response.get("statusCode", 0))
    logger.info(
        "request",
        extra={
            "method": event.get("httpMethod"),
            "path": event.get("path"),
            "status": status,
            "latency_ms": round(latency_ms, 2),
        },
    )
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    return response


@logger.inject_lambda_context(
    correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True
)
@metrics.log_metrics(capture_cold_start_metric=True)
@request_log
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda entry point."""
    return app.resolve(event, context)
