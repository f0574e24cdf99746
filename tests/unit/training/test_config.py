"""Training configuration presets and validation."""

from __future__ import annotations

import pytest

from training.config import PRESETS, TrainingConfig, preset


def test_the_seed_preset_is_the_original_design():
    seed = preset("seed")

    assert (seed.embedding_dim, seed.optimizer, seed.learning_rate, seed.batch_size) == (
        24,
        "adagrad",
        0.1,
        4096,
    )
    assert (seed.epochs, seed.item_task_weight) == (8, 0.0)


def test_presets_include_default_and_smoke():
    assert {"seed", "default", "smoke"} <= set(PRESETS)
    assert preset("smoke").epochs <= preset("default").epochs


def test_overrides_replace_only_the_named_values():
    config = preset("default", epochs=2)

    assert config.epochs == 2
    assert config.embedding_dim == preset("default").embedding_dim


def test_an_unknown_preset_is_refused_with_the_known_ones_listed():
    with pytest.raises(ValueError, match="known presets: seed, default, smoke"):
        preset("huge")


@pytest.mark.parametrize(
    "values", [{"embedding_dim": 0}, {"top_items_per_user": 51}, {"min_user_likes": 2}]
)
def test_invalid_values_are_refused_by_name(values):
    with pytest.raises(ValueError, match=next(iter(values))):
        TrainingConfig(**values)


def test_the_config_serialises_to_plain_values():
    assert preset("default").to_dict()["optimizer"] == "adam"
