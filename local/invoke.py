"""`python -m local.invoke -e events/health.json`: one event through the handler, no Docker."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from local.demo import stack_environment
from local.gateway import LocalLambdaContext, load_handler


def main(argv: list[str] | None = None) -> None:
    """Invoke the handler once with an event file and print its response as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-e", "--event", type=Path, required=True, help="API Gateway event file")
    parser.add_argument("--handler", default="app.handler", help="module.function to call")
    parser.add_argument(
        "--moto-port",
        type=int,
        default=5000,
        help="the running `make demo` stack to use when AWS_ENDPOINT_URL is not set",
    )
    args = parser.parse_args(argv)
    if "AWS_ENDPOINT_URL" not in os.environ:
        demo_stack = stack_environment(f"http://127.0.0.1:{args.moto_port}", Path(".demo"))
        for name, value in demo_stack.items():
            os.environ.setdefault(name, value)
    event = json.loads(args.event.read_text(encoding="utf-8"))
    # As `sam local invoke` does: the function's logs and metrics go to stderr, the answer alone
    # to stdout, so it can be piped into jq.
    with contextlib.redirect_stdout(sys.stderr):
        response = load_handler(args.handler)(event, LocalLambdaContext())
    json.dump(response, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
