"""`python -m training.cli`: load a dataset, train, export a bundle, and optionally publish it."""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

from training.config import PRESETS, preset
from training.datasets import detect_and_load
from training.interactions import keep_active_users

CATALOG_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


def catalog_name(text: str) -> str:
    """A catalog name that is safe in URLs, S3 keys and DynamoDB keys (no `/`, no `#`)."""
    if not CATALOG_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a catalog name: use 1-63 lowercase letters, digits and dashes"
        )
    return text


def main(argv: list[str] | None = None) -> None:
    """Parse arguments, run the job, print the bundle folder (and the published version)."""
    parser = argparse.ArgumentParser(description=__doc__.split(":", 1)[-1].strip())
    parser.add_argument(
        "--catalog",
        required=True,
        type=catalog_name,
        help="catalog name, such as books or songs: lowercase letters, digits and dashes",
    )
    parser.add_argument("--data", type=Path, required=True, help="folder holding the dataset")
    parser.add_argument("--out", type=Path, required=True, help="folder bundles are written to")
    parser.add_argument(
        "--min-weight",
        type=float,
        help="least rating, play count or weight that counts as a like (default: the format's "
        "own: a Book-Crossing rating of 5, one Last.fm or Taste Profile play, any generic "
        "weight above 0)",
    )
    parser.add_argument("--preset", default="default", choices=sorted(PRESETS))
    parser.add_argument("--epochs", type=int, help="override the preset's epochs")
    parser.add_argument(
        "--publish",
        action="store_true",
        help="publish to MODEL_BUCKET / TOP_ITEMS_TABLE and make the bundle live",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # the loader's report
    for chatty in ("botocore", "boto3", "urllib3"):  # where credentials and endpoints came from
        logging.getLogger(chatty).setLevel(logging.WARNING)

    overrides = {"epochs": args.epochs} if args.epochs is not None else {}
    try:
        config = preset(args.preset, **overrides)
        loaded = detect_and_load(args.data, min_weight=args.min_weight)
    except (ValueError, OSError) as e:  # DatasetError is a ValueError
        sys.exit(f"error: {e}")
    interactions = keep_active_users(loaded.interactions, config.min_user_likes)
    if interactions.users == 0:
        sys.exit(f"error: no user in {args.data} has {config.min_user_likes} liked items")
    print(
        f"training {args.catalog}: {interactions.users} users, {interactions.num_items} items, "
        f"{len(interactions)} likes, preset {args.preset!r}",
        flush=True,
    )

    # TensorFlow loads here, after the data is known to be good: a bad folder fails fast.
    from training.export import export_bundle
    from training.train import train

    trained = train(interactions, config, progress=not args.quiet)
    started = time.perf_counter()
    bundle = export_bundle(
        trained,
        interactions,
        config,
        args.out,
        args.catalog,
        extra_training={"preset": args.preset, "source": loaded.report.source},
    )
    print(
        f"trained in {trained.training_seconds:.1f} s "
        f"(final loss {trained.final_loss:.3f} per example), "
        f"exported in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    print(bundle, flush=True)
    if args.publish:
        publish(bundle)


def publish(bundle: Path) -> None:
    """Publish with `training.publish` and the environment's settings (imported only if asked)."""
    from edgerec.settings import Settings
    from training.publish import publish_bundle

    version = publish_bundle(bundle, Settings.from_env())
    print(f"published {version}: live", flush=True)


if __name__ == "__main__":
    main()
