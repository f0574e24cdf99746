"""`python -m training.evaluate`: hold out newcomers, train, and score every recommender.

Two models are trained on the same split (`training.holdout`): the seed preset's (the seed
design, the original prototype: 24 dimensions, Adagrad 0.1, batch 4096) for the seed row, and
the chosen preset's for the served rows. `training.scoreboard` scores them and the baselines;
the report (`<catalog>-evaluation.json`, `.md`, `.png`) goes to --out.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edgerec.settings import DEFAULT_NEIGHBOURS
from training.config import PRESETS, TrainingConfig, preset
from training.holdout import Split, split_newcomers
from training.options import TrainingInputs, add_training_options, training_inputs
from training.report import Report, Row, split_summary, write_report
from training.scoreboard import baseline_rows, model_rows, seed_row, serving_state

if TYPE_CHECKING:
    from training.train import TrainedModel

SEED_PRESET = "seed"


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, split, train the seed preset and the chosen one, write the report."""
    args = parse_arguments(argv)
    inputs = training_inputs(args)
    seed_config = preset(args.seed_preset)
    split = held_out_split(inputs, seed_config)
    print(f"evaluating {inputs.catalog}: {split_summary(split)}", flush=True)
    scored = score_presets(split, inputs, seed_config, args)
    report = evaluation_report(split, inputs, scored, argv)
    show_report(report, args.out)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The shared training options (`training.options`), the seed row's preset, neighbours."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0].split(":", 1)[-1])
    add_training_options(parser, out_help="folder the report goes to")
    parser.add_argument(
        "--seed-preset",
        default=SEED_PRESET,
        choices=sorted(PRESETS),
        help="preset of the seed design's row, the original prototype's way of answering "
        "(default: seed)",
    )
    parser.add_argument(
        "--neighbours",
        type=int,
        default=DEFAULT_NEIGHBOURS,
        help=f"nearest users per answer, as NEIGHBOURS (default {DEFAULT_NEIGHBOURS})",
    )
    return parser.parse_args(argv)


def held_out_split(inputs: TrainingInputs, seed_config: TrainingConfig) -> Split:
    """The newcomer split both models train on; exits when there is none or the presets
    would cut the training users differently."""
    try:
        split = split_newcomers(
            inputs.loaded.interactions, min_user_likes=inputs.config.min_user_likes
        )
    except ValueError as e:
        sys.exit(f"error: {e}")
    if seed_config.min_user_likes != inputs.config.min_user_likes:
        sys.exit("error: both presets must keep the same min_user_likes (the same split)")
    return split


@dataclass(frozen=True)
class Scored:
    """The report's rows and the two models they came from."""

    rows: list[Row]
    seed_preset: str
    seed_model: TrainedModel
    model: TrainedModel


def score_presets(
    split: Split, inputs: TrainingInputs, seed_config: TrainingConfig, args: argparse.Namespace
) -> Scored:
    """The baselines, then the seed preset's model answering the seed design's way (the
    single nearest user's list), then the chosen preset's model with every strategy."""
    rows = baseline_rows(split)
    from training.train import train  # TensorFlow loads only once the data is good

    seed_model = train(split.train, seed_config, progress=not args.quiet)
    seed_state = serving_state(split, inputs.catalog, seed_model)
    rows.append(seed_row(split, seed_state, f" ({args.seed_preset} preset)"))
    model = train(split.train, inputs.config, progress=not args.quiet)
    same_lists = seed_config.top_items_per_user == inputs.config.top_items_per_user
    lists = seed_state.lists if same_lists else None
    state = serving_state(split, inputs.catalog, model, lists)
    rows += model_rows(split, state, neighbours=args.neighbours)
    return Scored(rows, args.seed_preset, seed_model, model)


def evaluation_report(
    split: Split, inputs: TrainingInputs, scored: Scored, argv: list[str] | None
) -> Report:
    """The report of both models, with how each was trained and the command that made it."""
    return Report(
        catalog=inputs.catalog,
        source=inputs.loaded.report.source,
        split=split_summary(split),
        rows=tuple(scored.rows),
        training={
            "served_rows_preset": inputs.preset,
            "seed_row_preset": scored.seed_preset,
            scored.seed_preset: training_figures(scored.seed_model),
            inputs.preset: training_figures(scored.model),
        },
        commands=(" ".join(["python -m training.evaluate", *(argv or sys.argv[1:])]),),
    )


def training_figures(trained: TrainedModel) -> dict[str, Any]:
    """What a report says about one training run."""
    return {
        "config": trained.config.to_dict(),
        "examples": trained.examples,
        "losses": [round(x, 4) for x in trained.losses],
        "sampling_seconds": round(trained.sampling_seconds, 1),
        "training_seconds": round(trained.training_seconds, 1),
    }


def show_report(report: Report, out: Path) -> None:
    """Write the report's files into `out`, print its Markdown and the files' paths."""
    paths = write_report(report, out, prefix=f"{report.catalog}-")
    print(Path(paths[1]).read_text(encoding="utf-8"), flush=True)
    for path in paths:
        print(path, flush=True)


if __name__ == "__main__":
    main()
