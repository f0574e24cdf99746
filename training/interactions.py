"""The one form every loader produces: who liked what, how much, and what each item is."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from edgerec.bundle import CatalogItem
from edgerec.top_items import UserTopItems

UNKNOWN_CREATOR = "Unknown"  # creator shown for an item the metadata files do not describe

StrArray = npt.NDArray[np.str_]
IndexArray = npt.NDArray[np.int32]
WeightArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Interactions:
    """Liked (user, item, weight) triples in coordinate form, with the id maps and catalog.

    `user_index[k]` liked `item_index[k]` with strength `weight[k]` (a rating or a play
    count: larger is better). Each (user, item) pair occurs once. `items[i]` describes
    `item_ids[i]`, its popularity being the number of users who liked it.
    """

    user_ids: StrArray  # (users,) unique user ids; row u of the user tower
    item_ids: StrArray  # (items,) unique item ids; row i of the item tower
    user_index: IndexArray  # (n,) int32 rows of user_ids
    item_index: IndexArray  # (n,) int32 rows of item_ids
    weight: WeightArray  # (n,) float32, > 0
    items: tuple[CatalogItem, ...]  # aligned with item_ids

    def __post_init__(self) -> None:
        n = self.user_index.shape[0]
        if self.item_index.shape != (n,) or self.weight.shape != (n,):
            raise ValueError("user_index, item_index and weight must be 1-D and of equal length")
        if len(self.items) != self.item_ids.shape[0]:
            raise ValueError(f"{len(self.items)} catalog items for {self.item_ids.shape[0]} ids")
        if n and (
            self.user_index.min() < 0
            or self.user_index.max() >= self.user_ids.shape[0]
            or self.item_index.min() < 0
            or self.item_index.max() >= self.item_ids.shape[0]
        ):
            raise ValueError("an index points outside its id array")

    @property
    def users(self) -> int:
        """Number of distinct users."""
        return int(self.user_ids.shape[0])

    @property
    def num_items(self) -> int:
        """Number of distinct items."""
        return int(self.item_ids.shape[0])

    def __len__(self) -> int:
        return int(self.user_index.shape[0])

    @cached_property
    def catalog(self) -> dict[str, CatalogItem]:
        """Item id → its catalog row."""
        return {item.id: item for item in self.items}


@dataclass(frozen=True)
class UserLikes:
    """Each user's liked items, best first, in compressed-row form.

    The items of user `u` are `item_index[offsets[u]:offsets[u + 1]]`, with their weights in
    the same slice of `weight`.
    """

    offsets: npt.NDArray[np.int64]  # (users + 1,)
    item_index: IndexArray
    weight: WeightArray

    @property
    def counts(self) -> npt.NDArray[np.int64]:
        """How many liked items each user has (after the cut to the top N)."""
        return np.diff(self.offsets)

    def of_user(self, user: int) -> tuple[IndexArray, WeightArray]:
        """The item rows and weights of one user, best first."""
        start, stop = int(self.offsets[user]), int(self.offsets[user + 1])
        return self.item_index[start:stop], self.weight[start:stop]


def build_interactions(
    users: Sequence[str] | StrArray,
    items: Sequence[str] | StrArray,
    weights: Sequence[float] | npt.NDArray[np.floating],
    metadata: Mapping[str, tuple[str, str]] | None = None,
) -> Interactions:
    """Turn per-row ids and weights into `Interactions`.

    Rows with a weight ≤ 0 are dropped; a (user, item) pair seen twice keeps its largest
    weight. Ids are sorted, so the same rows always give the same indices.

    Args:
        users, items, weights: one liked interaction per row.
        metadata: item id → (title, creator). An item it does not describe is titled with
            its id and credited to "Unknown".

    Returns:
        The interactions, with a catalog row for every item that was liked.
    """
    user_col = np.asarray(users, dtype=np.str_)
    item_col = np.asarray(items, dtype=np.str_)
    weight_col = np.asarray(weights, dtype=np.float32)
    if not user_col.shape == item_col.shape == weight_col.shape:
        raise ValueError("users, items and weights must have the same length")
    keep = weight_col > 0
    user_col, item_col, weight_col = user_col[keep], item_col[keep], weight_col[keep]

    user_ids, user_inverse = np.unique(user_col, return_inverse=True)
    item_ids, item_inverse = np.unique(item_col, return_inverse=True)
    user_index: IndexArray = user_inverse.astype(np.int32)
    item_index: IndexArray = item_inverse.astype(np.int32)

    # Sort by pair, heaviest first, and keep the first row of each pair.
    order = np.lexsort((-weight_col, item_index, user_index))
    user_index, item_index, weight_col = user_index[order], item_index[order], weight_col[order]
    first = np.ones(user_index.shape[0], dtype=bool)
    first[1:] = (user_index[1:] != user_index[:-1]) | (item_index[1:] != item_index[:-1])
    user_index, item_index, weight_col = user_index[first], item_index[first], weight_col[first]

    return Interactions(
        user_ids=user_ids,
        item_ids=item_ids,
        user_index=user_index,
        item_index=item_index,
        weight=weight_col,
        items=_catalog_items(item_ids, item_index, metadata or {}),
    )


def keep_active_users(interactions: Interactions, min_likes: int) -> Interactions:
    """Only users with at least `min_likes` liked items, and only the items they liked.

    A user with fewer likes than a training example needs never appears in one, so their
    embedding would stay at its random start and pollute nearest-user searches.
    """
    likes_per_user = np.bincount(interactions.user_index, minlength=interactions.users)
    keep = likes_per_user[interactions.user_index] >= min_likes
    kept_users = np.flatnonzero(likes_per_user >= min_likes)
    kept_items = np.unique(interactions.item_index[keep])
    user_row = np.full(interactions.users, -1, dtype=np.int32)
    user_row[kept_users] = np.arange(kept_users.shape[0], dtype=np.int32)
    item_row = np.full(interactions.num_items, -1, dtype=np.int32)
    item_row[kept_items] = np.arange(kept_items.shape[0], dtype=np.int32)
    item_index = item_row[interactions.item_index[keep]]
    return Interactions(
        user_ids=interactions.user_ids[kept_users],
        item_ids=interactions.item_ids[kept_items],
        user_index=user_row[interactions.user_index[keep]],
        item_index=item_index,
        weight=interactions.weight[keep],
        items=_recount_popularity(
            tuple(interactions.items[i] for i in kept_items), item_index, kept_items.shape[0]
        ),
    )


def liked_items_by_user(interactions: Interactions, top: int | None = None) -> UserLikes:
    """Each user's liked items sorted by weight, best first, cut to the `top` best.

    Ties are broken by the item's popularity (more liked first), then by item row, so the
    order is the same on every run.
    """
    popularity = np.fromiter(
        (item.popularity for item in interactions.items),
        dtype=np.int64,
        count=len(interactions.items),
    )
    order = np.lexsort(
        (
            interactions.item_index,
            -popularity[interactions.item_index],
            -interactions.weight,
            interactions.user_index,
        )
    )
    user_index = interactions.user_index[order]
    counts = np.bincount(user_index, minlength=interactions.users).astype(np.int64)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(user_index.shape[0], dtype=np.int64) - starts[user_index]
    keep = rank < top if top is not None else np.ones(user_index.shape[0], dtype=bool)
    kept_counts = np.bincount(user_index[keep], minlength=interactions.users).astype(np.int64)
    return UserLikes(
        offsets=np.concatenate(([0], np.cumsum(kept_counts))).astype(np.int64),
        item_index=interactions.item_index[order][keep],
        weight=interactions.weight[order][keep],
    )


def user_top_items(interactions: Interactions, top: int) -> Iterator[UserTopItems]:
    """Each user's top-item list as the bundle publishes it: their liked items, best first
    (`liked_items_by_user`), at most `top`, in user row order."""
    likes = liked_items_by_user(interactions, top=top)
    item_ids = interactions.item_ids.tolist()
    rows = likes.item_index.tolist()
    weights = likes.weight.tolist()
    offsets = likes.offsets.tolist()
    for user, user_id in enumerate(interactions.user_ids.tolist()):
        start, stop = offsets[user], offsets[user + 1]
        yield UserTopItems(
            user=user_id,
            items=tuple(item_ids[r] for r in rows[start:stop]),
            weights=tuple(float(w) for w in weights[start:stop]),
        )


def _catalog_items(
    item_ids: StrArray, item_index: IndexArray, metadata: Mapping[str, tuple[str, str]]
) -> tuple[CatalogItem, ...]:
    popularity = np.bincount(item_index, minlength=item_ids.shape[0])
    rows = []
    for item_id, liked_by in zip(item_ids.tolist(), popularity.tolist(), strict=True):
        title, creator = metadata.get(item_id, ("", ""))
        rows.append(
            CatalogItem(
                id=item_id,
                title=title.strip() or item_id,
                creator=creator.strip() or UNKNOWN_CREATOR,
                popularity=int(liked_by),
            )
        )
    return tuple(rows)


def _recount_popularity(
    items: tuple[CatalogItem, ...], item_index: IndexArray, count: int
) -> tuple[CatalogItem, ...]:
    popularity = np.bincount(item_index, minlength=count).tolist()
    return tuple(
        CatalogItem(id=i.id, title=i.title, creator=i.creator, popularity=int(p))
        for i, p in zip(items, popularity, strict=True)
    )
