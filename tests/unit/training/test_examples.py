"""Examples: three distinct items among a user's best liked ones → that user."""

from __future__ import annotations

import numpy as np
import pytest

from training.examples import sample_examples
from training.interactions import Interactions, build_interactions, liked_items_by_user


def random_interactions(seed: int) -> Interactions:
    """Users with 1 to 40 likes of random items and random weights."""
    rng = np.random.default_rng(seed)
    users, items = [], []
    for user in range(60):
        count = int(rng.integers(1, 41))
        users += [f"u{user}"] * count
        items += [f"i{k}" for k in rng.choice(120, size=count, replace=False)]
    weights = rng.integers(1, 11, size=len(users)).astype(float)
    return build_interactions(users, items, weights)


@pytest.mark.parametrize("seed", range(5))
def test_every_example_is_three_distinct_items_among_its_users_best_liked(seed):
    interactions = random_interactions(seed)
    pool = 10
    likes = liked_items_by_user(interactions, top=pool)

    examples = sample_examples(interactions, per_user=7, pool=pool, seed=seed)

    assert examples.items.shape == (len(examples), 3)
    for triple, user in zip(examples.items, examples.users, strict=True):
        best, _ = likes.of_user(int(user))
        assert len(set(triple.tolist())) == 3
        assert set(triple.tolist()) <= set(best.tolist())


def test_users_with_fewer_than_three_likes_give_no_examples():
    interactions = random_interactions(1)
    counts = np.bincount(interactions.user_index, minlength=interactions.users)

    examples = sample_examples(interactions, per_user=4, pool=50, seed=0)

    assert set(examples.users.tolist()) == set(np.flatnonzero(counts >= 3).tolist())
    assert np.all(np.bincount(examples.users, minlength=interactions.users)[counts >= 3] == 4)


def test_the_same_seed_gives_the_same_examples_and_another_seed_others():
    interactions = random_interactions(2)

    first = sample_examples(interactions, per_user=5, pool=20, seed=9)
    again = sample_examples(interactions, per_user=5, pool=20, seed=9)
    other = sample_examples(interactions, per_user=5, pool=20, seed=10)

    assert np.array_equal(first.items, again.items)
    assert not np.array_equal(first.items, other.items)


def test_a_user_with_exactly_three_likes_gets_those_three_in_every_example():
    interactions = build_interactions(["u"] * 3, ["a", "b", "c"], [1.0, 2.0, 3.0])

    examples = sample_examples(interactions, per_user=20, pool=50, seed=0)

    assert {frozenset(t) for t in examples.items.tolist()} == {frozenset({0, 1, 2})}


def test_every_item_of_the_pool_gets_sampled():
    interactions = build_interactions(["u"] * 6, list("abcdef"), [1.0] * 6)

    examples = sample_examples(interactions, per_user=200, pool=6, seed=0)

    assert set(examples.items.ravel().tolist()) == set(range(6))


def test_a_pool_smaller_than_three_is_refused():
    with pytest.raises(ValueError, match="pool"):
        sample_examples(random_interactions(0), per_user=1, pool=2, seed=0)
