"""Fixtures for the training tests: small synthetic datasets, and one session-wide training run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from training.config import TrainingConfig, preset
from training.datasets import detect_and_load
from training.interactions import Interactions, keep_active_users
from training.synthetic import PlantedTaste, planted_taste, write_books, write_songs

SMALL_USERS = 400  # with SMALL_ITEMS: big enough for planted groups, trains in ~2 s
SMALL_ITEMS = 200
SMALL_SEED = 3


@dataclass(frozen=True)
class TrainedBooks:
    """The session's one training run: its data, model, configuration and exported bundle."""

    interactions: Interactions
    planted: PlantedTaste
    config: TrainingConfig
    trained: Any  # training.train.TrainedModel (typed loosely: TensorFlow loads lazily)
    bundle: Path


@pytest.fixture(scope="session")
def small_books(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic Book-Crossing (Kaggle form) folder."""
    dest = tmp_path_factory.mktemp("books")
    return write_books(dest, users=SMALL_USERS, items=SMALL_ITEMS, seed=SMALL_SEED)


@pytest.fixture(scope="session")
def small_songs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic Taste Profile folder."""
    dest = tmp_path_factory.mktemp("songs")
    return write_songs(dest, users=SMALL_USERS, items=SMALL_ITEMS, seed=SMALL_SEED)


@pytest.fixture(scope="session")
def trained_books(
    small_books: Path, tensorflow: Any, tmp_path_factory: pytest.TempPathFactory
) -> TrainedBooks:
    """Small synthetic books, trained with the smoke preset and exported as a bundle."""
    from training.export import export_bundle
    from training.train import train

    config = preset("smoke")
    interactions = keep_active_users(
        detect_and_load(small_books).interactions, config.min_user_likes
    )
    trained = train(interactions, config, progress=False)
    out = tmp_path_factory.mktemp("bundles")
    bundle = export_bundle(trained, interactions, config, out, "books")
    planted = planted_taste("books", users=SMALL_USERS, items=SMALL_ITEMS, seed=SMALL_SEED)
    return TrainedBooks(interactions, planted, config, trained, bundle)
