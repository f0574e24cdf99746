"""A bounded load test of a running API: mixed item searches and recommendations.

`python -m benchmarks.load --url http://127.0.0.1:3000 --requests 20000 --clients 32` sends
the requests from `clients` threads, each on its own keep-alive connection, and prints
status counts, degraded answers, errors and latency percentiles. With `make bench` it also
runs with a DynamoDB fault injected half-way (see `benchmarks.load_stack`).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import numpy as np

SEARCH_SHARE = 0.5  # the page searches as people type, then asks for recommendations once


@dataclass(frozen=True)
class Request:
    """One planned request: method, path and JSON body (None for a GET)."""

    method: str
    path: str
    body: bytes | None = None


@dataclass
class Outcome:
    """What came back for one request."""

    status: int  # 0 when the connection failed
    seconds: float
    degraded: bool = False
    error: str = ""


@dataclass
class LoadReport:
    """The figures of one load run."""

    requests: int
    clients: int
    seconds: float
    statuses: dict[int, int]
    degraded: int
    connection_errors: int
    latency_ms: dict[str, float] = field(default_factory=dict)
    error_kinds: dict[str, int] = field(default_factory=dict)  # connection errors by type

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def requests_per_second(self) -> float:
        """Completed requests per wall-clock second."""
        return self.requests / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON values."""
        return {
            "requests": self.requests,
            "clients": self.clients,
            "seconds": round(self.seconds, 2),
            "requests_per_second": round(self.requests_per_second, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": self.server_errors,
            "connection_errors": self.connection_errors,
            "connection_error_kinds": self.error_kinds,
            "degraded": self.degraded,
            "latency_ms": self.latency_ms,
        }

    def summary(self) -> str:
        """One line for a terminal."""
        lat = self.latency_ms
        return (
            f"{self.requests} requests, {self.clients} clients, {self.seconds:.1f} s "
            f"({self.requests_per_second:.0f}/s): statuses {dict(sorted(self.statuses.items()))}, "
            f"5xx {self.server_errors}, connection errors {self.connection_errors}, "
            f"degraded {self.degraded}; latency p50 {lat.get('p50', 0):.1f} ms, "
            f"p99 {lat.get('p99', 0):.1f} ms"
        )


def plan_requests(
    catalog: str, item_ids: Sequence[str], words: Sequence[str], count: int, seed: int = 1
) -> list[Request]:
    """`count` requests: searches for catalog words and recommendations for random triples."""
    if len(item_ids) < 3 or not words:
        raise ValueError("planning needs at least three item ids and one search word")
    rng = random.Random(seed)
    planned: list[Request] = []
    for _ in range(count):
        if rng.random() < SEARCH_SHARE:
            word = rng.choice(words)
            prefix = word[: rng.randint(1, len(word))]  # as typed so far
            planned.append(Request("GET", f"/catalogs/{catalog}/items?limit=8&q={quote(prefix)}"))
        else:
            body = {"items": rng.sample(list(item_ids), 3), "limit": 10}
            planned.append(
                Request("POST", f"/catalogs/{catalog}/recommendations", json.dumps(body).encode())
            )
    return planned


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max, in milliseconds."""
    if not seconds:
        return {}
    ms = np.asarray(seconds, dtype=np.float64) * 1000
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99), "max": float(ms.max())}


def run_load(
    url: str,
    planned: Sequence[Request],
    clients: int,
    on_progress: Callable[[int], None] | None = None,
) -> LoadReport:
    """Send `planned` from `clients` threads, each with one keep-alive connection.

    `on_progress(done)` is called (from the client threads) after each request, e.g. to
    inject a fault half-way.
    """
    target = urlsplit(url)
    host, port = target.hostname or "127.0.0.1", target.port or 80
    outcomes: list[Outcome | None] = [None] * len(planned)
    next_index = iter(range(len(planned)))
    lock = threading.Lock()
    done = 0

    def client() -> None:
        nonlocal done
        connection = http.client.HTTPConnection(host, port, timeout=30)
        try:
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                outcome = _send(connection, planned[index])
                if outcome.status == 0:  # a broken connection is counted, then replaced
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=30)
                outcomes[index] = outcome
                with lock:
                    done += 1
                    finished = done
                if on_progress is not None:
                    on_progress(finished)
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for future in [pool.submit(client) for _ in range(clients)]:
            future.result()
    elapsed = time.perf_counter() - started
    finished = [o for o in outcomes if o is not None]
    return LoadReport(
        requests=len(finished),
        clients=clients,
        seconds=elapsed,
        statuses=dict(Counter(o.status for o in finished if o.status)),
        degraded=sum(o.degraded for o in finished),
        connection_errors=sum(1 for o in finished if o.status == 0),
        latency_ms=percentiles([o.seconds for o in finished if o.status]),
        error_kinds=dict(Counter(o.error for o in finished if o.status == 0)),
    )


def _send(connection: http.client.HTTPConnection, request: Request) -> Outcome:
    headers = {"Content-Type": "application/json"} if request.body is not None else {}
    started = time.perf_counter()
    try:
        connection.request(request.method, request.path, body=request.body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
    except (OSError, http.client.HTTPException) as e:
        return Outcome(0, time.perf_counter() - started, error=type(e).__name__)
    elapsed = time.perf_counter() - started
    degraded = False
    if request.method == "POST" and response.status == 200:
        degraded = bool(json.loads(payload).get("degraded"))
    return Outcome(response.status, elapsed, degraded)


def catalog_sample(url: str, catalog: str) -> tuple[list[str], list[str]]:
    """Item ids and title words of a served catalog, from its most popular items."""
    target = urlsplit(url)
    connection = http.client.HTTPConnection(target.hostname or "127.0.0.1", target.port or 80)
    try:
        connection.request("GET", f"/catalogs/{catalog}/items?limit=50")
        items = json.loads(connection.getresponse().read())["items"]
    finally:
        connection.close()
    words = sorted({w.strip(",.:;!?\"'").lower() for i in items for w in i["title"].split()})
    return [i["id"] for i in items], [w for w in words if len(w) >= 3]


def main(argv: list[str] | None = None) -> None:
    """Load a running API and print (and optionally save) the report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:3000")
    parser.add_argument("--catalog", default="books")
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--json", help="write the report here too")
    args = parser.parse_args(argv)
    ids, words = catalog_sample(args.url, args.catalog)
    planned = plan_requests(args.catalog, ids, words, args.requests)
    report = run_load(args.url, planned, args.clients)
    print(report.summary())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report.to_dict(), out, indent=2)


if __name__ == "__main__":
    main()
