"""`make demo`: synthetic books and songs, trained, published to a local stack, served on :3000.

With `--data DIR` (`make demo DATA=DIR`) it serves real catalogs instead: each sub-folder of
DIR whose dataset format is recognised becomes a catalog named after the folder.

Every step is the real one: the training CLI trains and publishes (in its own process, so the
serving process never loads TensorFlow), a moto server plays S3 and DynamoDB over HTTP, and
the local gateway calls the same handler the Lambda image runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from local.catalog_commands import synthetic_data_command, training_command
from local.gateway import HOST, load_handler, serve
from local.import_roots import python_path
from local.moto_server import LOCAL_AWS_ENV, port_is_free, start_moto_server, stop_process
from local.resources import create_stack_resources
from local.signals import stop_on_signals

CATALOGS = ("books", "songs")
BUCKET = "edgerec-models-local"
TABLE = "edgerec-top-items-local"


def stack_environment(endpoint_url: str, workdir: Path) -> dict[str, str]:
    """The environment the function and the publisher see on the local stack."""
    return {
        **LOCAL_AWS_ENV,
        "AWS_ENDPOINT_URL": endpoint_url,
        "MODEL_BUCKET": BUCKET,
        "TOP_ITEMS_TABLE": TABLE,
        "BUNDLE_CACHE_DIR": str(workdir / "cache"),
        "POWERTOOLS_SERVICE_NAME": "edge-recommender",
        "POWERTOOLS_METRICS_NAMESPACE": "EdgeRecommender",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "PYTHONPATH": python_path(),
    }


def catalog_name(folder: Path) -> str:
    """A catalog name for a dataset folder, safe in URLs, S3 keys and DynamoDB keys: the
    folder's name in lowercase letters, digits and dashes (`Book Crossing` → `book-crossing`).

    Raises:
        ValueError: the folder's name has no letter or digit.
    """
    name = re.sub(r"[^a-z0-9]+", "-", folder.name.lower()).strip("-")
    if not name:
        raise ValueError(f"{folder.name!r} gives no catalog name: it has no letter or digit")
    return name


def real_catalogs(data: Path) -> dict[str, Path]:
    """Catalog name → dataset folder for each sub-folder of `data` in a recognised format, or
    `data` itself when it holds a dataset; sorted by name.

    Raises:
        ValueError: no dataset was recognised, or two folders give the same catalog name.
    """
    # Imported here, so that the commands that only import this module never load pandas.
    from training.datasets import dataset_format

    if not data.is_dir():
        raise ValueError(f"{data} is not a folder")
    folders = [data] if dataset_format(data) else sorted(p for p in data.iterdir() if p.is_dir())
    found: dict[str, Path] = {}
    for folder in folders:
        if dataset_format(folder) is None:
            print(f"    {folder}: no dataset recognised, left out", flush=True)
            continue
        name = catalog_name(folder)
        if name in found:
            raise ValueError(f"{found[name]} and {folder} would both be catalog {name!r}")
        found[name] = folder
    if not found:
        raise ValueError(f"no dataset recognised in {data} or its sub-folders (see docs/data.md)")
    return dict(sorted(found.items()))


def run_step(title: str, command: list[str], env: Mapping[str, str]) -> None:
    """Run one set-up command, echoing its title and how long it took."""
    print(f"==> {title}", flush=True)
    started = time.monotonic()
    if subprocess.run(command, env=dict(env)).returncode != 0:
        sys.exit(f"error: {title} failed (its message is above)")
    print(f"    done in {time.monotonic() - started:.1f} s", flush=True)


def newest_bundle(bundles: Path, catalog: str) -> Path:
    """The most recent bundle folder of a catalog (model versions sort by time)."""
    versions = sorted(p for p in (bundles / catalog).iterdir() if p.is_dir())
    if not versions:
        raise FileNotFoundError(f"no bundle was written under {bundles / catalog}")
    return versions[-1]


def sample_request(bundle_dir: Path) -> tuple[str, ...]:
    """Three popular item ids of a bundle, for the sample curl."""
    from edgerec.bundle import read_bundle  # after main() has made edgerec importable

    items = read_bundle(bundle_dir).items
    popular = sorted(range(len(items)), key=lambda row: -int(items.popularity[row]))
    return tuple(items.ids[row] for row in popular[:3])


def announce_ready(started: float, serving: str, *hints: str) -> None:
    """Tell the person who started the stack that it is ready: how long set-up took (from the
    `time.monotonic()` value `started`), what serves where, a hint a line, and how to stop."""
    lines = [f"\nSet up in {time.monotonic() - started:.0f} s. {serving}"]
    lines += [f"  {hint}" for hint in hints]
    print("\n".join([*lines, "Ctrl-C stops it."]), flush=True)


def main(argv: list[str] | None = None) -> None:
    """Set up the local stack, then serve until Ctrl-C."""
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3000, help="API port (sam local's default)")
    parser.add_argument("--moto-port", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=Path(".demo"))
    parser.add_argument("--preset", default="default", help="training preset")
    parser.add_argument(
        "--data",
        type=Path,
        help="serve the real datasets in this folder's sub-folders instead of synthetic ones",
    )
    args = parser.parse_args(argv)

    for port in (args.port, args.moto_port):
        if not port_is_free(port):
            sys.exit(f"port {port} on {HOST} is taken: stop what uses it, or pass another port")
    workdir: Path = args.workdir.resolve()
    if args.data is None:
        catalogs = {name: workdir / "data" / name for name in CATALOGS}
    else:
        try:
            catalogs = real_catalogs(args.data.resolve())
        except ValueError as e:
            sys.exit(f"error: {e}")
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    moto = start_moto_server(args.moto_port, log_file=workdir / "moto.log")
    try:
        env = {**os.environ, **stack_environment(moto.endpoint_url, workdir)}
        os.environ.update(env)
        print(f"==> moto server (S3, DynamoDB) on {moto.endpoint_url}", flush=True)
        create_stack_resources(moto.endpoint_url, BUCKET, TABLE)
        for catalog, data in catalogs.items():
            if args.data is None:
                run_step(
                    f"synthetic {catalog} data in {data}",
                    synthetic_data_command(catalog, data),
                    env,
                )
            run_step(
                f"train and publish {catalog} from {data}",
                training_command(
                    catalog, data, workdir / "bundles", preset=args.preset, publish=True
                ),
                env,
            )
        first = next(iter(catalogs))
        sample = sample_request(newest_bundle(workdir / "bundles", first))
        server = serve(load_handler("app.handler"), args.port)
        url = f"http://{HOST}:{args.port}"
        body = json.dumps({"items": list(sample), "limit": 5})
        announce_ready(
            started,
            f"Edge Recommender is serving on {url}",
            f"curl {url}/health",
            f"curl '{url}/catalogs/{first}/items?q=the&limit=5'",
            f"curl -X POST {url}/catalogs/{first}/recommendations "
            f"-H 'Content-Type: application/json' -d '{body}'",
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("\nstopping", flush=True)
        finally:
            server.server_close()
    finally:
        stop_process(moto.process)


if __name__ == "__main__":
    main()
