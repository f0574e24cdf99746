"""Train the two-tower model on sampled triples, with a progress bar and timings."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from training.config import TrainingConfig
from training.examples import Examples, sample_examples
from training.interactions import Interactions
from training.model import (
    HAS_NEXT_KEY,
    ITEMS_KEY,
    LOSS_PER_EXAMPLE,
    NEXT_ITEM_KEY,
    USER_KEY,
    TwoTowerModel,
)


@dataclass(frozen=True)
class TrainedModel:
    """A trained model with what it took to train it."""

    model: TwoTowerModel
    config: TrainingConfig
    examples: int  # training examples per epoch
    losses: tuple[float, ...]  # mean loss per example, per epoch
    sampling_seconds: float
    training_seconds: float

    @property
    def final_loss(self) -> float:
        """The last epoch's loss."""
        return self.losses[-1]

    def item_embeddings(self) -> npt.NDArray[np.float32]:
        """The query tower's table, float32 (items, dimensions)."""
        return np.asarray(self.model.item_embeddings(), dtype=np.float32)

    def user_embeddings(self) -> npt.NDArray[np.float32]:
        """The candidate tower's table, float32 (users, dimensions)."""
        return np.asarray(self.model.user_embeddings(), dtype=np.float32)


def train(
    interactions: Interactions,
    config: TrainingConfig,
    *,
    progress: bool = True,
    callbacks: Sequence[tf.keras.callbacks.Callback] = (),
) -> TrainedModel:
    """Train a model on `interactions`.

    Args:
        interactions: liked items per user; users with fewer than three likes give no
            examples (filter them first with `keep_active_users`).
        config: sizes, optimiser, epochs and seed.
        progress: show Keras's progress bar on the console.
        callbacks: Keras callbacks for `fit` (`make bench-train` evaluates after each epoch).

    Returns:
        The trained model, its per-epoch losses and timings.

    Raises:
        ValueError: there is not a single user with three liked items.
    """
    tf.keras.utils.set_random_seed(config.seed)
    started = time.perf_counter()
    examples = sample_examples(
        interactions,
        per_user=config.examples_per_user,
        pool=config.liked_pool,
        seed=config.seed,
    )
    sampled = time.perf_counter()
    if len(examples) == 0:
        raise ValueError("no user has three liked items: there is nothing to train on")

    model = TwoTowerModel(
        interactions.num_items,
        interactions.users,
        config.embedding_dim,
        item_task_weight=config.item_task_weight,
        item_probability=_next_item_probability(examples, interactions.num_items),
    )
    model.build_tables()
    return fit(
        model,
        examples,
        config,
        sampling_seconds=sampled - started,
        progress=progress,
        callbacks=callbacks,
    )


def fit(
    model: TwoTowerModel,
    examples: Examples,
    config: TrainingConfig,
    *,
    sampling_seconds: float,
    progress: bool = True,
    callbacks: Sequence[tf.keras.callbacks.Callback] = (),
) -> TrainedModel:
    """Compile `model` with the config's optimiser and fit it on `examples` for its epochs."""
    started = time.perf_counter()
    model.compile(optimizer=optimizer(config))
    history = model.fit(
        example_dataset(examples, config),
        epochs=config.epochs,
        # A live bar on a terminal; one line per epoch in logs and pipes.
        verbose=(1 if sys.stdout.isatty() else 2) if progress else 0,
        callbacks=list(callbacks),
    )
    return TrainedModel(
        model=model,
        config=config,
        examples=len(examples),
        losses=tuple(float(x) for x in history.history[LOSS_PER_EXAMPLE]),
        sampling_seconds=sampling_seconds,
        training_seconds=time.perf_counter() - started,
    )


def _next_item_probability(examples: Examples, items: int) -> npt.NDArray[np.float32]:
    """How often each item is an example's fourth item: its chance of being an in-batch
    negative of the item-to-item task, for the logQ correction (never 0: the log is taken)."""
    counts = np.bincount(examples.next_items[examples.has_next], minlength=items)
    return np.asarray((counts + 1) / (counts.sum() + items), dtype=np.float32)


def example_dataset(examples: Examples, config: TrainingConfig) -> tf.data.Dataset:
    """Shuffled batches of {items, user, next item}, reshuffled every epoch from the seed."""
    features = {
        ITEMS_KEY: examples.items,
        USER_KEY: examples.users,
        NEXT_ITEM_KEY: examples.next_items,
        HAS_NEXT_KEY: examples.has_next.astype(np.float32),
    }
    return (
        tf.data.Dataset.from_tensor_slices(features)
        .shuffle(len(examples), seed=config.seed, reshuffle_each_iteration=True)
        .batch(config.batch_size)
        .prefetch(tf.data.AUTOTUNE)
    )


def optimizer(config: TrainingConfig) -> tf.keras.optimizers.Optimizer:
    """The optimiser the config names, at its learning rate."""
    if config.optimizer == "adagrad":
        return tf.keras.optimizers.Adagrad(learning_rate=config.learning_rate)
    return tf.keras.optimizers.Adam(learning_rate=config.learning_rate)
