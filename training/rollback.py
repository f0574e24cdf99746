"""Move a catalog's live pointer back to an earlier published version.

`python -m training.rollback books` serves the version published before the live one;
`--to VERSION` picks one. Bundles and user lists of every version stay in S3 and DynamoDB
(keyed by version), so a rollback only moves the pointer; warm functions pick it up within
LIVE_REFRESH_SECONDS.
"""

from __future__ import annotations

import argparse
import sys

from edgerec.errors import BundleError, EdgeRecError
from edgerec.settings import Settings
from edgerec.stores.s3_bundles import LivePointer, S3BundleStore


def rollback(catalog: str, settings: Settings, to: str | None = None) -> LivePointer:
    """Point `catalog` at version `to`, or at the version published before the live one.

    Raises:
        BundleError: the catalog has no live version, no earlier one, or `to` is unknown.
        StoreUnavailableError: S3 did not answer.
    """
    store = S3BundleStore(settings.model_bucket)
    live = store.read_live_pointer(catalog).model_version
    versions = store.published_versions(catalog)
    if to is None:
        earlier = [v for v in versions if v < live]
        if not earlier:
            raise BundleError(f"{catalog} has no version published before {live}")
        to = earlier[-1]
    elif to not in versions:
        known = ", ".join(versions) or "none"
        raise BundleError(f"{catalog} has no published version {to!r}; published: {known}")
    if to == live:
        raise BundleError(f"{to} is already the live version of {catalog}")
    return store.write_live_pointer(catalog, to)


def main(argv: list[str] | None = None) -> None:
    """Roll back with the bucket from the environment (MODEL_BUCKET)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("catalog")
    parser.add_argument("--to", help="the version to serve (default: the one before the live)")
    args = parser.parse_args(argv)
    try:
        pointer = rollback(args.catalog, Settings.from_env(), args.to)
    except (EdgeRecError, ValueError) as e:
        sys.exit(f"rollback of {args.catalog} failed: {e}")
    print(f"{pointer.catalog} serves {pointer.model_version} now")


if __name__ == "__main__":
    main()
