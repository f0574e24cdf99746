"""`python -m training.evaluate`: hold out newcomers, train, and score every recommender.

The rows of the report: the most popular items; item co-occurrence; the seed design's way
(its preset's model, the single nearest user's list); and every strategy the service offers,
run by the service's own code (`edgerec.recommend.recommend`) over the trained model, with the
users' top-item lists read from memory instead of DynamoDB.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from edgerec.bundle import Bundle
from edgerec.recommend import recommend
from edgerec.served_catalog import ServedCatalog
from edgerec.settings import DEFAULT_NEIGHBOURS
from edgerec.strategies import DEFAULT_STRATEGY, STRATEGIES, Strategy, strategy_named
from edgerec.top_items import InMemoryTopItems
from training.baselines import co_occurrence, most_popular
from training.config import PRESETS, preset
from training.evaluation import K, Recommender, Split, score, split_newcomers
from training.interactions import IndexArray, Interactions, user_top_items
from training.report import Report, Row, split_summary, write_report

if TYPE_CHECKING:
    from training.train import TrainedModel

SEED_PRESET = "seed"
SEED_NEIGHBOURS = 1  # the seed design answered with the single nearest user's list
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


def timed_score(split: Split, recommender: Recommender) -> Any:
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
    design's way of answering (over this model, not the seed preset's), every strategy."""
    state = serving_state(split, catalog_name, trained)
    return [
        *baseline_rows(split),
        seed_row(split, state, " (this model)"),
        *model_rows(split, state, neighbours=neighbours),
    ]


def training_figures(trained: TrainedModel) -> dict[str, Any]:
    """What a report says about one training run."""
    return {
        "config": trained.config.to_dict(),
        "examples": trained.examples,
        "losses": [round(x, 4) for x in trained.losses],
        "sampling_seconds": round(trained.sampling_seconds, 1),
        "training_seconds": round(trained.training_seconds, 1),
    }


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, split, train the seed preset and the chosen one, write the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0].split(":", 1)[-1])
    parser.add_argument("--catalog", required=True, help="catalog name, such as books or songs")
    parser.add_argument("--data", type=Path, required=True, help="folder holding the dataset")
    parser.add_argument("--out", type=Path, required=True, help="folder the report goes to")
    parser.add_argument("--preset", default="default", choices=sorted(PRESETS))
    parser.add_argument(
        "--seed-preset",
        default=SEED_PRESET,
        choices=sorted(PRESETS),
        help="preset of the seed design's row (default: seed)",
    )
    parser.add_argument("--epochs", type=int, help="override the preset's epochs")
    parser.add_argument("--min-weight", type=float, help="least weight that counts as a like")
    parser.add_argument(
        "--neighbours",
        type=int,
        default=DEFAULT_NEIGHBOURS,
        help=f"nearest users per answer, as NEIGHBOURS (default {DEFAULT_NEIGHBOURS})",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from training.datasets import detect_and_load

    overrides = {"epochs": args.epochs} if args.epochs is not None else {}
    try:
        config = preset(args.preset, **overrides)
        seed_config = preset(args.seed_preset)
        loaded = detect_and_load(args.data, min_weight=args.min_weight)
        split = split_newcomers(loaded.interactions, min_user_likes=config.min_user_likes)
    except (ValueError, OSError) as e:
        sys.exit(f"error: {e}")
    if seed_config.min_user_likes != config.min_user_likes:
        sys.exit("error: both presets must keep the same min_user_likes (the same split)")
    summary = split_summary(split)
    print(f"evaluating {args.catalog}: {summary}", flush=True)

    rows = baseline_rows(split)
    from training.train import train  # TensorFlow loads only once the data is good

    seed_model = train(split.train, seed_config, progress=not args.quiet)
    seed_state = serving_state(split, args.catalog, seed_model)
    rows.append(seed_row(split, seed_state, f" ({args.seed_preset} preset)"))
    model = train(split.train, config, progress=not args.quiet)
    same_lists = seed_config.top_items_per_user == config.top_items_per_user
    state = serving_state(split, args.catalog, model, seed_state.lists if same_lists else None)
    rows += model_rows(split, state, neighbours=args.neighbours)
    report = Report(
        catalog=args.catalog,
        source=loaded.report.source,
        split=summary,
        rows=tuple(rows),
        training={
            "served_rows_preset": args.preset,
            "seed_row_preset": args.seed_preset,
            args.seed_preset: training_figures(seed_model),
            args.preset: training_figures(model),
        },
        commands=(" ".join(["python -m training.evaluate", *(argv or sys.argv[1:])]),),
    )
    paths = write_report(report, args.out, prefix=f"{args.catalog}-")
    print(Path(paths[1]).read_text(encoding="utf-8"), flush=True)
    for path in paths:
        print(path, flush=True)


if __name__ == "__main__":
    main()
