"""The model-free baselines: the most popular items, and items co-liked with the query."""

from __future__ import annotations

import numpy as np

from training.baselines import co_occurrence, most_popular
from training.holdout import K
from training.interactions import Interactions, build_interactions


def catalog_of(interactions: Interactions, rows: np.ndarray) -> list[str]:
    return [str(interactions.item_ids[r]) for r in rows if r >= 0]


def popularity_ladder(items: int = 15) -> Interactions:
    """Item i{k} is liked by items - k users, so item k is the (k+1)-th most popular."""
    users = [f"u{u}" for u in range(items) for _ in range(items - u)]
    liked = [f"i{k:02d}" for u in range(items) for k in range(items - u)]
    return build_interactions(users, liked, [1.0] * len(users))


def test_most_popular_answers_the_most_liked_items_skipping_the_query():
    train = popularity_ladder()
    queries = np.array([[1, 3, 14], [10, 11, 12]], dtype=np.int32)

    answers = most_popular(train)(queries)

    assert answers[0].tolist() == [0, 2, 4, 5, 6, 7, 8, 9, 10, 11]
    assert answers[1].tolist() == list(range(K))


def test_co_occurrence_ranks_items_by_the_users_they_share_with_the_query():
    # Two users liked a, b and x; one liked a and y; z is popular but shares no user with a or b.
    users = ["p", "p", "p", "q", "q", "q", "r", "r", *["s", "t", "v", "w"]]
    items = ["a", "b", "x", "a", "b", "x", "a", "y", *["z", "z", "z", "z"]]
    train = build_interactions(users, items, [1.0] * len(users))
    row = {str(item): r for r, item in enumerate(train.item_ids)}
    queries = np.array([[row["a"], row["b"], row["y"]]], dtype=np.int32)

    answers = co_occurrence(train)(queries)

    # x: 2 users x 2 query items = 4 shared likes; then, sharing none, z by popularity.
    assert catalog_of(train, answers[0]) == ["x", "z"]
    assert (answers[0, 2:] == -1).all()  # nothing else to recommend


def test_co_occurrence_never_answers_a_query_item():
    train = popularity_ladder()
    queries = np.array([[0, 1, 2]], dtype=np.int32)

    answers = co_occurrence(train)(queries)

    assert not set(answers[0].tolist()) & {0, 1, 2}
    assert (answers[0] >= 0).all()
