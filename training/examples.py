"""Training examples: three distinct items a user likes → that user, sampled without loops."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from training.interactions import Interactions, liked_items_by_user

ITEMS_PER_QUERY = 3  # the product's question is always "three things you love"


@dataclass(frozen=True)
class Examples:
    """`items[k]` (three distinct item rows) were all liked by user row `users[k]`, and so was
    `next_items[k]`, a fourth one, when `has_next[k]` (users with only three items have none)."""

    items: npt.NDArray[np.int32]  # (examples, 3)
    users: npt.NDArray[np.int32]  # (examples,)
    next_items: npt.NDArray[np.int32]  # (examples,) row 0 where has_next is False
    has_next: npt.NDArray[np.bool_]  # (examples,)

    def __len__(self) -> int:
        return int(self.users.shape[0])


def sample_examples(interactions: Interactions, *, per_user: int, pool: int, seed: int) -> Examples:
    """Sample `per_user` triples for every user with at least three liked items.

    Each triple is three distinct items drawn uniformly from the user's `pool` best liked
    items, in random order, with a fourth distinct one from the same pool (the item-to-item
    task's target) when the user has one. Pure numpy: one vectorised draw for all users.

    Args:
        interactions: liked items per user.
        per_user: triples per eligible user.
        pool: how many of each user's best items a triple may use (at least 3).
        seed: the same seed always gives the same examples.

    Returns:
        The examples, grouped by user (shuffling is the input pipeline's job).
    """
    if pool < ITEMS_PER_QUERY:
        raise ValueError(f"pool must be at least {ITEMS_PER_QUERY}, not {pool}")
    if per_user < 1:
        raise ValueError(f"per_user must be at least 1, not {per_user}")
    likes = liked_items_by_user(interactions, top=pool)
    counts = likes.counts
    eligible = np.flatnonzero(counts >= ITEMS_PER_QUERY).astype(np.int32)
    users = np.repeat(eligible, per_user)
    n = counts[users]
    rng = np.random.default_rng(seed)
    first, second, third = _distinct_triples(n, rng)
    fourth, has_next = _distinct_fourth(n, (first, second, third), rng)
    base = likes.offsets[users]
    items = np.stack(
        [
            likes.item_index[base + first],
            likes.item_index[base + second],
            likes.item_index[base + third],
        ],
        axis=1,
    ).astype(np.int32)
    next_items = np.where(has_next, likes.item_index[base + fourth], 0).astype(np.int32)
    return Examples(items=items, users=users, next_items=next_items, has_next=has_next)


def _distinct_triples(
    n: npt.NDArray[np.int64], rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Three distinct positions in [0, n) per row, uniform over ordered triples.

    Draw a in [0, n), b in [0, n-1), c in [0, n-2); then step b over a, and c over the
    smaller and then the larger of the two, so no position repeats.
    """
    a = rng.integers(0, n)
    b = rng.integers(0, n - 1)
    c = rng.integers(0, n - 2)
    b += b >= a
    low, high = np.minimum(a, b), np.maximum(a, b)
    c += c >= low
    c += c >= high
    return a, b, c


def _distinct_fourth(
    n: npt.NDArray[np.int64],
    taken: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """A fourth position in [0, n) unlike the three `taken`, uniform, where n > 3.

    Draw d in [0, n-3), then step it over the taken positions in increasing order. Rows with
    n == 3 get position 0 and False.
    """
    has = n > ITEMS_PER_QUERY
    d = rng.integers(0, np.maximum(n - ITEMS_PER_QUERY, 1))
    for position in np.sort(np.stack(taken), axis=0):
        d += d >= position
    return np.where(has, d, 0), has
