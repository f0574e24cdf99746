"""The seed's training pipeline that `make bench-train` times against ours."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from training.config import preset
from training.datasets import detect_and_load
from training.interactions import Interactions, keep_active_users, liked_items_by_user
from training.synthetic import write_songs

pytestmark = pytest.mark.tensorflow


@pytest.fixture(scope="module")
def songs(tmp_path_factory: pytest.TempPathFactory) -> Interactions:
    data = write_songs(tmp_path_factory.mktemp("songs"), users=120, items=80, seed=11)
    return keep_active_users(detect_and_load(Path(data)).interactions, 3)


def test_seed_examples_are_three_distinct_items_among_each_users_best_liked(songs, tensorflow):
    from benchmarks.seed_training import seed_examples

    config = preset("smoke")
    likes = liked_items_by_user(songs, top=config.liked_pool)

    examples = seed_examples(songs, config)

    assert len(examples) == songs.users * config.examples_per_user
    for triple, user in zip(examples.items.tolist(), examples.users.tolist(), strict=True):
        best, _ = likes.of_user(user)
        assert len(set(triple)) == 3
        assert set(triple) <= set(best.tolist())
    assert not examples.has_next.any()  # the seed had no item-to-item task


def test_the_seed_pipeline_computes_top_k_metrics_over_every_user_while_training(
    songs, tensorflow: Any
):
    from benchmarks.seed_training import train_seed_pipeline

    config = preset("seed", epochs=1, batch_size=256)

    trained = train_seed_pipeline(songs, config)

    history = trained.model.history.history
    assert any(name.startswith("factorized_top_k/top_100") for name in history)
    assert trained.user_embeddings().shape == (songs.users, config.embedding_dim)
    assert trained.training_seconds > 0
