"""The two-tower retrieval model: three liked items (averaged) on one side, users on the other."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import tensorflow as tf
import tensorflow_recommenders as tfrs

from training.examples import ITEMS_PER_QUERY

ITEMS_KEY = "items"  # feature name of the (batch, 3) item rows
USER_KEY = "user"  # feature name of the (batch,) user rows
NEXT_ITEM_KEY = "next_item"  # feature name of the (batch,) rows of a fourth liked item
HAS_NEXT_KEY = "has_next"  # feature name of the (batch,) 1.0 where there is a fourth item
LOSS_PER_EXAMPLE = "loss_per_example"  # the metric training reports per epoch


class ItemTripleTower(tf.keras.Model):  # type: ignore[misc]
    """Query tower: the mean of the embeddings of three item rows, shape (batch, 3) → (batch, d).

    Serving computes exactly this with numpy (the mean of three rows of the exported table),
    so the tower must stay a plain lookup and mean.
    """

    def __init__(self, items: int, dimensions: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embedding = tf.keras.layers.Embedding(items, dimensions, name="item_embedding")

    def call(self, item_rows: tf.Tensor) -> tf.Tensor:
        """Average the three items' embeddings."""
        return tf.reduce_mean(self.embedding(item_rows), axis=1)


class UserTower(tf.keras.Model):  # type: ignore[misc]
    """Candidate tower: one embedding per user row, shape (batch,) → (batch, d)."""

    def __init__(self, users: int, dimensions: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.embedding = tf.keras.layers.Embedding(users, dimensions, name="user_embedding")

    def call(self, user_rows: tf.Tensor) -> tf.Tensor:
        """Look up the users' embeddings."""
        return self.embedding(user_rows)


class TwoTowerModel(tfrs.Model):  # type: ignore[misc]
    """Retrieval of users from three liked items, trained with an in-batch softmax.

    With `item_task_weight` > 0 a second task shares the item table: the same query must also
    pick the user's fourth liked item among the batch's fourth items. It keeps item vectors
    about what people like together rather than about which one user they identify, which
    makes the nearest users better neighbours for newcomers (docs/evaluation.md). A popular
    item is an in-batch negative more often than a rare one, which would push it down; the log
    of each item's sampling probability is subtracted from its logit to undo that (the "logQ"
    correction).

    No FactorizedTopK metrics: computing them scores every candidate on every step, which is
    what made the seed design's (the original prototype's) training slow. Evaluation is done
    once, after training.
    """

    def __init__(
        self,
        items: int,
        users: int,
        dimensions: int,
        *,
        item_task_weight: float = 0.0,
        item_probability: npt.NDArray[np.float32] | None = None,
    ) -> None:
        super().__init__()
        self.query_tower = ItemTripleTower(items, dimensions, name="query_tower")
        self.candidate_tower = UserTower(users, dimensions, name="candidate_tower")
        # A user with several triples in one batch is not their own negative; nor is an item.
        self.task = tfrs.tasks.Retrieval(remove_accidental_hits=True)
        self.item_task = tfrs.tasks.Retrieval(remove_accidental_hits=True)
        self.item_task_weight = item_task_weight
        probability = np.full(items, 1.0 / items, dtype=np.float32)
        if item_probability is not None:
            probability = np.asarray(item_probability, dtype=np.float32)
        self.item_probability = tf.constant(probability)
        # TFRS reports each batch's summed loss; this is the epoch's mean loss per example,
        # comparable across batch sizes and not skewed by a short last batch.
        self.loss_per_example = tf.keras.metrics.Mean(name=LOSS_PER_EXAMPLE)

    def compute_loss(self, features: dict[str, tf.Tensor], training: bool = False) -> tf.Tensor:
        """The loss of a batch of (three item rows, user row, fourth item row) examples."""
        queries = self.query_tower(features[ITEMS_KEY])
        candidates = self.candidate_tower(features[USER_KEY])
        loss = self.task(
            queries,
            candidates,
            candidate_ids=features[USER_KEY],
            compute_metrics=False,
            compute_batch_metrics=False,
        )
        if self.item_task_weight > 0:
            next_items = features[NEXT_ITEM_KEY]
            loss += self.item_task_weight * self.item_task(
                queries,
                self.query_tower.embedding(next_items),
                sample_weight=features[HAS_NEXT_KEY],
                candidate_sampling_probability=tf.gather(self.item_probability, next_items),
                candidate_ids=next_items,
                compute_metrics=False,
                compute_batch_metrics=False,
            )
        batch = tf.cast(tf.shape(queries)[0], tf.float32)
        self.loss_per_example.update_state(loss / batch, sample_weight=batch)
        return loss

    def build_tables(self) -> None:
        """Create both embedding tables now, so they can be read or set before training."""
        self.query_tower(tf.zeros((1, ITEMS_PER_QUERY), dtype=tf.int32))
        self.candidate_tower(tf.zeros((1,), dtype=tf.int32))

    def item_embeddings(self) -> Any:
        """The query tower's table as numpy, float32 (items, d)."""
        return self.query_tower.embedding.embeddings.numpy()

    def user_embeddings(self) -> Any:
        """The candidate tower's table as numpy, float32 (users, d)."""
        return self.candidate_tower.embedding.embeddings.numpy()
