"""Exact nearest users through the int8 prefilter: the float32 scan's answer, from fewer bytes."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from benchmarks.reference_retrieval import nearest_users_of_each
from edgerec.retrieval import nearest_users
from edgerec.user_index import BackgroundUserIndex, UserIndex


@pytest.fixture
def clustered(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """30,000 users and 500 items around 40 tastes, as trained embeddings lie."""
    centres = rng.normal(size=(40, 64)).astype(np.float32)
    users = centres[rng.integers(0, 40, size=30_000)] + rng.normal(
        scale=0.3, size=(30_000, 64)
    ).astype(np.float32)
    items = centres[rng.integers(0, 40, size=500)] + rng.normal(scale=0.3, size=(500, 64)).astype(
        np.float32
    )
    return users, items


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(11)


@pytest.mark.parametrize("k", [1, 20, 100])
def test_nearest_users_are_the_float32_scans_in_the_same_order(clustered, rng, k):
    users, items = clustered
    index = UserIndex.build(users, prefilter_from_bytes=0)
    assert index.prefilter is not None

    for rows in rng.integers(0, 500, size=(30, 3)):
        query = items[rows].mean(axis=0)

        found, similarities = index.nearest(query, k)

        expected, expected_similarities = nearest_users(users, query, k)
        assert found.tolist() == expected.tolist()
        np.testing.assert_allclose(similarities, expected_similarities, rtol=1e-6)


def test_each_items_nearest_users_are_the_float32_ones(clustered, rng):
    users, items = clustered
    index = UserIndex.build(users, prefilter_from_bytes=0)

    for rows in rng.integers(0, 500, size=(20, 3)):
        found = index.nearest_of_each(items[rows], 100)

        expected = nearest_users_of_each(users, items, rows.tolist(), 100)
        assert set(found.tolist()) == set(expected.tolist())
        assert len(found) == 100


@pytest.mark.parametrize("prefilter_from_bytes", [0, 2**40], ids=["prefilter", "scan"])
def test_each_querys_nearest_users_are_taken_in_turn_each_user_once(prefilter_from_bytes):
    # Query 0 points at users 0, 1, 2 (in that order), query 1 at users 3, 0, 4.
    users = np.array([[3, 2], [2, 0], [1, 0], [0, 3], [0, 1], [-5, -5]], dtype=np.float32)
    queries = np.array([[1, 0], [0, 1]], dtype=np.float32)
    index = UserIndex.build(users, prefilter_from_bytes=prefilter_from_bytes)

    rows = index.nearest_of_each(queries, 4)

    # Firsts: 0 (query 0), 3 (query 1); seconds: 1, then 0 again (skipped); thirds: 2, …
    assert rows.tolist() == [0, 3, 1, 2]


def test_the_nearest_users_of_one_query_are_its_own_ranking(rng):
    users = rng.normal(size=(50, 4)).astype(np.float32)
    query = rng.normal(size=4).astype(np.float32)

    rows = UserIndex.build(users).nearest_of_each(query[None, :], 7)

    assert rows.tolist() == np.argsort(-(users @ query), kind="stable")[:7].tolist()


def test_small_tables_are_scanned_without_a_prefilter(clustered):
    users, items = clustered

    index = UserIndex.build(users[:1000])  # 256 KB of float32

    assert index.prefilter is None
    found, _ = index.nearest(items[0], 10)
    assert found.tolist() == nearest_users(users[:1000], items[0], 10)[0].tolist()


def test_asking_for_more_users_than_there_are_gives_every_user(rng):
    users = rng.normal(size=(50, 8)).astype(np.float32)
    index = UserIndex.build(users, prefilter_from_bytes=0)

    found, _ = index.nearest(rng.normal(size=8).astype(np.float32), 80)

    assert sorted(found.tolist()) == list(range(50))


def test_the_prefilter_is_built_in_the_background_and_the_answer_does_not_change(clustered):
    # Given a table large enough to want the prefilter (35,000 x 64 float32: 9 MB)
    users, items = clustered
    users = np.concatenate([users, users[:5000]])
    background = BackgroundUserIndex(users)

    # When the first request asks, before the prefilter can be ready
    first = background.current()
    first_found, _ = first.nearest(items[3], 50)
    ready = background.ready(timeout=30)

    # Then it was answered by the float32 scan, and the prefilter gives the same users
    assert first.prefilter is None
    assert ready.prefilter is not None
    assert background.current() is ready
    assert ready.nearest(items[3], 50)[0].tolist() == first_found.tolist()


def test_a_small_table_never_starts_a_build(clustered):
    users, _ = clustered

    threads = threading.active_count()

    background = BackgroundUserIndex(users[:2000])

    assert background.ready(timeout=0).prefilter is None
    assert threading.active_count() == threads
    assert background.failure is None


def test_a_table_that_cannot_be_quantised_keeps_the_float32_scan(clustered):
    users, items = clustered
    broken = np.concatenate([users, users[:5000]])
    broken[7, 3] = np.nan

    background = BackgroundUserIndex(broken)
    index = background.ready(timeout=30)

    assert index.prefilter is None
    assert isinstance(background.failure, ValueError)
    assert index.nearest(items[0], 5)[0].size == 5
