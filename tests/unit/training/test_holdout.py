"""The evaluation protocol: who is held out, what they ask and must find, and the metrics."""

from __future__ import annotations

import numpy as np
import pytest

from training.holdout import (
    ELIGIBLE_MIN_LIKES,
    QUERY_ITEMS,
    K,
    Split,
    score,
    split_newcomers,
)
from training.interactions import Interactions, build_interactions


def random_interactions(seed: int, users: int = 300, items: int = 80) -> Interactions:
    """Users with 1 to 30 likes of random items."""
    rng = np.random.default_rng(seed)
    user_col, item_col = [], []
    for user in range(users):
        count = int(rng.integers(1, 31))
        user_col += [f"u{user:03d}"] * count
        item_col += [f"i{k:03d}" for k in rng.choice(items, size=count, replace=False)]
    return build_interactions(user_col, item_col, rng.integers(1, 11, len(user_col)).astype(float))


def likes_of(interactions: Interactions) -> dict[str, set[str]]:
    likes: dict[str, set[str]] = {}
    for u, i in zip(
        interactions.user_index.tolist(), interactions.item_index.tolist(), strict=True
    ):
        likes.setdefault(str(interactions.user_ids[u]), set()).add(str(interactions.item_ids[i]))
    return likes


@pytest.fixture
def data() -> Interactions:
    return random_interactions(4)


@pytest.fixture
def split(data: Interactions) -> Split:
    return split_newcomers(data, min_user_likes=3, seed=11)


def test_a_tenth_of_the_users_with_four_likes_are_held_out(data, split):
    counts = np.bincount(data.user_index, minlength=data.users)
    eligible = int((counts >= ELIGIBLE_MIN_LIKES).sum())

    assert split.eligible_users == eligible
    assert split.held_out_users == round(0.1 * eligible)
    assert all(len(likes_of(data)[u]) >= ELIGIBLE_MIN_LIKES for u in split.test_user_ids)


def test_test_users_take_no_part_in_training(split):
    assert not set(split.test_user_ids.tolist()) & set(split.train.user_ids.tolist())


def test_each_query_is_three_of_the_users_likes_the_model_knows_and_the_rest_are_targets(
    data, split
):
    likes = likes_of(data)
    train_items = split.train.item_ids
    for test, user in enumerate(split.test_user_ids.tolist()):
        query = {str(train_items[r]) for r in split.queries[test]}
        start, stop = split.target_offsets[test], split.target_offsets[test + 1]
        targets = {str(data.item_ids[r]) for r in split.target_item_index[start:stop]}

        assert len(query) == QUERY_ITEMS
        assert query | targets == likes[user]
        assert not query & targets


def test_the_same_seed_holds_out_the_same_users_and_another_seed_others(data, split):
    again = split_newcomers(data, min_user_likes=3, seed=11)
    other = split_newcomers(data, min_user_likes=3, seed=12)

    assert np.array_equal(split.test_user_ids, again.test_user_ids)
    assert np.array_equal(split.queries, again.queries)
    assert not np.array_equal(split.test_user_ids, other.test_user_ids)


def test_a_held_out_user_whose_items_only_they_liked_is_not_asked():
    # Only "new" has four likes, so only "new" is eligible; nobody else liked its items.
    users = ["new"] * 4 + [f"u{k}" for k in range(9) for _ in range(3)]
    items = ["x1", "x2", "x3", "x4"] + [f"i{(k + j) % 6}" for k in range(9) for j in range(3)]
    data = build_interactions(users, items, [1.0] * len(users))

    split = split_newcomers(data, min_user_likes=3)

    assert (split.eligible_users, split.held_out_users, split.tests) == (1, 1, 0)
    assert "new" not in split.train.user_ids.tolist()
    assert not {"x1", "x2", "x3", "x4"} & set(split.train.item_ids.tolist())


def tiny_split() -> Split:
    """Two test users over a training catalog of 12 items (row = popularity order)."""
    users = [f"t{u}" for u in range(12) for _ in range(12 - u)]
    items = [f"i{i:02d}" for u in range(12) for i in range(12 - u)]
    train = build_interactions(users, items, [1.0] * len(users))
    return Split(
        train=train,
        test_user_ids=np.array(["a", "b"]),
        queries=np.array([[0, 1, 2], [3, 4, 5]], dtype=np.int32),
        # a: targets 6 and 7; b: target 11 and an item the training data never saw (row 12).
        target_offsets=np.array([0, 2, 4]),
        target_item_index=np.array([6, 7, 11, 12], dtype=np.int32),
        train_to_full=np.arange(12, dtype=np.int64),
        eligible_users=2,
        held_out_users=2,
        seed=0,
    )


def test_metrics_of_hand_made_answers():
    split = tiny_split()
    answers = np.full((2, K), -1, dtype=np.int64)
    answers[0, :3] = [7, 8, 6]  # hits at ranks 1 and 3 of 2 targets
    answers[1, :2] = [9, 10]  # no hit

    metrics = score(split, answers)

    ndcg_a = (1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3))
    assert metrics.recall == pytest.approx((1.0 + 0.0) / 2)
    assert metrics.ndcg == pytest.approx(ndcg_a / 2)
    assert metrics.hit_rate == pytest.approx(0.5)
    assert metrics.coverage == pytest.approx(5 / 12)
    assert metrics.mean_popularity_rank == pytest.approx((8 + 9 + 7 + 10 + 11) / 5)
    assert metrics.users == 2


def test_recall_divides_by_the_list_length_when_there_are_more_targets_than_k():
    train = build_interactions(
        [f"t{u}" for u in range(40)], [f"i{u:02d}" for u in range(40)], [1.0] * 40
    )
    split = Split(
        train=train,
        test_user_ids=np.array(["a"]),
        queries=np.array([[0, 1, 2]], dtype=np.int32),
        target_offsets=np.array([0, 20]),
        target_item_index=np.arange(3, 23, dtype=np.int32),
        train_to_full=np.arange(40, dtype=np.int64),
        eligible_users=1,
        held_out_users=1,
        seed=0,
    )

    metrics = score(split, np.arange(3, 3 + K, dtype=np.int64)[None, :])

    assert metrics.recall == pytest.approx(1.0)
    assert metrics.ndcg == pytest.approx(1.0)


def test_answers_that_repeat_a_query_item_are_refused():
    split = tiny_split()
    answers = np.full((2, K), -1, dtype=np.int64)
    answers[1, 0] = 4

    with pytest.raises(ValueError, match="query items"):
        score(split, answers)


def test_answers_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match="shape"):
        score(tiny_split(), np.zeros((2, K - 1), dtype=np.int64))
