"""Score every recommender on a held-out split (`training.holdout`), as report rows.

The rows: the most popular items; item co-occurrence; the seed design's way (the seed design
is the original prototype, which answered with the single nearest user's list); and every
strategy the service offers, run by the service's own code (`edgerec.recommend.recommend`)
over a trained model, with the users' top-item lists read from memory instead of DynamoDB.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from edgerec.bundle import Bundle
from edgerec.recommend import recommend
from edgerec.served_catalog import ServedCatalog
from edgerec.settings import DEFAULT_NEIGHBOURS
from edgerec.strategies import DEFAULT_STRATEGY, STRATEGIES, Strategy, strategy_named
from edgerec.top_items import InMemoryTopItems
from training.baselines import co_occurrence, most_popular
from training.holdout import K, Metrics, Recommender, Split, score
from training.interactions import IndexArray, Interactions, user_top_items
from training.report import Row

if TYPE_CHECKING:
    from training.train import TrainedModel

SEED_NEIGHBOURS = 1  # the original prototype answered with the single nearest user's list
SEED_STRATEGY = "shares"  # with one neighbour: that user's list, best first


def serving_catalog(
    catalog: str,
    interactions: Interactions,
    item_embeddings: npt.NDArray[np.float32],
    user_embeddings: npt.NDArray[np.float32],
) -> ServedCatalog:
    """The catalog serving would load from this model's bundle, built in memory."""
    bundle = Bundle.in_memory(
        catalog=catalog,
        model_version="evaluation",
        item_embeddings=item_embeddings,
        user_embeddings=user_embeddings,
        items=interactions.items,
        user_ids=interactions.user_ids.tolist(),
    )
    return ServedCatalog(bundle)


def published_lists(interactions: Interactions, top: int) -> InMemoryTopItems:
    """The training users' top-item lists as export publishes them, held in memory."""
    return InMemoryTopItems.from_rows(user_top_items(interactions, top))


def served(
    catalog: ServedCatalog, reader: InMemoryTopItems, neighbours: int, strategy: Strategy
) -> Recommender:
    """The service's answers (`edgerec.recommend.recommend`) as an evaluation recommender."""
    ids = [item.id for item in catalog.items]
    index = catalog.item_rows

    def answer(queries: IndexArray) -> npt.NDArray[np.int64]:
        out = np.full((queries.shape[0], K), -1, dtype=np.int64)
        for row, query in enumerate(queries.tolist()):
            given = recommend(
                catalog, [ids[r] for r in query], K, reader, neighbours, strategy
            ).items
            out[row, : len(given)] = [index[s.item.id] for s in given]
        return out

    return answer


def timed_score(split: Split, recommender: Recommender) -> Metrics:
    """Answer every test query with `recommender` and score the answers."""
    started = time.perf_counter()
    answers = recommender(split.queries)
    return score(split, answers, seconds=time.perf_counter() - started)


def baseline_rows(split: Split) -> list[Row]:
    """Most popular and co-occurrence, scored on `split`."""
    return [
        Row(
            "most popular",
            "the most liked items, the same for everyone",
            timed_score(split, most_popular(split.train)),
        ),
        Row(
            "co-occurrence",
            "items most often liked by the users who liked the picked ones",
            timed_score(split, co_occurrence(split.train)),
        ),
    ]


@dataclass(frozen=True)
class ServingState:
    """What serving would hold for one trained model: its catalog and the users' lists."""

    catalog: ServedCatalog
    lists: InMemoryTopItems


def serving_state(
    split: Split,
    catalog_name: str,
    trained: TrainedModel,
    lists: InMemoryTopItems | None = None,
) -> ServingState:
    """The model's catalog, built in memory, with the training users' lists; `lists` (which
    depend on the data, not the model) may be passed on from another model's state."""
    catalog = serving_catalog(
        catalog_name, split.train, trained.item_embeddings(), trained.user_embeddings()
    )
    if lists is None:
        lists = published_lists(split.train, trained.config.top_items_per_user)
    return ServingState(catalog, lists)


def model_rows(
    split: Split, state: ServingState, *, neighbours: int = DEFAULT_NEIGHBOURS
) -> list[Row]:
    """Every strategy the service offers, run by the service's code over the model of
    `state`; the service's default strategy's row is marked as such."""
    rows = []
    for name, strategy in STRATEGIES.items():
        k = f", {neighbours} neighbours" if strategy.reads_lists else ""
        default = name == DEFAULT_STRATEGY
        rows.append(
            Row(
                f"served: {name}{k}{' (service default)' if default else ''}",
                strategy.description,
                timed_score(split, served(state.catalog, state.lists, neighbours, strategy)),
                kind="served",
                default=default,
            )
        )
    return rows


def seed_row(split: Split, state: ServingState, label: str) -> Row:
    """The seed design's way: the single nearest user's list, by the service's code."""
    strategy = strategy_named(SEED_STRATEGY)
    return Row(
        f"seed's way{label}",
        "the single nearest user's top items, best first",
        timed_score(split, served(state.catalog, state.lists, SEED_NEIGHBOURS, strategy)),
        kind="seed",
    )


def evaluate_trained(
    split: Split,
    catalog_name: str,
    trained: TrainedModel,
    *,
    neighbours: int = DEFAULT_NEIGHBOURS,
) -> list[Row]:
    """The rows `training.cli` reports for the one model it trains: the baselines, the seed
    design's way of answering (the single nearest user's list, over this model, not the seed
    preset's), every strategy."""
    state = serving_state(split, catalog_name, trained)
    return [
        *baseline_rows(split),
        seed_row(split, state, " (this model)"),
        *model_rows(split, state, neighbours=neighbours),
    ]
