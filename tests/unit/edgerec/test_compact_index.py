"""The int8 compact user index: quantisation error, memory, and the users it finds."""

from __future__ import annotations

import numpy as np
import pytest

from edgerec.compact_index import Int8UserIndex
from edgerec.retrieval import nearest_users


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


def test_every_component_is_within_half_a_step_of_the_original(rng):
    # Given more users than one block, and not a multiple of it
    users = rng.normal(size=(9001, 16)).astype(np.float32)

    # When
    index = Int8UserIndex.from_embeddings(users)

    # Then row ≈ codes * scale, to half a quantisation step
    restored = index.codes.astype(np.float32) * index.scales[:, None]
    assert np.all(np.abs(restored - users) <= index.scales[:, None] / 2 + 1e-7)
    assert index.codes.dtype == np.int8
    assert np.abs(index.codes).max() == 127


def test_it_takes_a_quarter_of_float32_plus_a_scale_per_user(rng):
    users = rng.normal(size=(1000, 64)).astype(np.float32)

    index = Int8UserIndex.from_embeddings(users)

    assert index.nbytes == 1000 * 64 + 1000 * 4
    assert index.nbytes < users.nbytes / 3.7


def test_scores_are_close_to_the_exact_dot_products(rng):
    users = rng.normal(size=(5000, 32)).astype(np.float32)
    query = rng.normal(size=32).astype(np.float32)

    scores = Int8UserIndex.from_embeddings(users).scores(query)

    assert scores.dtype == np.float32
    assert scores.shape == (5000,)
    np.testing.assert_allclose(scores, users @ query, atol=0.05 * np.abs(users @ query).max())


def test_nearest_users_match_float32_when_users_are_well_separated(rng):
    # Given ten users planted along the query, far apart, among random ones
    query = rng.normal(size=8).astype(np.float32)
    users = rng.normal(size=(10_000, 8)).astype(np.float32)
    planted = rng.choice(10_000, size=10, replace=False)
    users[planted] = query * (10 + 2 * np.arange(10, dtype=np.float32))[:, None]

    # When
    rows, similarities = Int8UserIndex.from_embeddings(users).nearest_users(query, 10)

    # Then the same users, in the same order, with close similarities
    exact_rows, exact_similarities = nearest_users(users, query, 10)
    assert rows.tolist() == exact_rows.tolist() == planted[::-1].tolist()
    np.testing.assert_allclose(similarities, exact_similarities, rtol=0.02)


def test_a_zero_row_stays_zero(rng):
    users = rng.normal(size=(4, 3)).astype(np.float32)
    users[2] = 0.0

    index = Int8UserIndex.from_embeddings(users)

    assert index.scales[2] == 0.0
    assert index.scores(np.ones(3, dtype=np.float32))[2] == 0.0


def test_non_finite_or_non_matrix_embeddings_are_refused():
    with pytest.raises(ValueError, match="not finite"):
        Int8UserIndex.from_embeddings(np.array([[1.0, np.nan]], dtype=np.float32))
    with pytest.raises(ValueError, match="2-D"):
        Int8UserIndex.from_embeddings(np.ones(3, dtype=np.float32))


def test_an_empty_index_finds_nobody():
    index = Int8UserIndex.from_embeddings(np.empty((0, 4), dtype=np.float32))

    rows, similarities = index.nearest_users(np.ones(4, dtype=np.float32), 5)

    assert rows.size == 0
    assert similarities.size == 0
