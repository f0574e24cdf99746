"""The scoreboard on synthetic data whose planted taste groups the model must recover."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from training.config import preset
from training.datasets import detect_and_load
from training.holdout import K, Split, split_newcomers
from training.synthetic import PlantedTaste, planted_taste, write_songs

pytestmark = pytest.mark.tensorflow

USERS, ITEMS, SEED = 1200, 240, 5  # 120 newcomers: enough to measure, trains in seconds


@dataclass(frozen=True)
class Evaluated:
    split: Split
    planted: PlantedTaste
    trained: Any
    rows: list[Any]


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory, tensorflow: Any) -> Evaluated:
    """Synthetic songs: newcomers held out, the smoke preset trained, every row scored."""
    from training.scoreboard import evaluate_trained
    from training.train import train

    data = write_songs(tmp_path_factory.mktemp("songs"), users=USERS, items=ITEMS, seed=SEED)
    config = preset("smoke")
    split = split_newcomers(detect_and_load(data).interactions, min_user_likes=3)
    trained = train(split.train, config, progress=False)
    rows = evaluate_trained(split, "songs", trained)
    planted = planted_taste("songs", users=USERS, items=ITEMS, seed=SEED)
    return Evaluated(split, planted, trained, rows)


def row(evaluated: Evaluated, start: str) -> Any:
    return next(r for r in evaluated.rows if r.name.startswith(start))


def test_the_served_strategy_finds_newcomers_liked_songs_far_above_chance(evaluated):
    served = row(evaluated, "served: votes")
    # Ten random songs of 240 find about 10/240 of a newcomer's other songs.
    chance = K / evaluated.split.train.num_items

    assert served.default
    assert served.metrics.users == evaluated.split.tests >= 100
    assert served.metrics.recall > 6 * chance
    assert served.metrics.hit_rate > 0.8


def test_recommendations_come_from_the_newcomers_own_planted_taste_group(evaluated):
    from edgerec.strategies import strategy_named
    from training.scoreboard import published_lists, served, serving_catalog

    split, planted, trained = evaluated.split, evaluated.planted, evaluated.trained
    catalog = serving_catalog(
        "songs", split.train, trained.item_embeddings(), trained.user_embeddings()
    )
    reader = published_lists(split.train, trained.config.top_items_per_user)
    answers = served(catalog, reader, 100, strategy_named("votes"))(split.queries)
    item_group = dict(zip(planted.item_ids, planted.item_groups.tolist(), strict=True))
    user_group = dict(zip(planted.user_ids, planted.user_groups.tolist(), strict=True))
    groups = np.array([item_group[i] for i in split.train.item_ids.tolist()])
    own = groups[answers] == np.array([user_group[u] for u in split.test_user_ids])[:, None]

    assert own.mean() > 0.6  # chance: 1/8; queries mix groups as a fifth of likes do


def test_the_served_strategy_beats_the_seed_designs_way_and_the_baselines(evaluated):
    served = row(evaluated, "served: votes").metrics.recall

    assert served > row(evaluated, "most popular").metrics.recall
    assert served > row(evaluated, "seed's way").metrics.recall
    assert served >= 0.9 * row(evaluated, "co-occurrence").metrics.recall
