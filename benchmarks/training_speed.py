"""`make bench-train`: our training pipeline against the seed's, on each real dataset.

"The seed" here is the seed design, this project's original prototype (`benchmarks.seed_training`).

For each dataset, on the evaluation's split (`training.holdout`, the same newcomers):

- the seed's configuration (`benchmarks.seed_training`): the seed preset, examples made by a
  Python loop, `FactorizedTopK` over every user on every step; its wall time (sampling and
  training) and its final Recall@10, answered the seed's way (the single nearest user);
- ours: the default preset, vectorised sampling, no metrics while training; evaluated after
  every epoch (evaluation time not counted), so the wall time at which it first reaches the
  seed's final Recall@10 is known, both with the service's strategy and with the seed's way
  of answering over our model.

Prints a Markdown table and writes everything to `<out>/training.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DATASETS = ("book-crossing", "lastfm-2k")
TARGET_SHARE = 0.1  # ours must reach the seed's quality in a tenth of its wall time
FULL_TRAINING_MINUTES = 15.0


@dataclass
class EpochFigures:
    """Ours after one epoch: training seconds so far (evaluation excluded) and quality."""

    epoch: int
    seconds: float
    served_recall: float
    seed_way_recall: float


@dataclass
class Measured:
    """One dataset's figures."""

    dataset: str
    examples_seed: int = 0
    examples_ours: int = 0
    seed: dict[str, Any] = field(default_factory=dict)
    ours: dict[str, Any] = field(default_factory=dict)
    epochs: list[EpochFigures] = field(default_factory=list)


def quality(split: Any, catalog: str, trained: Any, lists: Any = None) -> tuple[float, float]:
    """(Recall@10 of the service's default strategy, Recall@10 of the seed's way); `lists`,
    the users' lists, depend only on the split and may be reused from an earlier call."""
    from edgerec.settings import DEFAULT_NEIGHBOURS
    from edgerec.strategies import DEFAULT_STRATEGY, strategy_named
    from training.scoreboard import seed_row, served, serving_state, timed_score

    state = serving_state(split, catalog, trained, lists)
    strategy = strategy_named(DEFAULT_STRATEGY)
    served_recall = timed_score(
        split, served(state.catalog, state.lists, DEFAULT_NEIGHBOURS, strategy)
    ).recall
    return served_recall, seed_row(split, state, "").metrics.recall


def epoch_recorder(split: Any, catalog: str, config: Any, out: list[EpochFigures]) -> Any:
    """A Keras callback that scores the model after each epoch, off the training clock."""
    import numpy as np
    import tensorflow as tf

    from training.scoreboard import published_lists
    from training.train import TrainedModel

    class EpochQuality(tf.keras.callbacks.Callback):  # type: ignore[misc]
        def on_train_begin(self, logs: Any = None) -> None:
            self.started = time.perf_counter()
            self.evaluating = 0.0
            self.lists: Any = None  # the users' lists: the same after every epoch

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            began = time.perf_counter()
            snapshot = TrainedModel(
                model=self.model,
                config=config,
                examples=0,
                losses=(),
                sampling_seconds=0.0,
                training_seconds=0.0,
            )
            if self.lists is None:
                self.lists = published_lists(split.train, config.top_items_per_user)
            served_recall, seed_way = quality(split, catalog, snapshot, self.lists)
            out.append(
                EpochFigures(
                    epoch=epoch + 1,
                    seconds=round(began - self.started - self.evaluating, 2),
                    served_recall=float(np.round(served_recall, 4)),
                    seed_way_recall=float(np.round(seed_way, 4)),
                )
            )
            self.evaluating += time.perf_counter() - began

    return EpochQuality()


def first_reaching(epochs: list[EpochFigures], recall: float, attribute: str) -> float | None:
    """Training seconds at the first epoch whose `attribute` reaches `recall`, or None."""
    for figures in epochs:
        if getattr(figures, attribute) >= recall:
            return figures.seconds
    return None


def measure(dataset: str, data: Path, progress: bool) -> Measured:
    """Train the seed's pipeline and ours on `dataset`'s split, and time both."""
    from benchmarks.seed_training import train_seed_pipeline
    from training.config import preset
    from training.datasets import detect_and_load
    from training.holdout import split_newcomers
    from training.train import train

    ours_config, seed_config = preset("default"), preset("seed")
    split = split_newcomers(
        detect_and_load(data / dataset).interactions, min_user_likes=ours_config.min_user_likes
    )
    measured = Measured(dataset)

    print(f"{dataset}: the seed's pipeline ({seed_config.epochs} epochs)", flush=True)
    seed = train_seed_pipeline(split.train, seed_config, progress=progress)
    seed_served, seed_way = quality(split, dataset, seed)
    seed_wall = seed.sampling_seconds + seed.training_seconds
    measured.examples_seed = seed.examples
    measured.seed = {
        "sampling_seconds": round(seed.sampling_seconds, 2),
        "training_seconds": round(seed.training_seconds, 2),
        "wall_seconds": round(seed_wall, 2),
        "examples_per_second": round(seed.examples * seed_config.epochs / seed.training_seconds),
        "recall_seed_way": round(seed_way, 4),
        "recall_served_strategy": round(seed_served, 4),
    }

    print(f"{dataset}: ours ({ours_config.epochs} epochs, scored after each)", flush=True)
    recorder = epoch_recorder(split, dataset, ours_config, measured.epochs)
    ours = train(split.train, ours_config, progress=progress, callbacks=[recorder])
    training_seconds = measured.epochs[-1].seconds
    measured.examples_ours = ours.examples
    reach_served = first_reaching(measured.epochs, seed_way, "served_recall")
    reach_seed_way = first_reaching(measured.epochs, seed_way, "seed_way_recall")
    measured.ours = {
        "sampling_seconds": round(ours.sampling_seconds, 2),
        "training_seconds": training_seconds,
        "wall_seconds": round(ours.sampling_seconds + training_seconds, 2),
        "examples_per_second": round(ours.examples * ours_config.epochs / training_seconds),
        "recall_served_strategy": measured.epochs[-1].served_recall,
        "recall_seed_way": measured.epochs[-1].seed_way_recall,
        "seconds_to_seed_quality_served": _plus(reach_served, ours.sampling_seconds),
        "seconds_to_seed_quality_seed_way": _plus(reach_seed_way, ours.sampling_seconds),
    }
    return measured


def _plus(seconds: float | None, extra: float) -> float | None:
    return None if seconds is None else round(seconds + extra, 2)


def _ratio(part: float | None, whole: float) -> str:
    return "not reached" if part is None else f"{part / whole:.3f}"


def table(results: list[Measured]) -> str:
    """The Markdown table of every dataset, and the targets."""
    lines = [
        "| dataset | pipeline | examples/s | sampling s | training s | wall s | "
        "Recall@10 seed's way | Recall@10 served | to the seed's final Recall@10, s | "
        "that / seed's wall |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    targets = []
    for m in results:
        wall = m.seed["wall_seconds"]
        lines.append(
            f"| {m.dataset} | seed's (seed preset, Python examples, top-k metrics) | "
            f"{m.seed['examples_per_second']:,} | {m.seed['sampling_seconds']} | "
            f"{m.seed['training_seconds']} | {wall} | {m.seed['recall_seed_way']} | "
            f"{m.seed['recall_served_strategy']} | {wall} | 1 |"
        )
        served = m.ours["seconds_to_seed_quality_served"]
        seed_way = m.ours["seconds_to_seed_quality_seed_way"]
        lines.append(
            f"| {m.dataset} | ours (default preset) | {m.ours['examples_per_second']:,} | "
            f"{m.ours['sampling_seconds']} | {m.ours['training_seconds']} | "
            f"{m.ours['wall_seconds']} | {m.ours['recall_seed_way']} | "
            f"{m.ours['recall_served_strategy']} | served {served}, seed's way {seed_way} | "
            f"{_ratio(served, wall)}, {_ratio(seed_way, wall)} |"
        )
        reached = served is not None and served <= TARGET_SHARE * wall
        targets.append(
            f"- {m.dataset}: ours reaches the seed's final Recall@10 "
            f"({m.seed['recall_seed_way']}) in {served} s, "
            f"{_ratio(served, wall)} of the seed's {wall} s "
            f"({'meets' if reached else 'misses'} the 1/10 target); full training "
            f"{m.ours['wall_seconds']} s "
            f"({'under' if m.ours['wall_seconds'] < FULL_TRAINING_MINUTES * 60 else 'over'} "
            f"{FULL_TRAINING_MINUTES:g} minutes)."
        )
    per_epoch = ["", "Ours, after each epoch (training seconds so far, Recall@10):", ""]
    for m in results:
        per_epoch.append(
            f"- {m.dataset}: "
            + "; ".join(
                f"epoch {e.epoch} at {e.seconds} s: served {e.served_recall}, "
                f"seed's way {e.seed_way_recall}"
                for e in m.epochs
            )
        )
    return "\n".join([*lines, "", *targets, *per_epoch])


def main(argv: list[str] | None = None) -> None:
    """Measure each dataset, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS))
    parser.add_argument("--out", type=Path, default=REPO / ".bench")
    parser.add_argument("--progress", action="store_true", help="Keras progress bars")
    args = parser.parse_args(argv)
    missing = [d for d in args.datasets if not (args.data / d).is_dir()]
    if missing:
        sys.exit(f"error: no dataset folder {', '.join(missing)} in {args.data}")
    started = time.perf_counter()
    results = [measure(d, args.data, args.progress) for d in args.datasets]
    report = table(results)
    print(report, flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "training.json"
    path.write_text(
        json.dumps(
            {
                "command": "make bench-train",
                "cpu_count": os.cpu_count(),
                "load_average": os.getloadavg(),
                "total_seconds": round(time.perf_counter() - started, 1),
                "results": [
                    {**m.__dict__, "epochs": [e.__dict__ for e in m.epochs]} for m in results
                ],
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(path, flush=True)


if __name__ == "__main__":
    main()
