"""`python -m training.cli`: load a dataset, train, evaluate, export a bundle, optionally publish.

By default a seeded 10% of the eligible users are held out as newcomers (`training.holdout`):
the model is trained without them and evaluated on them, the figures go into the manifest and
a report (`<version>.evaluation.json`, `.md`, `.png`) is written beside the bundle folder.
`--no-evaluate` trains on every user instead.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from training.holdout import Split, split_newcomers
from training.interactions import Interactions, keep_active_users
from training.options import TrainingInputs, add_training_options, training_inputs
from training.report import Report, split_summary, write_report
from training.scoreboard import evaluate_trained

if TYPE_CHECKING:
    from training.train import TrainedModel


def main(argv: list[str] | None = None) -> None:
    """Load, split, train, evaluate, export, report, publish: one step each, in this order;
    prints the bundle folder (and the published version)."""
    args = parse_arguments(argv)
    inputs = training_inputs(args)
    split = newcomer_split(inputs) if args.evaluate else None
    interactions = training_interactions(inputs, split)
    trained = train_model(inputs, interactions, progress=not args.quiet)
    evaluation = evaluate_newcomers(inputs, split, trained) if split is not None else None
    bundle = export_model(inputs, trained, interactions, evaluation, args.out)
    if evaluation is not None:
        write_evaluation(evaluation.report, bundle)
    print(bundle, flush=True)
    if args.publish:
        publish(bundle)


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """The shared training options (`training.options`), --publish and --no-evaluate."""
    parser = argparse.ArgumentParser(description=__doc__.split(":", 1)[-1].strip())
    add_training_options(parser, out_help="folder bundles are written to")
    parser.add_argument(
        "--publish",
        action="store_true",
        help="publish to MODEL_BUCKET / TOP_ITEMS_TABLE and make the bundle live",
    )
    parser.add_argument(
        "--no-evaluate",
        action="store_false",
        dest="evaluate",
        help="train on every user, holding out no newcomers, and skip the evaluation",
    )
    return parser.parse_args(argv)


def newcomer_split(inputs: TrainingInputs) -> Split:
    """The held-out newcomers and the users the model trains on; exits when there are none."""
    try:
        return split_newcomers(
            inputs.loaded.interactions, min_user_likes=inputs.config.min_user_likes
        )
    except ValueError as e:
        sys.exit(f"error: {e} (--no-evaluate trains without an evaluation)")


def training_interactions(inputs: TrainingInputs, split: Split | None) -> Interactions:
    """The split's training users, or every active user without a split; exits when none."""
    config = inputs.config
    if split is None:
        interactions = keep_active_users(inputs.loaded.interactions, config.min_user_likes)
    else:
        interactions = split.train
    if interactions.users == 0:
        sys.exit(f"error: no user in {inputs.data} has {config.min_user_likes} liked items")
    return interactions


def train_model(
    inputs: TrainingInputs, interactions: Interactions, *, progress: bool
) -> TrainedModel:
    """Announce the run and train; TensorFlow loads here, once the data is known to be good."""
    print(
        f"training {inputs.catalog}: {interactions.users} users, {interactions.num_items} "
        f"items, {len(interactions)} likes, preset {inputs.preset!r}",
        flush=True,
    )
    from training.train import train

    return train(interactions, inputs.config, progress=progress)


@dataclass(frozen=True)
class Evaluation:
    """The newcomers' report and how long scoring took."""

    report: Report
    seconds: float


def evaluate_newcomers(inputs: TrainingInputs, split: Split, trained: TrainedModel) -> Evaluation:
    """Score the baselines, the seed design's way (the single nearest user's list) and every
    served strategy over the trained model, on the newcomers."""
    started = time.perf_counter()
    report = Report(
        catalog=inputs.catalog,
        source=inputs.loaded.report.source,
        split=split_summary(split),
        rows=tuple(evaluate_trained(split, inputs.catalog, trained)),
    )
    return Evaluation(report, round(time.perf_counter() - started, 1))


def export_model(
    inputs: TrainingInputs,
    trained: TrainedModel,
    interactions: Interactions,
    evaluation: Evaluation | None,
    out: Path,
) -> Path:
    """Export the bundle, its manifest carrying the preset, the source and the evaluation."""
    from training.export import export_bundle

    figures: dict[str, Any] = {"preset": inputs.preset, "source": inputs.loaded.report.source}
    if evaluation is not None:
        figures["evaluation"] = {
            "split": evaluation.report.split,
            "rows": evaluation.report.to_dict()["rows"],
            "seconds": evaluation.seconds,
        }
    started = time.perf_counter()
    bundle = export_bundle(
        trained, interactions, inputs.config, out, inputs.catalog, extra_training=figures
    )
    print(
        f"trained in {trained.training_seconds:.1f} s "
        f"(final loss {trained.final_loss:.3f} per example), "
        f"exported in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    return bundle


def write_evaluation(report: Report, bundle: Path) -> None:
    """Write the report beside the bundle folder and print its headline figure."""
    paths = write_report(report, bundle.parent, prefix=f"{bundle.name}.")
    default = next(r for r in report.rows if r.default)
    print(
        f"evaluated on {report.split['test_users']} held-out users: {default.name} "
        f"Recall@10 {default.metrics.recall:.4f}; report {paths[1]}",
        flush=True,
    )


def publish(bundle: Path) -> None:
    """Publish with `training.publish` and the environment's settings (imported only if asked)."""
    from edgerec.settings import Settings
    from training.publish import publish_bundle

    version = publish_bundle(bundle, Settings.from_env())
    print(f"published {version}: live", flush=True)


if __name__ == "__main__":
    main()
