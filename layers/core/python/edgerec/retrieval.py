"""Retrieval maths in numpy: embed a query, then top-k users or items by dot product."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]
FloatVector = npt.NDArray[np.float32]
RowVector = npt.NDArray[np.intp]


def embed_query(item_embeddings: FloatMatrix, rows: Sequence[int]) -> FloatVector:
    """The query tower: the mean of the embeddings of the items a person picked.

    Args:
        item_embeddings: (items, dimensions) float32 table.
        rows: rows of the picked items; at least one.

    Returns:
        A (dimensions,) float32 vector.

    Raises:
        ValueError: when `rows` is empty.
    """
    if len(rows) == 0:
        raise ValueError("a query needs at least one item row")
    picked = item_embeddings[np.asarray(rows, dtype=np.intp)]
    return np.asarray(picked.mean(axis=0, dtype=np.float32), dtype=np.float32)


def top_k(scores: FloatVector, k: int) -> tuple[RowVector, FloatVector]:
    """The `k` highest scores, best first, without sorting the whole vector.

    On a long vector (a million users) a selection over every score costs as much as the scan
    that made them, so candidates are found first: the k-th best of a strided sample of about
    sqrt(n k) scores is a threshold that at least k scores reach, so every one of the k best
    is among the scores at or above it (a few thousand, found in one vectorised comparison).
    Only those are partitioned, and only the k chosen are sorted. NaN scores rank below every
    number. Equal scores are ordered by row, and where equal scores straddle the k-th place
    the lowest rows are kept, so the answer is deterministic.

    Returns:
        (rows, scores) of at most `k` entries; fewer when `scores` is shorter.
    """
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
    candidates = _candidate_rows(scores, k)
    best = _best_rows(scores, candidates, k)
    order = np.lexsort((best, -scores[best]))
    rows = best[order].astype(np.intp, copy=False)
    return rows, scores[rows].astype(np.float32, copy=False)


# Below this length one selection over every score is as fast as sampling for a threshold.
_SAMPLE_FROM = 8192


def _candidate_rows(scores: FloatVector, k: int) -> RowVector | None:
    """Rows, ascending, that surely hold the k best scores; None for "every row"."""
    n = scores.shape[0]
    if n < _SAMPLE_FROM or 16 * k > n:
        return None
    # n / stride >= sqrt(n k) >= k sampled scores; expected candidates about k * stride.
    stride = max(2, math.isqrt(n // k))
    sample = scores[::stride]
    threshold = np.partition(sample, sample.size - k)[sample.size - k]
    if np.isnan(threshold):
        return None
    candidates = np.flatnonzero(scores >= threshold)
    # Fewer than k only when the sample held NaN (they sort above every number).
    return candidates if candidates.size >= k else None


def _best_rows(scores: FloatVector, candidates: RowVector | None, k: int) -> RowVector:
    """The rows of the k best scores among `candidates` (None: all rows), in no order."""
    values = scores if candidates is None else scores[candidates]
    if values.shape[0] == k:
        return np.arange(k, dtype=np.intp) if candidates is None else candidates
    missing = np.isnan(values)
    if missing.any():
        values = np.where(missing, np.float32(-np.inf), values)
    kth = np.partition(values, values.shape[0] - k)[values.shape[0] - k]
    above = np.flatnonzero(values > kth)
    tied = np.flatnonzero(values == kth)[: k - above.size]
    positions = np.concatenate((above, tied))
    return positions if candidates is None else candidates[positions]


def nearest_users(
    user_embeddings: FloatMatrix, query: FloatVector, k: int
) -> tuple[RowVector, FloatVector]:
    """The `k` users whose candidate-tower embedding has the largest dot product with `query`.

    Returns:
        (rows of `user_embeddings`, similarities), most similar first.
    """
    return top_k(user_embeddings @ query, k)


def nearest_items(
    item_embeddings: FloatMatrix,
    query: FloatVector,
    k: int,
    exclude: Collection[int] = (),
) -> tuple[RowVector, FloatVector]:
    """The `k` items nearest `query` by dot product, leaving out the rows in `exclude`.

    Returns:
        (rows of `item_embeddings`, dot products), nearest first; fewer than `k` when the
        catalog has fewer items left.
    """
    scores = item_embeddings @ query
    excluded = np.fromiter(set(exclude), dtype=np.intp)
    if excluded.size:
        scores[excluded] = -np.inf
    rows, best = top_k(scores, min(k, scores.shape[0] - excluded.size))
    return rows, best


def take_in_turn(rankings: Sequence[RowVector], k: int) -> RowVector:
    """The first `k` distinct rows of the rankings taken in turn: the first of each ranking,
    then the second of each, and so on; a ranking that runs out is passed over."""
    if not rankings:
        return np.empty(0, dtype=np.intp)
    depth = max(len(ranking) for ranking in rankings)
    table = np.full((len(rankings), depth), -1, dtype=np.intp)
    for position, ranking in enumerate(rankings):
        table[position, : len(ranking)] = ranking
    in_turn = table.T.ravel()  # (first of each, second of each, …)
    in_turn = in_turn[in_turn >= 0]
    _, first_seen = np.unique(in_turn, return_index=True)
    return in_turn[np.sort(first_seen)][:k].astype(np.intp, copy=False)
