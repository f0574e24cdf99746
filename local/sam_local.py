"""`make sam-local`: the real container image under `sam local start-api`, on the local stack.

Starts a moto server, trains and publishes the synthetic catalogs to it, writes the
`--env-vars` file that points the function at it, and runs `sam local start-api` with warm
containers on 127.0.0.1 until Ctrl-C. The image must be built first (`make sam-build`).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from local.catalog_commands import synthetic_data_command, training_command
from local.demo import BUCKET, CATALOGS, TABLE, announce_ready, run_step, stack_environment
from local.import_roots import REPO
from local.moto_server import port_is_free, start_moto_server, stop_process, wait_until_answering
from local.resources import create_stack_resources
from local.signals import stop_on_signals

HOST = "127.0.0.1"
FUNCTION = "ApiFunction"  # the template's logical id of the API function


def function_environment(endpoint_url: str) -> dict[str, dict[str, str]]:
    """The `--env-vars` file's content; every name in it is declared in template.yaml."""
    return {
        FUNCTION: {
            "AWS_ENDPOINT_URL": endpoint_url,
            "MODEL_BUCKET": BUCKET,
            "TOP_ITEMS_TABLE": TABLE,
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    }


def sam_command(sam: str, *arguments: str) -> list[str]:
    """`$SAM` (which may be several words, e.g. a wrapper script) followed by `arguments`."""
    return [*shlex.split(sam), *arguments]


def main(argv: list[str] | None = None) -> None:
    """Set up the local stack, then serve the container image with `sam local start-api`."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--moto-port", type=int, default=5000)
    parser.add_argument("--workdir", type=Path, default=Path(".sam-local"))
    parser.add_argument("--preset", default="default", help="training preset")
    parser.add_argument("--sam", default=os.environ.get("SAM", "sam"), help="the sam command")
    args = parser.parse_args(argv)
    stop_on_signals()

    for port in (args.port, args.moto_port):
        if not port_is_free(port):
            sys.exit(f"port {port} on {HOST} is taken: stop what uses it, or pass another port")
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    moto = start_moto_server(args.moto_port, log_file=workdir / "moto.log")
    sam: subprocess.Popen[bytes] | None = None
    try:
        # SAM's own process also reads AWS_ENDPOINT_URL: its account-id lookup goes to moto.
        env = {**os.environ, **stack_environment(moto.endpoint_url, workdir)}
        print(f"==> moto server (S3, DynamoDB) on {moto.endpoint_url}", flush=True)
        create_stack_resources(moto.endpoint_url, BUCKET, TABLE)
        for catalog in CATALOGS:
            data = workdir / "data" / catalog
            run_step(f"synthetic {catalog} data", synthetic_data_command(catalog, data), env)
            run_step(
                f"train and publish {catalog}",
                training_command(
                    catalog, data, workdir / "bundles", preset=args.preset, publish=True, quiet=True
                ),
                env,
            )
        env_file = workdir / "env.json"
        env_file.write_text(json.dumps(function_environment(moto.endpoint_url), indent=2))
        print("==> sam local start-api (warm containers)", flush=True)
        sam = subprocess.Popen(
            sam_command(
                args.sam, "local", "start-api", "--host", HOST, "--port", str(args.port),
                "--env-vars", str(env_file), "--warm-containers", "EAGER",
            ),
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://{HOST}:{args.port}"
        wait_until_answering(f"{url}/health", 180, sam)
        announce_ready(
            started,
            f"sam local serves the image on {url} (web page at {url}/)",
            f"env vars for sam local invoke: {env_file}",
        )
        try:
            sam.wait()
        except KeyboardInterrupt:
            print("\nstopping", flush=True)
    finally:
        if sam is not None:
            stop_process(sam, timeout_s=30)  # SIGTERM first: SAM removes its warm containers
        stop_process(moto.process)


if __name__ == "__main__":
    main()
