"""A BruteForce SavedModel built from numpy tables answers as the numpy retrieval does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from edgerec.retrieval import embed_query, nearest_users

pytestmark = pytest.mark.tensorflow


def test_the_reloaded_index_finds_the_users_numpy_finds(tensorflow: Any, tmp_path: Path):
    # Given small tables and an index saved from them
    from training.bruteforce_index import save_brute_force_index

    rng = np.random.default_rng(4)
    items = rng.normal(size=(30, 8)).astype(np.float32)
    users = rng.normal(size=(50, 8)).astype(np.float32)
    user_ids = [f"u{row:02d}" for row in range(50)]
    save_brute_force_index(items, users, user_ids, tmp_path / "index", k=5)

    # When it is reloaded and asked for three items
    index = tensorflow.saved_model.load(str(tmp_path / "index"))
    scores, ids = index(tensorflow.constant([[3, 7, 21]], dtype=tensorflow.int32))

    # Then it names the same five users, with the same scores
    rows, similarities = nearest_users(users, embed_query(items, [3, 7, 21]), 5)
    assert [i.decode() for i in ids.numpy()[0]] == [user_ids[r] for r in rows]
    np.testing.assert_allclose(scores.numpy()[0], similarities, rtol=1e-5)


def test_mismatched_tables_are_refused(tmp_path: Path):
    from training.bruteforce_index import save_brute_force_index

    with pytest.raises(ValueError, match="differ in width"):
        save_brute_force_index(
            np.ones((3, 4), np.float32), np.ones((2, 5), np.float32), ["a", "b"], tmp_path, k=1
        )
    with pytest.raises(ValueError, match="1 user ids for 2 user rows"):
        save_brute_force_index(
            np.ones((3, 4), np.float32), np.ones((2, 4), np.float32), ["a"], tmp_path, k=1
        )
