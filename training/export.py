"""Export a trained model as a versioned bundle: SavedModel index, user lists, serving files."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from edgerec.bundle import SAVED_MODEL, TOP_ITEMS, new_model_version, write_bundle
from edgerec.top_items import write_top_items_file
from training.bruteforce_index import save_brute_force_index
from training.config import TrainingConfig
from training.interactions import Interactions, user_top_items
from training.train import TrainedModel


def export_bundle(
    trained: TrainedModel,
    interactions: Interactions,
    config: TrainingConfig,
    out_dir: Path,
    catalog: str,
    *,
    extra_training: dict[str, Any] | None = None,
) -> Path:
    """Write a complete bundle folder `<out_dir>/<catalog>/<model_version>`.

    The folder is assembled under a hidden name and renamed when complete, so a folder with a
    model version as its name is always a whole bundle.

    Args:
        trained: the model `train` returned for these `interactions`.
        interactions: the data it was trained on (id maps, catalog, each user's likes).
        config: the configuration it was trained with (stored in the manifest).
        out_dir: where bundles are kept.
        catalog: the catalog's name, such as "books".
        extra_training: more figures for the manifest's `training` section.

    Returns:
        The bundle folder.

    Raises:
        ValueError: the model's tables do not match the interactions.
    """
    item_embeddings, user_embeddings = _tables(trained, interactions)
    started = time.perf_counter()
    version = new_model_version()
    final = out_dir / catalog / version
    partial = out_dir / catalog / f".{version}.partial"
    partial.mkdir(parents=True)
    try:
        save_index(trained, interactions, partial / SAVED_MODEL, k=config.index_k)
        write_top_items_file(
            partial / TOP_ITEMS, user_top_items(interactions, config.top_items_per_user)
        )
        figures = _training_figures(trained, interactions, config, started, extra_training)
        write_bundle(
            partial,
            catalog=catalog,
            model_version=version,
            item_embeddings=item_embeddings,
            user_embeddings=user_embeddings,
            items=interactions.items,
            user_ids=interactions.user_ids.tolist(),
            training=figures,
        )
        partial.rename(final)
    finally:
        if partial.exists():  # only when something above failed
            shutil.rmtree(partial, ignore_errors=True)
    return final


def _tables(
    trained: TrainedModel, interactions: Interactions
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """The model's item and user tables, checked to have a row per item and user of the data.

    Raises:
        ValueError: a table's rows do not match the interactions.
    """
    item_embeddings = trained.item_embeddings()
    user_embeddings = trained.user_embeddings()
    if item_embeddings.shape[0] != interactions.num_items:
        raise ValueError(
            f"model has {item_embeddings.shape[0]} item rows, data {interactions.num_items}"
        )
    if user_embeddings.shape[0] != interactions.users:
        raise ValueError(
            f"model has {user_embeddings.shape[0]} user rows, data {interactions.users}"
        )
    return item_embeddings, user_embeddings


def _training_figures(
    trained: TrainedModel,
    interactions: Interactions,
    config: TrainingConfig,
    export_started: float,
    extra: dict[str, Any] | None,
) -> dict[str, Any]:
    """The manifest's `training` section: configuration, losses, sizes and times."""
    return {
        "config": config.to_dict(),
        "final_loss": trained.final_loss,
        "losses": list(trained.losses),
        "examples": trained.examples,
        "interactions": len(interactions),
        "sampling_seconds": round(trained.sampling_seconds, 3),
        "training_seconds": round(trained.training_seconds, 3),
        "export_seconds": round(time.perf_counter() - export_started, 3),
        "tensorflow": tf.__version__,
        **(extra or {}),
    }


def save_index(trained: TrainedModel, interactions: Interactions, path: Path, *, k: int) -> None:
    """Save a TFRS BruteForce index as a SavedModel.

    Loaded with `tf.saved_model.load`, it maps int32 item rows of shape (batch, 3) to
    (scores, user ids) of the `k` nearest users (fewer if there are fewer users).
    """
    save_brute_force_index(
        trained.item_embeddings(),
        trained.user_embeddings(),
        interactions.user_ids.tolist(),
        path,
        k=k,
    )
