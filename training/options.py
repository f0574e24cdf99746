"""The options every training command shares, and their checks, in one place.

`add_training_options` gives a parser --catalog, --data, --out, --min-weight, --preset,
--epochs and --quiet; `training_inputs` turns the parsed values into a checked
`TrainingConfig` and the loaded dataset, or exits with `error: …` before TensorFlow loads.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from training.config import PRESETS, TrainingConfig, preset
from training.datasets import LoadedDataset, detect_and_load

CATALOG_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
QUIET_LOGGERS = ("botocore", "boto3", "urllib3")  # where credentials and endpoints came from


def checked_catalog_name(text: str) -> str:
    """`text`, if it is safe as a catalog name in URLs, S3 keys and DynamoDB keys (no `/`,
    no `#`); for argparse, which reports the refusal as a usage error."""
    if not CATALOG_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a catalog name: use 1-63 lowercase letters, digits and dashes"
        )
    return text


def add_training_options(parser: argparse.ArgumentParser, *, out_help: str) -> None:
    """Add the options of every training command; `out_help` says what --out receives."""
    parser.add_argument(
        "--catalog",
        required=True,
        type=checked_catalog_name,
        help="catalog name, such as books or songs: lowercase letters, digits and dashes",
    )
    parser.add_argument("--data", type=Path, required=True, help="folder holding the dataset")
    parser.add_argument("--out", type=Path, required=True, help=out_help)
    parser.add_argument(
        "--min-weight",
        type=float,
        help="least rating, play count or weight that counts as a like (default: the format's "
        "own: a Book-Crossing rating of 5, one Last.fm or Taste Profile play, any generic "
        "weight above 0)",
    )
    parser.add_argument("--preset", default="default", choices=sorted(PRESETS))
    parser.add_argument("--epochs", type=int, help="override the preset's epochs")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


@dataclass(frozen=True)
class TrainingInputs:
    """What the shared options come to: a checked catalog name, configuration and dataset."""

    catalog: str
    data: Path  # the dataset's folder
    preset: str  # the preset's name, for reports and the manifest
    config: TrainingConfig  # the preset with --epochs applied
    loaded: LoadedDataset


def training_inputs(args: argparse.Namespace) -> TrainingInputs:
    """The configuration and the loaded dataset the options name, the loader's report logged.

    Exits with `error: …` when the configuration or the dataset is refused: a bad folder fails
    before anything slow (TensorFlow) is loaded.
    """
    log_loader_reports()
    overrides = {"epochs": args.epochs} if args.epochs is not None else {}
    try:
        config = preset(args.preset, **overrides)
        loaded = detect_and_load(args.data, min_weight=args.min_weight)
    except (ValueError, OSError) as e:  # DatasetError is a ValueError
        sys.exit(f"error: {e}")
    return TrainingInputs(args.catalog, args.data, args.preset, config, loaded)


def log_loader_reports() -> None:
    """Print log records (the loader's report) as plain lines; keep AWS libraries' quiet."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for chatty in QUIET_LOGGERS:
        logging.getLogger(chatty).setLevel(logging.WARNING)
