"""`python -m training.cli`: load a dataset, train, evaluate, export a bundle, optionally publish.

By default a seeded 10% of the eligible users are held out as newcomers (`training.holdout`):
the model is trained without them and evaluated on them, the figures go into the manifest and
a report (`<version>.evaluation.json`, `.md`, `.png`) is written beside the bundle folder.
`--no-evaluate` trains on every user instead.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

from training.config import PRESETS, preset
from training.datasets import detect_and_load
from training.holdout import Split, split_newcomers
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
    parser.add_argument(
        "--no-evaluate",
        action="store_true",
        help="train on every user, holding out no newcomers, and skip the evaluation",
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
    split: Split | None = None
    if args.no_evaluate:
        interactions = keep_active_users(loaded.interactions, config.min_user_likes)
    else:
        try:
            split = split_newcomers(loaded.interactions, min_user_likes=config.min_user_likes)
        except ValueError as e:
            sys.exit(f"error: {e} (--no-evaluate trains without an evaluation)")
        interactions = split.train
    if interactions.users == 0:
        sys.exit(f"error: no user in {args.data} has {config.min_user_likes} liked items")
    print(
        f"training {args.catalog}: {interactions.users} users, {interactions.num_items} items, "
        f"{len(interactions)} likes, preset {args.preset!r}",
        flush=True,
    )

    # TensorFlow loads here, after the data is known to be good: a bad folder fails fast.
    from training.export import export_bundle
    from training.report import Report, split_summary, write_report
    from training.scoreboard import evaluate_trained
    from training.train import train

    trained = train(interactions, config, progress=not args.quiet)
    figures: dict[str, object] = {"preset": args.preset, "source": loaded.report.source}
    report = None
    if split is not None:
        started = time.perf_counter()
        report = Report(
            catalog=args.catalog,
            source=loaded.report.source,
            split=split_summary(split),
            rows=tuple(evaluate_trained(split, args.catalog, trained)),
        )
        figures["evaluation"] = {
            "split": report.split,
            "rows": report.to_dict()["rows"],
            "seconds": round(time.perf_counter() - started, 1),
        }
    started = time.perf_counter()
    bundle = export_bundle(
        trained, interactions, config, args.out, args.catalog, extra_training=figures
    )
    print(
        f"trained in {trained.training_seconds:.1f} s "
        f"(final loss {trained.final_loss:.3f} per example), "
        f"exported in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    if report is not None:
        paths = write_report(report, bundle.parent, prefix=f"{bundle.name}.")
        default = next(r for r in report.rows if r.default)
        print(
            f"evaluated on {report.split['test_users']} held-out users: {default.name} "
            f"Recall@10 {default.metrics.recall:.4f}; report {paths[1]}",
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
