"""Training configuration: one frozen dataclass with commented defaults, and named presets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from edgerec.top_items import MAX_TOP_ITEMS

Optimizer = Literal["adam", "adagrad"]


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that decides what a training run produces; stored in the bundle manifest."""

    # Width of both towers. 64 separates a few thousand users' tastes well and keeps a
    # bundle of 100k users under 30 MB of float32.
    embedding_dim: int = 64
    # Adam converges in a handful of epochs on sparse embedding gradients; Adagrad (the seed
    # design's: the original prototype's) needs many more at the same learning rate.
    optimizer: Optimizer = "adam"
    learning_rate: float = 0.01
    # In-batch softmax: every other example's user in a batch is a negative, so larger
    # batches give harder negatives, until a batch no longer fits comfortably in memory.
    batch_size: int = 1024
    # After three epochs the model only memorises which user each triple came from: on
    # Book-Crossing's newcomers Recall@10 was 0.042, 0.044 and 0.039 after 2, 3 and 8 epochs.
    epochs: int = 3
    # Weight of the item-to-item task (three items → a fourth item the same user liked),
    # which shares the item table; 0 trains only the users task, as the seed design (the
    # original prototype) did. It
    # makes the nearest users better neighbours for newcomers: Recall@10 0.044 → 0.046 (1.0)
    # and 0.046 (3.0) on Book-Crossing, 0.40 → 0.42 on Last.fm.
    item_task_weight: float = 3.0
    # Triples sampled per user and epoch-independent: 3 of a user's best liked items → that
    # user. More triples per user cover more of the user's items.
    examples_per_user: int = 24
    # Triples are drawn from each user's best `liked_pool` items only: the rest are weak
    # signals (a 5/10 book, one play).
    liked_pool: int = 50
    # Users with fewer likes cannot give a triple; they are left out of training and export.
    min_user_likes: int = 3
    # Length of each user's published list (the bundle contract allows MAX_TOP_ITEMS).
    top_items_per_user: int = 50
    # Default k of the exported BruteForce index.
    index_k: int = 10
    # Seeds numpy sampling and TensorFlow initialisation and shuffling.
    seed: int = 42

    def __post_init__(self) -> None:
        checks = {
            "embedding_dim": self.embedding_dim >= 1,
            "learning_rate": self.learning_rate > 0,
            "batch_size": self.batch_size >= 2,
            "epochs": self.epochs >= 1,
            "item_task_weight": self.item_task_weight >= 0,
            "examples_per_user": self.examples_per_user >= 1,
            "liked_pool": self.liked_pool >= 3,
            "min_user_likes": self.min_user_likes >= 3,
            "top_items_per_user": 1 <= self.top_items_per_user <= MAX_TOP_ITEMS,
            "index_k": self.index_k >= 1,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise ValueError(f"invalid training configuration values: {', '.join(bad)}")
        if self.optimizer not in ("adam", "adagrad"):
            raise ValueError(f"optimizer must be 'adam' or 'adagrad', not {self.optimizer!r}")

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON values, for the manifest."""
        return asdict(self)


PRESETS: dict[str, TrainingConfig] = {
    # The seed design, this project's original prototype, kept to compare against: 24
    # dimensions, Adagrad 0.1, batch 4096, 8 epochs, users task only.
    "seed": TrainingConfig(
        embedding_dim=24,
        optimizer="adagrad",
        learning_rate=0.1,
        batch_size=4096,
        epochs=8,
        item_task_weight=0.0,
    ),
    "default": TrainingConfig(),
    # For tests: tiny, a few seconds on two cores, still enough to separate planted groups.
    "smoke": TrainingConfig(
        embedding_dim=16, batch_size=256, epochs=3, examples_per_user=12, liked_pool=30
    ),
}


def preset(name: str, **overrides: Any) -> TrainingConfig:
    """A named preset, optionally with some values replaced.

    Raises:
        ValueError: the preset is unknown (the message lists the known ones).
    """
    try:
        base = PRESETS[name]
    except KeyError:
        raise ValueError(
            f"unknown training preset {name!r}; known presets: {', '.join(PRESETS)}"
        ) from None
    return replace(base, **overrides) if overrides else base
