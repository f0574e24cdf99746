"""`python -m local.invoke -e events/health.json`: one event through the handler, no Docker."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from local.gateway import LocalLambdaContext, load_handler


def main(argv: list[str] | None = None) -> None:
    """Invoke the handler once with an event file and print its response as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-e", "--event", type=Path, required=True, help="API Gateway event file")
    parser.add_argument("--handler", default="app.handler", help="module.function to call")
    args = parser.parse_args(argv)
    event = json.loads(args.event.read_text(encoding="utf-8"))
    response = load_handler(args.handler)(event, LocalLambdaContext())
    json.dump(response, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
