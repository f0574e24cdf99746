"""Retrieval maths, checked against brute-force references."""

from __future__ import annotations

import numpy as np
import pytest

from edgerec.retrieval import (
    embed_query,
    nearest_items,
    nearest_users,
    take_in_turn,
    top_k,
)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


def test_the_query_is_the_mean_of_the_picked_item_embeddings(rng):
    items = rng.normal(size=(30, 6)).astype(np.float32)

    query = embed_query(items, [3, 7, 21])

    assert query.dtype == np.float32
    np.testing.assert_allclose(query, (items[3] + items[7] + items[21]) / 3, rtol=1e-6)


def test_a_query_of_no_items_is_refused(rng):
    with pytest.raises(ValueError, match="at least one"):
        embed_query(rng.normal(size=(5, 3)).astype(np.float32), [])


@pytest.mark.parametrize("k", [1, 5, 20, 199, 200, 500])
def test_nearest_users_are_the_brute_force_top_k_by_dot_product(rng, k):
    users = rng.normal(size=(200, 16)).astype(np.float32)
    query = rng.normal(size=16).astype(np.float32)
    scores = users @ query
    expected = np.argsort(-scores)[:k]

    rows, similarities = nearest_users(users, query, k)

    np.testing.assert_array_equal(rows, expected)
    np.testing.assert_allclose(similarities, scores[expected], rtol=1e-6)
    assert list(similarities) == sorted(similarities, reverse=True)


def test_equal_scores_are_ordered_by_row():
    rows, scores = top_k(np.array([1.0, 3.0, 3.0, 0.5, 3.0], dtype=np.float32), 3)

    assert rows.tolist() == [1, 2, 4]
    assert scores.tolist() == [3.0, 3.0, 3.0]


def test_top_k_of_zero_is_empty():
    rows, scores = top_k(np.ones(4, dtype=np.float32), 0)

    assert rows.size == 0
    assert scores.size == 0


def test_nearest_items_skip_excluded_rows_and_match_brute_force(rng):
    items = rng.normal(size=(50, 8)).astype(np.float32)
    query = rng.normal(size=8).astype(np.float32)
    exclude = {int(r) for r in np.argsort(-(items @ query))[:4]} | {9}
    reference = [int(r) for r in np.argsort(-(items @ query)) if int(r) not in exclude][:10]

    rows, _ = nearest_items(items, query, 10, exclude)

    assert rows.tolist() == reference


def test_nearest_items_return_fewer_when_the_catalog_runs_out(rng):
    items = rng.normal(size=(6, 4)).astype(np.float32)

    rows, _ = nearest_items(items, items[0], 10, exclude={0, 1})

    assert sorted(rows.tolist()) == [2, 3, 4, 5]


def test_rankings_taken_in_turn_pass_over_one_that_runs_out():
    short = np.array([7], dtype=np.intp)
    long = np.array([3, 7, 5, 9], dtype=np.intp)

    rows = take_in_turn([short, long], 4)

    # 7 (first of short), 3 (first of long), then long's 7 again (skipped), 5, 9
    assert rows.tolist() == [7, 3, 5, 9]
