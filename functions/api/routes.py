"""The API's routes (the page, health, search, recommendations) on a Powertools Router."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.event_handler.openapi.params import Path as PathParam
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from api_models import (
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
from edgerec.observability import logger, metrics
from edgerec.service import recommender_service
from request_body import MAX_BODY_BYTES

PAGE = Path(__file__).resolve().parent / "web" / "index.html"

router = APIGatewayRouter()  # type: ignore[no-untyped-call]  # Powertools leaves it untyped

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


@router.get(
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


@router.get(
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


@router.get(
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


@router.post(
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


def _item_out(item: CatalogItem) -> ItemOut:
    """A catalog item as the answers show it."""
    return ItemOut(id=item.id, title=item.title, creator=item.creator)
