"""The use case: three liked items → nearest users → their top-item lists → ranked items."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass

import numpy as np

from edgerec.bundle import CatalogItem
from edgerec.errors import BundleError, StoreUnavailableError, UnknownItemsError
from edgerec.observability import logger
from edgerec.retrieval import embed_query, nearest_items
from edgerec.served_catalog import ServedCatalog
from edgerec.strategies import DEFAULT_STRATEGY, STRATEGIES, Strategy
from edgerec.top_items import TopItems, TopItemsReader


@dataclass(frozen=True)
class ScoredItem:
    """A recommended item and its score (see `blend_top_items` for what a score means)."""

    item: CatalogItem
    score: float


@dataclass(frozen=True)
class Recommendations:
    """The answer to one request; `degraded` says it is a popularity fallback."""

    catalog: str
    model_version: str
    items: tuple[ScoredItem, ...]
    degraded: bool = False


def vote_top_items(
    lists: Sequence[TopItems | None], liked: Set[str], overlap_boost: float
) -> dict[str, float]:
    """Blend neighbours' top-item lists by votes: every listed item gets its neighbour's vote.

    vote_u = 1 + overlap_boost * |list_u ∩ liked|, and score(item) = Σ_u vote_u [item in
    list_u] / Σ_u vote_u, in [0, 1]. The embedding search finds users like the query, but
    some of them are only near; a user whose own list holds the very items liked is a sure
    neighbour, so they count more. Weights only choose what is on a list: a 10/10 book and a
    5/10 one are both liked, and play counts differ by orders of magnitude between people.

    Args:
        lists: the nearest users' lists, nearest first; None when not found.
        liked: the ids the person picked.
        overlap_boost: how much each liked item on a neighbour's list adds to its vote.

    Returns:
        item id → score, in order of first appearance; only items some list holds.
    """
    scores: dict[str, float] = {}
    total = 0.0
    for top in lists:
        if top is None or not top.items:
            continue
        vote = 1.0 + overlap_boost * sum(1 for item in top.items if item in liked)
        total += vote
        for item in top.items:
            scores[item] = scores.get(item, 0.0) + vote
    if total == 0.0:
        return {}
    return {item: score / total for item, score in scores.items()}


def blend_top_items(
    similarities: Sequence[float], lists: Sequence[TopItems | None]
) -> dict[str, float]:
    """Blend neighbours' top-item lists into one score per item (the first design's way).

    score(item) = Σ_u max(similarity_u, 0) * weight_u(item) / Σ_u max(similarity_u, 0),
    where weight_u(item) is the item's weight divided by the sum of user u's weights. So a
    score is the item's share of the neighbourhood's vote, in [0, 1]. Neighbours no more
    similar than orthogonal, and lists with no positive weight, do not vote. With one
    neighbour this is the seed design's answer: that user's list, best first.

    Args:
        similarities: each neighbour's dot product with the query.
        lists: each neighbour's list, aligned with `similarities`; None when not found.

    Returns:
        item id → score, in order of first appearance; only positive scores.
    """
    scores: dict[str, float] = {}
    total = 0.0
    for similarity, top in zip(similarities, lists, strict=True):
        vote = max(float(similarity), 0.0)
        if top is None or vote == 0.0:
            continue
        weight_sum = sum(w for w in top.weights if w > 0)
        if weight_sum <= 0:
            continue
        total += vote
        for item, weight in zip(top.items, top.weights, strict=True):
            if weight > 0:
                scores[item] = scores.get(item, 0.0) + vote * weight / weight_sum
    if total == 0.0:
        return {}
    return {item: score / total for item, score in scores.items()}


def recommend(
    catalog: ServedCatalog,
    liked: Sequence[str],
    limit: int,
    reader: TopItemsReader,
    neighbours: int,
    strategy: Strategy | None = None,
) -> Recommendations:
    """Recommend `limit` items of `catalog` to someone who likes the items `liked`.

    Steps: embed the liked items (mean embedding); unless the strategy scores items directly,
    find the `neighbours` nearest users (of the query, or of each liked item in turn), read
    their lists in one batch and blend them
    (`vote_top_items` or `blend_top_items`); drop the liked items and keep the best `limit`,
    equal scores ordered by closeness to the query. When the lists give fewer than `limit`,
    the items nearest the query in embedding space fill the rest (score 0: no neighbour voted
    for them). When the lists cannot be read (the store is unavailable, or its rows are of
    another format), the answer is the most popular items, flagged `degraded`.

    Args:
        strategy: how to score; None is `DEFAULT_STRATEGY`.

    Raises:
        UnknownItemsError: listing every id of `liked` the catalog does not have.
        ValueError: when `liked` is empty or `limit` or `neighbours` is below 1.
    """
    strategy = strategy or STRATEGIES[DEFAULT_STRATEGY]
    if not liked:
        raise ValueError("at least one liked item is needed")
    if limit < 1 or neighbours < 1:
        raise ValueError(f"limit and neighbours must be at least 1, not {limit}, {neighbours}")
    index = catalog.item_index
    unknown = [item_id for item_id in dict.fromkeys(liked) if item_id not in index]
    if unknown:
        raise UnknownItemsError(catalog.name, unknown)
    liked_rows = [index[item_id] for item_id in dict.fromkeys(liked)]
    liked_ids = frozenset(liked)
    bundle = catalog.bundle
    query = embed_query(bundle.item_embeddings, liked_rows)
    chosen: list[ScoredItem] = []
    if not strategy.reads_lists:
        rows, closeness = nearest_items(bundle.item_embeddings, query, limit, liked_rows)
        chosen = [
            ScoredItem(bundle.items[row], float(score))
            for row, score in zip(rows.tolist(), closeness.tolist(), strict=True)
        ]
        return Recommendations(
            catalog=catalog.name, model_version=catalog.model_version, items=tuple(chosen)
        )

    if strategy.neighbours_of == "each item":
        user_rows = catalog.user_index.nearest_of_each(
            bundle.item_embeddings[liked_rows], neighbours
        )
        similarities = bundle.user_embeddings[user_rows] @ query
    else:
        user_rows, similarities = catalog.user_index.nearest(query, neighbours)
    user_ids = [bundle.user_ids[row] for row in user_rows.tolist()]
    try:
        lists = reader.read_top_items(catalog.name, catalog.model_version, user_ids)
    except (StoreUnavailableError, BundleError):
        logger.warning(
            "top-item lists unreadable; answering the most popular items",
            extra={"catalog": catalog.name, "model_version": catalog.model_version},
        )
        popular = catalog.most_popular(limit, exclude=liked_ids)
        return Recommendations(
            catalog=catalog.name,
            model_version=catalog.model_version,
            items=tuple(ScoredItem(item, 0.0) for item in popular),
            degraded=True,
        )

    found = [lists.get(u) for u in user_ids]
    if strategy.scoring == "votes":
        blended = vote_top_items(found, liked_ids, strategy.overlap_boost)
    else:
        blended = blend_top_items(similarities.tolist(), found)
    candidates = [item_id for item_id in blended if item_id not in liked_ids]
    candidate_rows = [index.get(item_id, -1) for item_id in candidates]
    strangers = candidate_rows.count(-1)
    if strangers:
        logger.warning(
            "top-item lists name items the bundle does not have",
            extra={
                "catalog": catalog.name,
                "model_version": catalog.model_version,
                "unknown_items": strangers,
            },
        )
    known = np.asarray([row for row in candidate_rows if row >= 0], dtype=np.intp)
    scores = np.asarray(
        [blended[i] for i, row in zip(candidates, candidate_rows, strict=True) if row >= 0],
        dtype=np.float64,
    )
    # Best score first; equal scores (common with votes) by closeness to the query, then row.
    closeness = bundle.item_embeddings[known] @ query
    best = np.lexsort((known, -closeness, -scores))[:limit]
    chosen = [
        ScoredItem(bundle.items[row], float(score))
        for row, score in zip(known[best].tolist(), scores[best].tolist(), strict=True)
    ]

    if len(chosen) < limit:
        taken = {index[s.item.id] for s in chosen} | set(liked_rows)
        fill, _ = nearest_items(bundle.item_embeddings, query, limit - len(chosen), taken)
        chosen.extend(ScoredItem(bundle.items[row], 0.0) for row in fill.tolist())

    return Recommendations(
        catalog=catalog.name, model_version=catalog.model_version, items=tuple(chosen)
    )
