"""`python -m training.evaluate`: hold out newcomers, train, and score every recommender.

Two models are trained on the same split (`training.holdout`): the seed preset's for the seed
row, and the chosen preset's for the served rows. `training.scoreboard` scores them and the
baselines; the report (`<catalog>-evaluation.json`, `.md`, `.png`) goes to --out.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgerec.settings import DEFAULT_NEIGHBOURS
from training.config import PRESETS, preset
from training.holdout import split_newcomers
from training.report import Report, split_summary, write_report
from training.scoreboard import baseline_rows, model_rows, seed_row, serving_state

if TYPE_CHECKING:
    from training.train import TrainedModel

SEED_PRESET = "seed"


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
