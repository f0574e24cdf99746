"""top_k on long score vectors, where it samples a threshold before selecting: the answer must
be exactly the one a full sort gives, ties and NaN included."""

from __future__ import annotations

import numpy as np
import pytest

from edgerec.retrieval import nearest_users, top_k


def full_sort_top_k(scores: np.ndarray, k: int) -> list[int]:
    """Reference: NaN last, then by score descending, then by row."""
    keyed = np.where(np.isnan(scores), -np.inf, scores)
    order = np.lexsort((np.arange(scores.size), np.isnan(scores), -keyed))
    return [int(row) for row in order[:k]]


@pytest.mark.parametrize("n", [8_192, 100_003, 1_000_000])
@pytest.mark.parametrize("k", [1, 10, 100])
def test_long_vectors_give_the_full_sort_s_answer(n, k):
    scores = np.random.default_rng(n + k).normal(size=n).astype(np.float32)

    rows, best = top_k(scores, k)

    assert rows.tolist() == full_sort_top_k(scores, k)
    np.testing.assert_array_equal(best, scores[rows])


def test_ties_at_the_cut_keep_the_lowest_rows():
    # Given a long vector of few distinct values: thousands tie at the k-th place
    scores = (np.random.default_rng(1).integers(0, 5, size=50_000)).astype(np.float32)

    rows, best = top_k(scores, 20)

    assert rows.tolist() == np.flatnonzero(scores == 4)[:20].tolist()
    assert set(best.tolist()) == {4.0}


def test_sorted_scores_worst_case_is_still_exact():
    # Every sampled score is among the best: the threshold admits many candidates
    scores = np.arange(200_000, dtype=np.float32)

    rows, _ = top_k(scores, 50)

    assert rows.tolist() == list(range(199_999, 199_949, -1))


def test_nan_scores_rank_below_every_number():
    scores = np.random.default_rng(2).normal(size=30_000).astype(np.float32)
    scores[::3] = np.nan  # every sampled score is NaN

    rows, best = top_k(scores, 10)

    assert rows.tolist() == full_sort_top_k(scores, 10)
    assert not np.isnan(best).any()


def test_nan_fills_only_when_there_are_too_few_numbers():
    scores = np.array([np.nan, 1.0, np.nan, 2.0], dtype=np.float32)

    rows, _ = top_k(scores, 3)

    assert rows.tolist()[:2] == [3, 1]
    assert rows.tolist()[2] in (0, 2)


def test_minus_infinity_rows_come_last_when_needed():
    scores = np.full(20_000, -np.inf, dtype=np.float32)
    scores[[5, 17]] = [1.0, 2.0]

    rows, _ = top_k(scores, 4)

    assert rows.tolist() == [17, 5, 0, 1]


def test_nearest_users_of_a_million_rows_match_a_full_sort():
    rng = np.random.default_rng(3)
    users = rng.normal(size=(1_000_000, 4)).astype(np.float32)
    query = rng.normal(size=4).astype(np.float32)

    rows, _ = nearest_users(users, query, 100)

    assert rows.tolist() == full_sort_top_k(users @ query, 100)
