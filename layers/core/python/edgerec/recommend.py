"""The use case: three liked items → nearest users → their top-item lists → ranked items."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from edgerec.bundle import CatalogItem
from edgerec.catalog import Catalog
from edgerec.errors import StoreUnavailableError, UnknownItemsError
from edgerec.observability import logger
from edgerec.retrieval import embed_query, nearest_items, nearest_users


class TopItems(NamedTuple):
    """One user's best items (ids, best first) and their weights, aligned."""

    items: tuple[str, ...]
    weights: tuple[float, ...]


class TopItemsReader(Protocol):
    """Reads the top-item lists of many users of one model version in one batch."""

    def read_top_items(
        self, catalog: str, model_version: str, user_ids: Sequence[str]
    ) -> Mapping[str, TopItems]:
        """Lists of the users found; absent users are left out.

        Raises:
            StoreUnavailableError: when the store does not answer after its own retries.
        """
        ...


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


def blend_top_items(
    similarities: Sequence[float], lists: Sequence[TopItems | None]
) -> dict[str, float]:
    """Blend neighbours' top-item lists into one score per item.

    score(item) = Σ_u max(similarity_u, 0) * weight_u(item) / Σ_u max(similarity_u, 0),
    where weight_u(item) is the item's weight divided by the sum of user u's weights. So a
    score is the item's share of the neighbourhood's vote, in [0, 1]. Neighbours no more
    similar than orthogonal, and lists with no positive weight, do not vote. This is the
    simple baseline; the blending strategy is to be tuned by offline evaluation.

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
    catalog: Catalog,
    liked: Sequence[str],
    limit: int,
    reader: TopItemsReader,
    neighbours: int,
) -> Recommendations:
    """Recommend `limit` items of `catalog` to someone who likes the items `liked`.

    Steps: embed the liked items (mean embedding), find the `neighbours` nearest users,
    read their lists in one batch, blend them (`blend_top_items`), drop the liked items,
    and keep the best `limit`. When the lists give fewer than `limit`, the items nearest the
    query in embedding space fill the rest (score 0: no neighbour voted for them). When the
    store is unavailable, the answer is the most popular items, flagged `degraded`.

    Raises:
        UnknownItemsError: listing every id of `liked` the catalog does not have.
        ValueError: when `liked` is empty or `limit` or `neighbours` is below 1.
    """
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
    user_rows, similarities = nearest_users(bundle.user_embeddings, query, neighbours)
    user_ids = [bundle.user_ids[row] for row in user_rows]

    try:
        lists = reader.read_top_items(catalog.name, catalog.model_version, user_ids)
    except StoreUnavailableError:
        logger.warning(
            "top-item store unavailable; answering the most popular items",
            extra={"catalog": catalog.name, "model_version": catalog.model_version},
        )
        popular = catalog.most_popular(limit, exclude=liked_ids)
        return Recommendations(
            catalog=catalog.name,
            model_version=catalog.model_version,
            items=tuple(ScoredItem(item, 0.0) for item in popular),
            degraded=True,
        )

    blended = blend_top_items(similarities.tolist(), [lists.get(u) for u in user_ids])
    ranked = sorted(
        (item_id for item_id in blended if item_id not in liked_ids),
        key=lambda item_id: -blended[item_id],
    )
    chosen: list[ScoredItem] = []
    strangers = 0
    for item_id in ranked:
        if len(chosen) >= limit:
            break
        row = index.get(item_id)
        if row is None:
            strangers += 1
            continue
        chosen.append(ScoredItem(bundle.items[row], blended[item_id]))
    if strangers:
        logger.warning(
            "top-item lists name items the bundle does not have",
            extra={
                "catalog": catalog.name,
                "model_version": catalog.model_version,
                "unknown_items": strangers,
            },
        )

    if len(chosen) < limit:
        taken = {index[s.item.id] for s in chosen} | set(liked_rows)
        rows, _ = nearest_items(bundle.item_embeddings, query, limit - len(chosen), taken)
        chosen.extend(ScoredItem(bundle.items[row], 0.0) for row in rows.tolist())

    return Recommendations(
        catalog=catalog.name, model_version=catalog.model_version, items=tuple(chosen)
    )
