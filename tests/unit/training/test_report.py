"""The evaluation report: JSON with every figure, a Markdown table, a PNG, and the targets."""

from __future__ import annotations

import json

import pytest

from training.holdout import Metrics
from training.report import Report, Row, markdown, write_report


def metrics(recall: float) -> Metrics:
    return Metrics(
        recall=recall,
        ndcg=recall * 0.9,
        hit_rate=min(1.0, recall * 3),
        coverage=0.01,
        mean_popularity_rank=120.5,
        users=50,
        seconds=0.2,
    )


def report(served_recall: float) -> Report:
    return Report(
        catalog="books",
        source="book-crossing (original BX-CSV-Dump)",
        split={
            "seed": 2024,
            "eligible_users": 500,
            "held_out_users": 50,
            "test_users": 50,
            "mean_targets": 12.5,
            "train_users": 440,
            "train_items": 900,
            "train_likes": 9000,
        },
        rows=(
            Row("most popular", "the most liked items", metrics(0.02)),
            Row("co-occurrence", "co-liked items", metrics(0.04)),
            Row("seed's way (seed preset)", "one nearest user", metrics(0.02), kind="seed"),
            Row(
                "served: votes (service default)",
                "votes",
                metrics(served_recall),
                kind="served",
                default=True,
            ),
        ),
        commands=("python -m training.evaluate --catalog books --data d --out o",),
    )


def test_targets_compare_the_default_strategy_with_the_seed_and_the_best_baseline():
    met = report(0.05).targets()
    missed = report(0.035).targets()

    assert met["best_baseline"] == "co-occurrence"
    assert met["ratio_to_seed"] == pytest.approx(2.5)
    assert met["at_least_1_5x_seed"]
    assert met["at_least_best_baseline"]
    assert missed["at_least_1_5x_seed"]
    assert not missed["at_least_best_baseline"]


def test_the_markdown_table_has_a_line_per_recommender_with_every_metric():
    text = markdown(report(0.05))

    lines = [line for line in text.splitlines() if line.startswith("| ")]
    assert lines[0].startswith("| recommender | Recall@10 | NDCG@10 | HitRate@10 | coverage")
    assert [line.split(" | ")[0][2:] for line in lines[2:]] == [
        "most popular",
        "co-occurrence",
        "seed's way (seed preset)",
        "served: votes (service default)",
    ]
    assert "| 0.0500 | 0.0450 | 0.1500 | 0.0100 | 120.5 | 0.2 |" in text
    assert "python -m training.evaluate --catalog books" in text


def test_write_report_writes_json_markdown_and_a_png(tmp_path):
    paths = write_report(report(0.05), tmp_path, prefix="books-")

    assert [p.name for p in paths] == [
        "books-evaluation.json",
        "books-evaluation.md",
        "books-evaluation.png",
    ]
    body = json.loads(paths[0].read_text(encoding="utf-8"))
    assert [r["name"] for r in body["rows"]][-1] == "served: votes (service default)"
    assert body["rows"][1]["recall"] == 0.04
    assert body["targets"]["at_least_best_baseline"] is True
    assert paths[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
