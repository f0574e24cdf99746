"""The load test on a local stack of its own, clean and then with DynamoDB failing half-way.

`python -m benchmarks.load_stack --requests 20000 --clients 32` trains and publishes the
synthetic books to a fresh moto server, serves them with the local gateway, and runs the
load twice: once clean, once with the moto server stopped half-way through (DynamoDB, and
S3, gone: answers must turn degraded, never 5xx), each on a fresh stack. Prints both
reports and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load import LoadReport, catalog_sample, plan_requests, run_load
from local.catalog_commands import synthetic_data_command, training_command
from local.demo import BUCKET, TABLE, newest_bundle, stack_environment
from local.gateway import gateway_process
from local.moto_server import MotoServer, start_moto_server, stop_process
from local.resources import create_stack_resources


@dataclass(frozen=True)
class LoadStack:
    """A moto server and a gateway serving what was published to it."""

    url: str
    moto: MotoServer


def train_synthetic_books(workdir: Path, preset: str = "smoke") -> Path:
    """A trained synthetic books bundle folder (not published)."""
    data, bundles = workdir / "data", workdir / "bundles"
    subprocess.run(synthetic_data_command("books", data), check=True)
    subprocess.run(
        training_command("books", data, bundles, preset=preset, publish=False, quiet=True),
        check=True,
    )
    return newest_bundle(bundles, "books")


@contextmanager
def load_stack(bundle: Path, workdir: Path, refresh_seconds: float = 600) -> Iterator[LoadStack]:
    """A fresh moto server with `bundle` published, and the gateway on a free port."""
    moto = start_moto_server()
    try:
        create_stack_resources(moto.endpoint_url, BUCKET, TABLE)
        env = {
            **os.environ,
            **stack_environment(moto.endpoint_url, workdir),
            "LIVE_REFRESH_SECONDS": str(refresh_seconds),
        }
        publish = [sys.executable, "-m", "training.publish", str(bundle)]
        subprocess.run(publish, check=True, env=env, stdout=subprocess.DEVNULL)
        with gateway_process(env) as gateway:
            yield LoadStack(gateway.url, moto)
    finally:
        stop_process(moto.process)


def clean_run(stack: LoadStack, requests: int, clients: int) -> LoadReport:
    """The mixed load with every dependency up."""
    ids, words = catalog_sample(stack.url, "books")
    return run_load(stack.url, plan_requests("books", ids, words, requests, seed=1), clients)


def faulty_run(stack: LoadStack, requests: int, clients: int) -> LoadReport:
    """The mixed load with the moto server (DynamoDB and S3) stopped after half the requests.

    Run it on a fresh stack: a gateway warmed by an earlier run holds most users' lists in
    its LRU and would hardly read DynamoDB after the outage.
    """
    ids, words = catalog_sample(stack.url, "books")
    half = requests // 2

    def stop_dependencies_half_way(done: int) -> None:
        if done == half:
            stop_process(stack.moto.process)

    return run_load(
        stack.url,
        plan_requests("books", ids, words, requests, seed=2),
        clients,
        on_progress=stop_dependencies_half_way,
    )


def main(argv: list[str] | None = None) -> None:
    """Run both loads and print their reports."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--json", type=Path, help="write both reports here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="edgerec-load-") as scratch:
        workdir = Path(scratch)
        bundle = train_synthetic_books(workdir)
        with load_stack(bundle, workdir / "clean") as stack:
            clean = clean_run(stack, args.requests, args.clients)
        with load_stack(bundle, workdir / "faulty") as stack:
            faulty = faulty_run(stack, args.requests, args.clients)
    print(f"clean:                       {clean.summary()}")
    print(f"DynamoDB and S3 gone half-way: {faulty.summary()}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {"clean": clean.to_dict(), "dependencies_fail_half_way": faulty.to_dict()}
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
