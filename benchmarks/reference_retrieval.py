"""Retrieval that serving does not run, kept as references: the float32 answer of each liked
item's nearest users, and the int8 index alone as an approximate search.

`benchmarks.bundles` finds the users whose lists a benchmark request may read with the first;
`benchmarks.serving_process` times the second against the exact search the function runs. The
tests check the served search against the first.
"""

from __future__ import annotations

from collections.abc import Sequence

import numkong as nk
import numpy as np

from edgerec.compact_index import Int8UserIndex
from edgerec.retrieval import FloatMatrix, FloatVector, RowVector, take_in_turn, top_k

_INT8_MAX = int(np.iinfo(np.int8).max)


def nearest_users_of_each(
    user_embeddings: FloatMatrix, item_embeddings: FloatMatrix, rows: Sequence[int], k: int
) -> RowVector:
    """The `k` users nearest any of the items `rows`, taken in turn from each item's ranking,
    by brute-force float32 dot products: what `UserIndex.nearest_of_each` must answer.

    Each item ranks the users by dot product with its own embedding; the answer is the first
    of each ranking, then the second of each, and so on, each user once, until `k` users.

    Raises:
        ValueError: when `rows` is empty.
    """
    if len(rows) == 0:
        raise ValueError("a query needs at least one item row")
    picked = item_embeddings[np.asarray(rows, dtype=np.intp)]
    scores = _scores_of_each(user_embeddings, picked)
    return take_in_turn([top_k(item_scores, k)[0] for item_scores in scores], k)


# Users per block of `_scores_of_each`: 1,024 rows of 64 float32 dimensions are 256 KiB, in
# cache while each picked item is scored against them.
_BLOCK_ROWS = 1024


def _scores_of_each(user_embeddings: FloatMatrix, picked: FloatMatrix) -> FloatMatrix:
    """(picked items, users) dot products, in one pass over the user matrix: the scan is bound
    by memory bandwidth, so every item is scored while a block of users is in cache (one
    product over the whole matrix is slower: BLAS packs all of it first)."""
    users = user_embeddings.shape[0]
    by_user = np.empty((users, picked.shape[0]), dtype=np.float32)
    columns = np.ascontiguousarray(picked.T, dtype=np.float32)
    for start in range(0, users, _BLOCK_ROWS):
        stop = start + _BLOCK_ROWS
        np.matmul(user_embeddings[start:stop], columns, out=by_user[start:stop])
    return np.ascontiguousarray(by_user.T)


def int8_scores(index: Int8UserIndex, query: FloatVector) -> FloatVector:
    """Approximate dot products of every user row of `index` with `query`, float32 (users,).

    The query is quantised in two int8 parts, the second holding what the first rounded off,
    so the scores' error is the users' quantisation alone.
    """
    if index.user_count == 0 or index.dimensions == 0:
        return np.zeros(index.user_count, dtype=np.float32)
    query = np.asarray(query, dtype=np.float32)
    parts = np.empty((2, index.dimensions), dtype=np.int8)
    part_scales: list[float] = []
    rest = query
    for part in range(2):
        scale = float(np.abs(rest).max()) / _INT8_MAX
        parts[part] = np.rint(rest / scale) if scale > 0 else 0
        part_scales.append(scale)
        rest = rest - parts[part] * np.float32(scale)
    dots = np.asarray(nk.dots_packed(parts, index.packed))
    combined = np.multiply(dots[0], np.float32(part_scales[0]), dtype=np.float32)
    combined += np.multiply(dots[1], np.float32(part_scales[1]), dtype=np.float32)
    result: FloatVector = np.multiply(combined, index.scales, out=combined)
    return result


def int8_nearest_users(
    index: Int8UserIndex, query: FloatVector, k: int
) -> tuple[RowVector, FloatVector]:
    """The `k` users with the largest approximate dot product with `query`, best first.

    Returns:
        (rows, approximate similarities), as `edgerec.retrieval.nearest_users` answers.
    """
    return top_k(int8_scores(index, query), k)
