"""The int8 compact user index: quantisation error, memory, and the users it finds."""

from __future__ import annotations

import numpy as np
import pytest

from edgerec.compact_index import Int8UserIndex, choose_kernels, quantise


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(5)


def test_every_component_is_within_half_a_step_of_the_original(rng):
    # Given more users than one block, and not a multiple of it
    users = rng.normal(size=(9001, 16)).astype(np.float32)

    # When
    codes, scales = quantise(users)

    # Then row ≈ codes * scale, to half a quantisation step
    restored = codes.astype(np.float32) * scales[:, None]
    assert np.all(np.abs(restored - users) <= scales[:, None] * 0.501)
    assert codes.dtype == np.int8
    assert np.all(np.abs(codes).max(axis=1) == 127)


def test_with_compact_kernels_the_packed_index_takes_under_half_of_float32(rng):
    choose_kernels("compact")
    users = rng.normal(size=(1000, 64)).astype(np.float32)

    index = Int8UserIndex.from_embeddings(users)

    # 64 int8 dimensions pack into 84 bytes a row with NumKong's AVX2 kernels and 104 with its
    # AVX-VNNI ones (AVX-512's 136 are turned off); plus a float32 scale: at most 108 of 256
    assert index.nbytes <= users.nbytes * 0.43
    assert index.user_count == 1000


def test_an_unknown_kernel_choice_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match="'widest'; known: compact, native"):
        choose_kernels("widest")


def test_a_zero_row_stays_zero(rng):
    users = rng.normal(size=(4, 3)).astype(np.float32)
    users[2] = 0.0

    codes, scales = quantise(users)

    assert scales[2] == 0.0
    assert not codes[2].any()


def test_non_finite_or_non_matrix_embeddings_are_refused():
    with pytest.raises(ValueError, match="not finite"):
        Int8UserIndex.from_embeddings(np.array([[1.0, np.nan]], dtype=np.float32))
    with pytest.raises(ValueError, match="not finite"):
        Int8UserIndex.from_embeddings(np.array([[-np.inf, 0.0]], dtype=np.float32))
    with pytest.raises(ValueError, match="2-D"):
        Int8UserIndex.from_embeddings(np.ones(3, dtype=np.float32))


@pytest.mark.parametrize("k", [1, 10, 100])
def test_candidates_hold_every_one_of_the_k_best_float32_users(rng, k):
    # Given users in tight clusters, where int8 rounding reorders near neighbours
    centres = rng.normal(size=(50, 64)).astype(np.float32)
    users = centres[rng.integers(0, 50, size=40_000)] + rng.normal(
        scale=0.05, size=(40_000, 64)
    ).astype(np.float32)
    queries = users[rng.integers(0, 40_000, size=20)].mean(axis=0, keepdims=True) + rng.normal(
        scale=0.1, size=(20, 64)
    ).astype(np.float32)
    index = Int8UserIndex.from_embeddings(users)

    # When
    candidates = index.candidate_rows(queries, k)

    # Then each query's candidates, ascending, hold its k best by float32, and few others
    for query, rows in zip(queries, candidates, strict=True):
        best = np.argsort(-(users @ query), kind="stable")[:k]
        assert set(best.tolist()) <= set(rows.tolist())
        assert np.all(np.diff(rows) > 0)
        assert rows.size < 40_000 // 10


def test_an_empty_index_has_no_candidates():
    index = Int8UserIndex.from_embeddings(np.empty((0, 4), dtype=np.float32))

    candidates = index.candidate_rows(np.ones((1, 4), dtype=np.float32), 5)

    assert [rows.size for rows in candidates] == [0]


def test_a_query_that_is_not_finite_gets_no_candidates(rng):
    index = Int8UserIndex.from_embeddings(rng.normal(size=(100, 4)).astype(np.float32))

    with pytest.raises(ValueError, match="not finite"):
        index.candidate_rows(np.array([[np.nan, 0, 0, 0]], dtype=np.float32), 5)
