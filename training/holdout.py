"""The offline evaluation protocol: a seeded split of newcomers, and ranking metrics at 10.

The protocol is fixed, so figures from different runs, presets and strategies compare:

- a user is eligible when they liked at least `ELIGIBLE_MIN_LIKES` distinct items (what counts
  as liked is the loader's business: books rated 5 or more, songs played at all);
- a seeded random `TEST_SHARE` of eligible users are test users: every one of their
  interactions is removed before anything is trained, so they are newcomers, like the people
  who use the web page;
- each test user's query is `QUERY_ITEMS` of their liked items, drawn at random among the items
  the training data knows (the service refuses any other); the rest of their liked items are
  the targets, known or not;
- every recommender answers `K` items per query, never a query item, and is scored with
  Recall@K (hits / min(K, targets)), NDCG@K, HitRate@K, the catalog coverage of all its answers
  and the mean popularity rank of what it recommends (1 = the most liked item).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from training.interactions import IndexArray, Interactions, StrArray, keep_active_users

ELIGIBLE_MIN_LIKES = 4  # three items to ask with, at least one left to find
TEST_SHARE = 0.1  # share of eligible users held out as newcomers
QUERY_ITEMS = 3  # the product's question: three things you love
K = 10  # the length of the list a person reads
SPLIT_SEED = 2024  # the split's own seed: the same users are held out whatever the model's seed

# A recommender of the evaluation: (test users, 3) training item rows → (test users, K) rows,
# best first; -1 where it had fewer than K items to give.
Recommender = Callable[[IndexArray], npt.NDArray[np.int64]]


@dataclass(frozen=True)
class Split:
    """Training interactions without the test users, and each test user's query and targets.

    Item rows in `queries` are rows of `train`; targets are rows of the full dataset's items
    (`target_item_index`), because a target the training data never saw still counts as missed.
    """

    train: Interactions  # every other user's likes, cut to users with enough likes to train on
    test_user_ids: StrArray  # (tests,)
    queries: IndexArray  # (tests, QUERY_ITEMS) rows of train's items
    target_offsets: npt.NDArray[np.int64]  # (tests + 1,) CSR offsets into target_item_index
    target_item_index: IndexArray  # full dataset item rows
    train_to_full: npt.NDArray[np.int64]  # train item row → full dataset item row
    eligible_users: int  # users with at least ELIGIBLE_MIN_LIKES likes
    held_out_users: int  # eligible users drawn as test users (some may lack 3 known items)
    seed: int

    @property
    def tests(self) -> int:
        """How many test users are evaluated."""
        return int(self.queries.shape[0])

    @property
    def target_counts(self) -> npt.NDArray[np.int64]:
        """How many targets each test user has."""
        return np.diff(self.target_offsets)


def split_newcomers(
    interactions: Interactions,
    *,
    min_user_likes: int,
    share: float = TEST_SHARE,
    seed: int = SPLIT_SEED,
) -> Split:
    """Hold out a seeded random `share` of eligible users as newcomers.

    Args:
        interactions: every liked interaction of the dataset.
        min_user_likes: the training configuration's cut: training users with fewer likes are
            dropped (`keep_active_users`), and so are the items only they liked.
        share: the share of eligible users held out, in (0, 1).
        seed: the same seed and data always give the same split.

    Returns:
        The split. A held-out user with fewer than three liked items the training data knows
        is not evaluated (they could not ask the service); they still take no part in training.

    Raises:
        ValueError: `share` is not in (0, 1), or no user is eligible.
    """
    if not 0 < share < 1:
        raise ValueError(f"share must be between 0 and 1, not {share}")
    counts = np.bincount(interactions.user_index, minlength=interactions.users)
    eligible = np.flatnonzero(counts >= ELIGIBLE_MIN_LIKES)
    if eligible.size == 0:
        raise ValueError(f"no user has {ELIGIBLE_MIN_LIKES} liked items: nothing to evaluate")
    rng = np.random.default_rng(seed)
    held_out = np.sort(
        rng.choice(eligible, size=max(1, round(share * eligible.size)), replace=False)
    )
    is_test = np.zeros(interactions.users, dtype=bool)
    is_test[held_out] = True

    rows = is_test[interactions.user_index]
    train = keep_active_users(_without_rows(interactions, rows), min_user_likes)
    full_to_train = _row_map(interactions.item_ids, train.item_ids)
    train_to_full = np.full(train.num_items, -1, dtype=np.int64)
    known_full = np.flatnonzero(full_to_train >= 0)
    train_to_full[full_to_train[known_full]] = known_full

    asks, queries, target_counts, targets = _questions(
        interactions, rows, held_out, full_to_train, rng
    )
    return Split(
        train=train,
        test_user_ids=interactions.user_ids[held_out[asks]],
        queries=queries,
        target_offsets=np.concatenate(([0], np.cumsum(target_counts))).astype(np.int64),
        target_item_index=targets,
        train_to_full=train_to_full,
        eligible_users=int(eligible.size),
        held_out_users=int(held_out.size),
        seed=seed,
    )


def _questions(
    interactions: Interactions,
    rows: npt.NDArray[np.bool_],
    held_out: npt.NDArray[np.int64],
    full_to_train: npt.NDArray[np.int64],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.bool_], IndexArray, npt.NDArray[np.int64], IndexArray]:
    """Each held-out user's query and targets, drawn from their likes (`rows`).

    Returns whether each held-out user asks (has three known items), the askers' queries
    (training item rows), their target counts, and their targets (full dataset item rows).
    """
    # The test users' likes, grouped by user, in a seeded random order within each user.
    test_rows = np.flatnonzero(rows)
    user = interactions.user_index[test_rows].astype(np.int64)
    item = interactions.item_index[test_rows].astype(np.int64)
    known = full_to_train[item] >= 0
    shuffle = rng.random(test_rows.size)
    # Known items first (in random order), then unknown ones: the first three are the query.
    order = np.lexsort((shuffle, ~known, user))
    user, item, known = user[order], item[order], known[order]
    starts = np.searchsorted(user, held_out)
    stops = np.searchsorted(user, held_out, side="right")
    known_counts = np.add.reduceat(known.astype(np.int64), starts)
    asks = known_counts >= QUERY_ITEMS
    rank = np.arange(user.size) - np.repeat(starts, stops - starts)
    evaluated = np.repeat(asks, stops - starts)
    query_mask = evaluated & (rank < QUERY_ITEMS)
    target_mask = evaluated & (rank >= QUERY_ITEMS)
    queries = full_to_train[item[query_mask]].reshape(-1, QUERY_ITEMS).astype(np.int32)
    target_counts = (stops - starts)[asks] - QUERY_ITEMS
    return asks, queries, target_counts, item[target_mask].astype(np.int32)


@dataclass(frozen=True)
class Metrics:
    """One recommender's figures over the test users (see the module docstring)."""

    recall: float
    ndcg: float
    hit_rate: float
    coverage: float  # share of the training catalog that appears in at least one answer
    mean_popularity_rank: float  # over every recommended item; 1 = the most liked item
    users: int  # test users scored
    seconds: float  # time to answer every query

    def to_dict(self) -> dict[str, float | int]:
        """Plain JSON values, rounded for reports."""
        return {
            name: round(value, 6) if isinstance(value, float) else value
            for name, value in asdict(self).items()
        }


def score(split: Split, recommended: npt.NDArray[np.int64], seconds: float = 0.0) -> Metrics:
    """Score `recommended` (test users, K) training item rows, -1 for none, against the targets.

    Raises:
        ValueError: the answers are not one row of K per test user, or repeat a query item.
    """
    if recommended.shape != (split.tests, K):
        raise ValueError(f"expected answers of shape {(split.tests, K)}, got {recommended.shape}")
    given = recommended >= 0
    if np.any(given[:, :, None] & (recommended[:, :, None] == split.queries[:, None, :])):
        raise ValueError("a recommender returned one of its query items")
    full_items = int(split.train_to_full.max(initial=-1)) + 1
    full_items = max(full_items, int(split.target_item_index.max(initial=-1)) + 1)
    tests = np.arange(split.tests, dtype=np.int64)
    target_keys = np.repeat(tests, split.target_counts) * full_items + split.target_item_index
    as_full = np.where(given, split.train_to_full[np.where(given, recommended, 0)], -1)
    hits = given & np.isin(tests[:, None] * full_items + as_full, target_keys)

    # Every test user has at least one target: eligible users have four likes, three ask.
    relevant = np.minimum(split.target_counts, K)
    discounts = 1.0 / np.log2(np.arange(2, K + 2))
    ideal = np.cumsum(discounts)[relevant - 1]
    recall = hits.sum(axis=1) / relevant
    ndcg = (hits * discounts).sum(axis=1) / ideal

    popularity = item_popularity(split.train)
    rank = np.empty(popularity.size, dtype=np.int64)
    rank[np.lexsort((np.arange(popularity.size), -popularity))] = np.arange(1, popularity.size + 1)
    shown = recommended[given]
    return Metrics(
        recall=float(recall.mean()),
        ndcg=float(ndcg.mean()),
        hit_rate=float(hits.any(axis=1).mean()),
        coverage=float(np.unique(shown).size / split.train.num_items),
        mean_popularity_rank=float(rank[shown].mean()) if shown.size else 0.0,
        users=split.tests,
        seconds=seconds,
    )


def item_popularity(interactions: Interactions) -> npt.NDArray[np.int64]:
    """How many users liked each item."""
    return np.bincount(interactions.item_index, minlength=interactions.num_items).astype(np.int64)


def _without_rows(interactions: Interactions, drop: npt.NDArray[np.bool_]) -> Interactions:
    """The same interactions less the rows in `drop` (id maps and catalog unchanged)."""
    keep = ~drop
    return Interactions(
        user_ids=interactions.user_ids,
        item_ids=interactions.item_ids,
        user_index=interactions.user_index[keep],
        item_index=interactions.item_index[keep],
        weight=interactions.weight[keep],
        items=interactions.items,
    )


def _row_map(ids: StrArray, subset: StrArray) -> npt.NDArray[np.int64]:
    """For each id of `ids`, its row in `subset`, or -1 when `subset` does not hold it."""
    if subset.size == 0:
        return np.full(ids.size, -1, dtype=np.int64)
    order = np.argsort(subset, kind="stable")
    ordered = subset[order]
    position = np.minimum(np.searchsorted(ordered, ids), subset.size - 1)
    return np.where(ordered[position] == ids, order[position], -1).astype(np.int64)
