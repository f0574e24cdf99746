"""The evaluation report: one JSON file with everything, a Markdown table and a PNG plot."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.holdout import K, Metrics, Split

JSON_NAME = "evaluation.json"
MARKDOWN_NAME = "evaluation.md"
PLOT_NAME = "evaluation.png"


@dataclass(frozen=True)
class Row:
    """One recommender's line of the report."""

    name: str  # short and stable, such as "co-occurrence" or "served: votes"
    description: str  # what it does, for a reader who has not seen the code
    metrics: Metrics
    kind: str = "baseline"  # "baseline", "seed" or "served"
    default: bool = False  # the strategy the service answers with unless told otherwise


@dataclass(frozen=True)
class Report:
    """An evaluation run: the data, the split, each recommender's figures and the targets."""

    catalog: str
    source: str  # the dataset format the loader recognised
    split: Mapping[str, Any]
    rows: tuple[Row, ...]
    training: Mapping[str, Any] = field(default_factory=dict)  # preset name → config, times
    commands: tuple[str, ...] = ()  # how to reproduce it

    def row(self, name: str) -> Row:
        """The row called `name`.

        Raises:
            KeyError: naming the row and listing the report's rows.
        """
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no row {name!r}; rows: {', '.join(r.name for r in self.rows)}")

    def targets(self) -> dict[str, Any]:
        """The issue's targets, checked on Recall@K: the default served strategy against 1.5x
        the seed design's way (the original prototype's: the single nearest user's list) and
        against the best model-free baseline. Empty when the report lacks one of those rows."""
        served = [r for r in self.rows if r.kind == "served" and r.default]
        seed = [r for r in self.rows if r.kind == "seed"]
        baselines = [r for r in self.rows if r.kind == "baseline"]
        if not served or not seed or not baselines:
            return {}
        best = max(baselines, key=lambda r: r.metrics.recall)
        recall = served[0].metrics.recall
        return {
            "seed": seed[0].name,
            "served": served[0].name,
            "served_recall": round(recall, 6),
            "seed_recall": round(seed[0].metrics.recall, 6),
            "ratio_to_seed": round(recall / seed[0].metrics.recall, 3)
            if seed[0].metrics.recall > 0
            else None,
            "at_least_1_5x_seed": recall >= 1.5 * seed[0].metrics.recall,
            "best_baseline": best.name,
            "best_baseline_recall": round(best.metrics.recall, 6),
            "at_least_best_baseline": recall >= best.metrics.recall,
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole report as plain JSON values."""
        return {
            "catalog": self.catalog,
            "source": self.source,
            "k": K,
            "split": dict(self.split),
            "rows": [
                {
                    "name": r.name,
                    "kind": r.kind,
                    "default": r.default,
                    "description": r.description,
                    **r.metrics.to_dict(),
                }
                for r in self.rows
            ],
            "targets": self.targets(),
            "training": dict(self.training),
            "commands": list(self.commands),
        }


def split_summary(split: Split) -> dict[str, Any]:
    """The split's figures for a report: how many users, items and targets."""
    return {
        "seed": split.seed,
        "eligible_users": split.eligible_users,
        "held_out_users": split.held_out_users,
        "test_users": split.tests,
        "mean_targets": round(float(split.target_counts.mean()), 3) if split.tests else 0.0,
        "train_users": split.train.users,
        "train_items": split.train.num_items,
        "train_likes": len(split.train),
    }


def markdown(report: Report) -> str:
    """The report as a Markdown section: a one-line summary, the table, the targets."""
    split = report.split
    lines = [
        f"### {report.catalog} ({report.source})",
        "",
        f"{split['test_users']} test users (of {split['eligible_users']} eligible, "
        f"split seed {split['seed']}), {split['mean_targets']} targets each on average; "
        f"trained on {split['train_users']} users, {split['train_items']} items, "
        f"{split['train_likes']} likes."
        + (
            f" Served rows use the `{report.training['served_rows_preset']}` preset's model, "
            f"the seed row the `{report.training['seed_row_preset']}` preset's."
            if "served_rows_preset" in report.training
            else ""
        ),
        "",
        f"| recommender | Recall@{K} | NDCG@{K} | HitRate@{K} | coverage | "
        "mean popularity rank | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report.rows:
        m = row.metrics
        lines.append(
            f"| {row.name} | {m.recall:.4f} | {m.ndcg:.4f} | {m.hit_rate:.4f} | "
            f"{m.coverage:.4f} | {m.mean_popularity_rank:.1f} | {m.seconds:.1f} |"
        )
    targets = report.targets()
    if targets:
        ratio = targets["ratio_to_seed"]
        lines += [
            "",
            f"Served ({targets['served']}): Recall@{K} {targets['served_recall']:.4f} is "
            f"{ratio if ratio is not None else 'n/a'}x {targets['seed']} "
            f"({'meets' if targets['at_least_1_5x_seed'] else 'misses'} 1.5x) and "
            f"{'at least' if targets['at_least_best_baseline'] else 'below'} the best "
            f"baseline, {targets['best_baseline']} ({targets['best_baseline_recall']:.4f}).",
        ]
    lines += ["", *(f"- `{r.name}`: {r.description}" for r in report.rows)]
    if report.commands:
        lines += ["", "Reproduce with:", "", "```bash", *report.commands, "```"]
    return "\n".join(lines) + "\n"


def plot(report: Report, path: Path) -> None:
    """A PNG of Recall@K, NDCG@K and HitRate@K per recommender, with coverage beside it."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on servers and in CI
    import matplotlib.pyplot as plt

    names = [r.name for r in report.rows]
    figure, (quality, coverage) = plt.subplots(
        1, 2, figsize=(12, 0.5 * len(names) + 2), gridspec_kw={"width_ratios": [3, 1]}
    )
    positions = list(range(len(names)))
    height = 0.27
    series: Sequence[tuple[str, str]] = (
        ("recall", f"Recall@{K}"),
        ("ndcg", f"NDCG@{K}"),
        ("hit_rate", f"HitRate@{K}"),
    )
    for offset, (attribute, label) in enumerate(series):
        values = [getattr(r.metrics, attribute) for r in report.rows]
        quality.barh([p + (offset - 1) * height for p in positions], values, height, label=label)
    quality.set_yticks(positions, names)
    quality.invert_yaxis()
    quality.set_xlabel("score (higher is better)")
    quality.legend(loc="lower right")
    quality.set_title(f"{report.catalog}: {report.split['test_users']} newcomers")
    coverage.barh(positions, [r.metrics.coverage for r in report.rows], color="tab:gray")
    coverage.set_yticks(positions, [""] * len(names))
    coverage.invert_yaxis()
    coverage.set_xlabel(f"catalog coverage of the top {K}")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(report: Report, directory: Path, *, prefix: str = "") -> list[Path]:
    """Write `<prefix>evaluation.json`, `.md` and `.png` into `directory`.

    Returns:
        The three paths, JSON first.
    """
    directory.mkdir(parents=True, exist_ok=True)
    paths = [directory / f"{prefix}{name}" for name in (JSON_NAME, MARKDOWN_NAME, PLOT_NAME)]
    paths[0].write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
    paths[1].write_text(markdown(report), encoding="utf-8")
    plot(report, paths[2])
    return paths
