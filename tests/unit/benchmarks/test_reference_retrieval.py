"""The reference retrievals serving does not run: each item's nearest users by brute force,
and the int8 index alone as an approximate search."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.reference_retrieval import int8_nearest_users, int8_scores, nearest_users_of_each
from edgerec.compact_index import Int8UserIndex, quantise
from edgerec.retrieval import nearest_users


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


def test_each_liked_items_nearest_users_are_taken_in_turn_each_user_once():
    # Item 0 points at users 0, 1, 2 (in that order), item 1 at users 3, 0, 4.
    users = np.array([[3, 2], [2, 0], [1, 0], [0, 3], [0, 1], [-5, -5]], dtype=np.float32)
    items = np.array([[1, 0], [0, 1]], dtype=np.float32)

    rows = nearest_users_of_each(users, items, [0, 1], 4)

    # Firsts: 0 (item 0), 3 (item 1); seconds: 1, then 0 again (skipped); thirds: 2, …
    assert rows.tolist() == [0, 3, 1, 2]


def test_each_items_nearest_users_of_one_item_are_its_own_ranking(rng):
    users = rng.normal(size=(50, 4)).astype(np.float32)
    items = rng.normal(size=(5, 4)).astype(np.float32)

    rows = nearest_users_of_each(users, items, [2], 7)

    assert rows.tolist() == np.argsort(-(users @ items[2]), kind="stable")[:7].tolist()


def test_nearest_users_of_no_items_are_refused(rng):
    with pytest.raises(ValueError, match="at least one"):
        nearest_users_of_each(np.ones((3, 2), np.float32), np.ones((2, 2), np.float32), [], 2)


def test_the_users_nearest_each_item_are_found_in_every_block_of_a_long_matrix():
    rng = np.random.default_rng(4)
    users = rng.standard_normal((3000, 8)).astype(np.float32)
    items = rng.standard_normal((5, 8)).astype(np.float32)
    rankings = [nearest_users(users, items[row], 50)[0] for row in (0, 3)]
    in_turn = [int(user) for pair in zip(*rankings, strict=True) for user in pair]

    found = nearest_users_of_each(users, items, [0, 3], 50)

    assert found.tolist() == list(dict.fromkeys(in_turn))[:50]


def test_int8_scores_are_close_to_the_exact_dot_products(rng):
    users = rng.normal(size=(5000, 32)).astype(np.float32)
    query = rng.normal(size=32).astype(np.float32)

    scores = int8_scores(Int8UserIndex.from_embeddings(users), query)

    assert scores.dtype == np.float32
    assert scores.shape == (5000,)
    np.testing.assert_allclose(scores, users @ query, atol=0.05 * np.abs(users @ query).max())


def test_int8_nearest_users_match_float32_when_users_are_well_separated(rng):
    # Given ten users planted along the query, far apart, among random ones
    query = rng.normal(size=8).astype(np.float32)
    users = rng.normal(size=(10_000, 8)).astype(np.float32)
    planted = rng.choice(10_000, size=10, replace=False)
    users[planted] = query * (10 + 2 * np.arange(10, dtype=np.float32))[:, None]

    # When
    rows, similarities = int8_nearest_users(Int8UserIndex.from_embeddings(users), query, 10)

    # Then the same users, in the same order, with close similarities
    exact_rows, exact_similarities = nearest_users(users, query, 10)
    assert rows.tolist() == exact_rows.tolist() == planted[::-1].tolist()
    np.testing.assert_allclose(similarities, exact_similarities, rtol=0.02)


def test_an_empty_int8_index_finds_nobody():
    index = Int8UserIndex.from_embeddings(np.empty((0, 4), dtype=np.float32))

    rows, similarities = int8_nearest_users(index, np.ones(4, dtype=np.float32), 5)

    assert rows.size == 0
    assert similarities.size == 0


def test_int8_scores_carry_only_the_users_rounding_not_the_querys(rng):
    # Given the users as the index restores them
    users = rng.normal(size=(3000, 64)).astype(np.float32)
    codes, scales = quantise(users)
    restored = codes.astype(np.float32) * scales[:, None]
    query = rng.normal(size=64).astype(np.float32)

    # When
    scores = int8_scores(Int8UserIndex.from_embeddings(users), query)

    # Then they are the restored users' float32 dot products, the query's rounding aside
    exact = restored @ query
    assert np.abs(scores - exact).max() < 1e-4 * np.abs(exact).max()


def test_a_zero_user_row_has_an_int8_score_of_zero(rng):
    users = rng.normal(size=(4, 3)).astype(np.float32)
    users[2] = 0.0

    assert int8_scores(Int8UserIndex.from_embeddings(users), np.ones(3, dtype=np.float32))[2] == 0.0
