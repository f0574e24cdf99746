"""A TFRS BruteForce index built from given embedding tables, saved as training exports it.

`training.export.save_index` saves a trained model's index with it. Benchmarks (and anyone
with embeddings but no model, such as a synthetic 1M-user bundle) build the same SavedModel
here from numpy tables: the same query tower class (the mean of three item rows), the same
`BruteForce` layer, the same traced call and `tf.saved_model.save`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import tensorflow as tf
import tensorflow_recommenders as tfrs

from edgerec.bundle import check_tables
from training.examples import ITEMS_PER_QUERY
from training.model import ItemTripleTower

_INDEX_BATCH = 8192  # users per batch when filling the index


def save_brute_force_index(
    item_embeddings: npt.NDArray[np.float32],
    user_embeddings: npt.NDArray[np.float32],
    user_ids: Sequence[str],
    path: Path,
    *,
    k: int,
) -> None:
    """Save a BruteForce SavedModel that maps (batch, 3) int32 item rows to the `k` nearest
    users' (scores, ids), the same signature `training.export.save_index` writes.

    The item table is used as it is (no per-row normalisation in the tower): bundles store it
    exactly as the query tower sees it, unit rows included when training used cosine.

    Raises:
        ValueError: the tables differ in width, or ids and user rows differ in number.
    """
    check_tables(item_embeddings, user_embeddings, user_ids)
    items, dimensions = item_embeddings.shape
    tower = ItemTripleTower(items, dimensions, name="query_tower")
    tower(tf.zeros((1, ITEMS_PER_QUERY), dtype=tf.int32))  # creates the table
    tower.embedding.set_weights([np.asarray(item_embeddings, dtype=np.float32)])
    index = tfrs.layers.factorized_top_k.BruteForce(
        query_model=tower, k=min(k, user_embeddings.shape[0])
    )
    users = tf.data.Dataset.from_tensor_slices(
        (tf.constant(list(user_ids)), np.asarray(user_embeddings, dtype=np.float32))
    ).batch(_INDEX_BATCH)
    index.index_from_dataset(users)
    index(tf.zeros((1, ITEMS_PER_QUERY), dtype=tf.int32))  # traces the call that is saved
    tf.saved_model.save(index, str(path))
