"""The use case: liked items → nearest users → their top-item lists → ranked items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from edgerec.bundle import CatalogItem
from edgerec.errors import BundleError, StoreUnavailableError, UnknownItemsError
from edgerec.observability import logger
from edgerec.retrieval import embed_query, nearest_items
from edgerec.served_catalog import ServedCatalog
from edgerec.strategies import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    Candidates,
    NearestUsers,
    Request,
    Strategy,
)
from edgerec.top_items import TopItems, TopItemsReader


@dataclass(frozen=True)
class ScoredItem:
    """A recommended item and its score (see the strategy's `Scoring` for what it means)."""

    item: CatalogItem
    score: float


@dataclass(frozen=True)
class Recommendations:
    """The answer to one request; `degraded` says it is a popularity fallback."""

    catalog: str
    model_version: str
    items: tuple[ScoredItem, ...]
    degraded: bool = False


def recommend(
    served: ServedCatalog,
    liked: Sequence[str],
    limit: int,
    reader: TopItemsReader,
    neighbours: int,
    strategy: Strategy | None = None,
) -> Recommendations:
    """Recommend `limit` items of `served` to someone who likes the items `liked`.

    Steps: check the request and embed the liked items (their mean embedding); the strategy
    finds the nearest users; their lists are read in one batch; the strategy scores items
    from them; the best `limit` that are not liked are kept, equal scores ordered by closeness
    to the query, and when there are fewer, the items nearest the query fill the rest (score
    0: no neighbour voted for them). When the lists cannot be read (the store is unavailable,
    or its rows are of another format), the answer is the most popular items, `degraded`.

    Args:
        neighbours: how many nearest users' lists to read (one batch).
        strategy: how to score; None is `DEFAULT_STRATEGY`.

    Raises:
        UnknownItemsError: listing every id of `liked` the catalog does not have.
        ValueError: when `liked` is empty or `limit` or `neighbours` is below 1.
    """
    strategy = strategy or STRATEGIES[DEFAULT_STRATEGY]
    request = _checked_request(served, liked, limit, neighbours)
    users = strategy.neighbours.find(request)
    try:
        lists = _read_lists(request, reader, users)
    except (StoreUnavailableError, BundleError):
        return _most_popular_answer(request)
    candidates = strategy.scoring.candidates(request, users, lists)
    return _answer(request, _filled(request, _ranked(request, candidates)))


def _checked_request(
    served: ServedCatalog, liked: Sequence[str], limit: int, neighbours: int
) -> Request:
    """The request, with the liked items' rows and their mean embedding (the query).

    Raises:
        UnknownItemsError: listing every id of `liked` the catalog does not have.
        ValueError: when `liked` is empty or `limit` or `neighbours` is below 1.
    """
    if not liked:
        raise ValueError("at least one liked item is needed")
    if limit < 1 or neighbours < 1:
        raise ValueError(f"limit and neighbours must be at least 1, not {limit}, {neighbours}")
    row_of = served.item_rows
    distinct = list(dict.fromkeys(liked))
    unknown = [item_id for item_id in distinct if item_id not in row_of]
    if unknown:
        raise UnknownItemsError(served.name, unknown)
    rows = [row_of[item_id] for item_id in distinct]
    query = embed_query(served.bundle.item_embeddings, rows)
    return Request(served, tuple(rows), frozenset(liked), query, limit, neighbours)


def _read_lists(
    request: Request, reader: TopItemsReader, users: NearestUsers
) -> list[TopItems | None]:
    """The lists of `users`, aligned with them (None for a user with no list), read in one
    batch; no read at all when there are no users.

    Raises:
        StoreUnavailableError, BundleError: the store cannot answer, or its rows are unreadable.
    """
    if users.rows.size == 0:
        return []
    catalog = request.catalog
    user_ids = [catalog.bundle.user_ids[row] for row in users.rows.tolist()]
    found = reader.read_top_items(catalog.name, catalog.model_version, user_ids)
    return [found.get(user_id) for user_id in user_ids]


def _most_popular_answer(request: Request) -> Recommendations:
    """The degraded answer: the most popular items that are not liked, each scored 0."""
    catalog = request.catalog
    logger.warning(
        "top-item lists unreadable; answering the most popular items",
        extra={"catalog": catalog.name, "model_version": catalog.model_version},
    )
    popular = catalog.most_popular(request.limit, exclude=request.liked_ids)
    return _answer(request, [ScoredItem(item, 0.0) for item in popular], degraded=True)


def _ranked(request: Request, candidates: Candidates) -> list[ScoredItem]:
    """The best `request.limit` candidates: best score first, equal scores (common with
    votes) by closeness to the query, then by row."""
    order = np.lexsort((candidates.rows, -candidates.closeness, -candidates.scores))
    best = order[: request.limit]
    items = request.catalog.items
    return [
        ScoredItem(items[row], float(score))
        for row, score in zip(
            candidates.rows[best].tolist(), candidates.scores[best].tolist(), strict=True
        )
    ]


def _filled(request: Request, chosen: list[ScoredItem]) -> list[ScoredItem]:
    """`chosen`, then the items nearest the query (score 0) up to `request.limit`, none of
    them liked or already chosen."""
    missing = request.limit - len(chosen)
    if missing <= 0:
        return chosen
    catalog = request.catalog
    taken = {catalog.item_rows[s.item.id] for s in chosen} | set(request.liked_rows)
    rows, _ = nearest_items(catalog.bundle.item_embeddings, request.query, missing, taken)
    return [*chosen, *(ScoredItem(catalog.items[row], 0.0) for row in rows.tolist())]


def _answer(
    request: Request, items: Sequence[ScoredItem], degraded: bool = False
) -> Recommendations:
    catalog = request.catalog
    return Recommendations(catalog.name, catalog.model_version, tuple(items), degraded)
