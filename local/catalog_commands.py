"""The commands that make a catalog on the local stack: synthetic data, then training.

Each runs in its own process, as a user would run it, so that a serving process never loads
TensorFlow.
"""

from __future__ import annotations

import sys
from pathlib import Path


def synthetic_data_command(catalog: str, out: Path) -> list[str]:
    """Write seeded synthetic `catalog` files (books or songs) into `out`."""
    return [sys.executable, "-m", "training.synthetic", "--catalog", catalog, "--out", str(out)]


def training_command(
    catalog: str, data: Path, bundles: Path, *, preset: str, publish: bool, quiet: bool = False
) -> list[str]:
    """Train `catalog` from the dataset in `data`, export under `bundles`, maybe publish."""
    command = [
        sys.executable, "-m", "training.cli", "--catalog", catalog, "--data", str(data),
        "--out", str(bundles), "--preset", preset,
    ]  # fmt: skip
    return command + (["--publish"] if publish else []) + (["--quiet"] if quiet else [])
