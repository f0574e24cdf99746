"""How neighbours' top-item lists become one score per item: by votes, or by weight shares.

Pure Python over `TopItems`: each function takes the lists, nearest neighbour first, and
returns item id → score in [0, 1], in order of first appearance.
"""

from __future__ import annotations

from collections.abc import Sequence, Set

from edgerec.top_items import TopItems


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
