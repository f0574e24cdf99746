"""`python -m training.evaluate`: the seed preset and the chosen one trained, the report written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgerec.strategies import STRATEGIES

pytestmark = pytest.mark.tensorflow


def test_evaluate_cli_writes_a_report_with_every_row(small_songs: Path, tmp_path: Path, capsys):
    from training import evaluate

    evaluate.main(
        ["--catalog", "songs", "--data", str(small_songs), "--out", str(tmp_path),
         "--preset", "smoke", "--seed-preset", "smoke", "--epochs", "1", "--quiet"]
    )  # fmt: skip

    body = json.loads((tmp_path / "songs-evaluation.json").read_text(encoding="utf-8"))
    names = [r["name"] for r in body["rows"]]
    assert names[:3] == ["most popular", "co-occurrence", "seed's way (smoke preset)"]
    assert {n.split(",")[0].split(" (")[0] for n in names[3:]} == {
        f"served: {name}" for name in STRATEGIES
    }
    assert body["training"]["served_rows_preset"] == body["training"]["seed_row_preset"] == "smoke"
    assert body["targets"]["served"].startswith("served: votes")
    assert (tmp_path / "songs-evaluation.png").stat().st_size > 0
    assert "| most popular |" in capsys.readouterr().out
