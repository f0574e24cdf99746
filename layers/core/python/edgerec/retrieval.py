"""Retrieval maths in numpy: embed a query, then top-k users or items by dot product."""

from __future__ import annotations

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

    `np.argpartition` finds the k best in linear time; only those k are then sorted. Equal
    scores are ordered by row, so the answer is deterministic.

    Returns:
        (rows, scores) of at most `k` entries; fewer when `scores` is shorter.
    """
    k = min(k, scores.shape[0])
    if k <= 0:
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32)
    if k < scores.shape[0]:
        best = np.argpartition(-scores, k - 1)[:k]
    else:
        best = np.arange(scores.shape[0], dtype=np.intp)
    order = np.lexsort((best, -scores[best]))
    rows = best[order].astype(np.intp, copy=False)
    return rows, scores[rows].astype(np.float32, copy=False)


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
