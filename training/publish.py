"""Publish a bundle folder: files to S3, user lists to DynamoDB, then move the live pointer."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from edgerec.bundle import TOP_ITEMS, read_manifest
from edgerec.errors import BundleError, EdgeRecError
from edgerec.settings import Settings
from edgerec.stores.dynamodb_top_items import DynamoDbTopItems
from edgerec.stores.s3_bundles import S3BundleStore
from edgerec.top_items import read_top_items_file


def publish_bundle(
    bundle_dir: Path,
    settings: Settings,
    *,
    bundles: S3BundleStore | None = None,
    top_items: DynamoDbTopItems | None = None,
) -> str:
    """Publish one bundle folder and make it the live version of its catalog.

    Order matters: every file goes to S3 and every user's list to DynamoDB first; only when
    the number of lists written equals the manifest's user count does the live pointer move,
    so serving never sees a version that is half published.

    Args:
        bundle_dir: a folder written by training (manifest, serving files, saved_model/,
            top_items.jsonl).
        settings: where to publish (bucket and table).
        bundles, top_items: stores to use instead of ones built from `settings`.

    Returns:
        The published model version.

    Raises:
        BundleError: the folder is incomplete, corrupt, or its user lists do not match.
        StoreUnavailableError: S3 or DynamoDB did not answer.
    """
    manifest = read_manifest(bundle_dir)
    if TOP_ITEMS not in manifest.files:
        raise BundleError(f"manifest of {manifest.model_version} does not list {TOP_ITEMS}")
    bundles = bundles or S3BundleStore(settings.model_bucket)
    top_items = top_items or DynamoDbTopItems(settings.top_items_table)

    bundles.upload_bundle(bundle_dir)
    written = top_items.write_top_items(
        manifest.catalog, manifest.model_version, read_top_items_file(bundle_dir / TOP_ITEMS)
    )
    if written != manifest.user_count:
        raise BundleError(
            f"{TOP_ITEMS} of {manifest.model_version} holds {written} user lists but the "
            f"manifest counts {manifest.user_count} users; the live pointer was not moved"
        )
    bundles.write_live_pointer(manifest.catalog, manifest.model_version)
    return manifest.model_version


def main(argv: list[str] | None = None) -> None:
    """`python -m training.publish BUNDLE_DIR`: publish with settings from the environment."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle_dir", type=Path, help="a bundle folder written by training")
    args = parser.parse_args(argv)
    try:
        version = publish_bundle(args.bundle_dir, Settings.from_env())
    except (EdgeRecError, ValueError) as e:
        sys.exit(f"publishing {args.bundle_dir} failed: {e}")
    print(f"published {read_manifest(args.bundle_dir).catalog} {version}; it is live now")


if __name__ == "__main__":
    main()
