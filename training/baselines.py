"""Model-free recommenders the evaluation compares the model against: popularity, co-occurrence.

Both see only the training interactions, as the model does, and answer the evaluation's
queries in the `Recommender` form: (test users, 3) item rows → (test users, K) item rows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from training.holdout import K, Recommender, item_popularity
from training.interactions import IndexArray, Interactions


def most_popular(train: Interactions) -> Recommender:
    """The K most liked items that are not in the query: the same list for everyone."""
    popularity = item_popularity(train)
    # Most liked first, ties by row, as the service's popularity fallback orders them.
    order = np.lexsort((np.arange(popularity.size), -popularity))
    head = order[: K + 3].astype(np.int64)  # enough to skip any three query items

    def answer(queries: IndexArray) -> npt.NDArray[np.int64]:
        candidates = np.broadcast_to(head, (queries.shape[0], head.size))
        asked = (candidates[:, :, None] == queries[:, None, :]).any(axis=2)
        # A stable sort moves the asked items to the back and keeps popularity order.
        keep = np.argsort(asked, axis=1, kind="stable")[:, :K]
        chosen = np.take_along_axis(candidates, keep, axis=1)
        return _pad(chosen, np.take_along_axis(~asked, keep, axis=1))

    return answer


def co_occurrence(train: Interactions) -> Recommender:
    """People who liked these also liked: items ranked by how many likes they share with the
    query, summed over the query's items.

    score(j) = Σ_{q in query} |users who liked both q and j|; ties (and items no query item
    shares a user with) are ranked by popularity. Each query takes one pass over the likes of
    the users who liked a query item: a few milliseconds, so the loop over test users is cheap.
    """
    popularity = item_popularity(train)
    users_of_item = _grouped(train.item_index, train.user_index, train.num_items)
    items_of_user = _grouped(train.user_index, train.item_index, train.users)
    # One integer per item orders by score first, then popularity: no float ties.
    scale = int(popularity.max(initial=0)) + 1

    def answer(queries: IndexArray) -> npt.NDArray[np.int64]:
        out = np.full((queries.shape[0], K), -1, dtype=np.int64)
        for row, query in enumerate(queries):
            neighbours = _gather(users_of_item, query)
            counts = np.bincount(_gather(items_of_user, neighbours), minlength=train.num_items)
            ranked = counts.astype(np.int64) * scale + popularity
            ranked[query] = -1
            best = np.argpartition(-ranked, K)[:K] if ranked.size > K else np.arange(ranked.size)
            best = best[np.lexsort((best, -ranked[best]))]
            best = best[ranked[best] >= 0]
            out[row, : best.size] = best
        return out

    return answer


class _Groups:
    """Values grouped by key in compressed-row form: group g is values[offsets[g]:offsets[g+1]]."""

    def __init__(self, offsets: npt.NDArray[np.int64], values: npt.NDArray[np.int64]) -> None:
        self.offsets = offsets
        self.values = values


def _grouped(keys: IndexArray, values: IndexArray, groups: int) -> _Groups:
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=groups)
    offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return _Groups(offsets, values[order].astype(np.int64))


def _gather(groups: _Groups, keys: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """The values of every group in `keys`, concatenated (a key given twice counts twice)."""
    keys = np.asarray(keys, dtype=np.int64)
    starts, stops = groups.offsets[keys], groups.offsets[keys + 1]
    lengths = stops - starts
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    # Position k of the result is starts[g] + (k - where group g begins in the result).
    begins = np.cumsum(lengths) - lengths
    index = np.arange(total, dtype=np.int64) + np.repeat(starts - begins, lengths)
    return np.asarray(groups.values[index], dtype=np.int64)


def _pad(chosen: npt.NDArray[np.int64], valid: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    return np.where(valid, chosen, -1).astype(np.int64)
