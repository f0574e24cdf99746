"""One fresh process of the API function, as Lambda starts it: a cold start, then warm requests.

`benchmarks.serving` starts it pinned to one core, with an empty bundle cache and the local
stack's environment (AWS_ENDPOINT_URL, MODEL_BUCKET, TOP_ITEMS_TABLE, BUNDLE_CACHE_DIR):

1. cold start: import the API function, load the live bundle from S3 (download, checksums,
   parse) and answer the first request through `app.handler`; timed from the moment the
   parent started this process (`--started`, the parent's `time.time()`), so interpreter
   start-up counts;
2. with `--share I/N`: retrieval alone (embed three items, nearest users, top-k, as the
   function does it) on its slice of the plan's triples; every process of both sides
   answers one slice, taking turns with TensorFlow's;
3. with `--warm`: the handler stream of the plan through `app.handler` (the first request
   of each triple reads its lists from DynamoDB on the moto server, the later ones find them
   in the function's LRU; each request's latency is kept with whether it read DynamoDB),
   retrieval alone on every triple of the plan as the function does it (int8 prefilter,
   float32 on the candidates), the same with the plain float32 scan (the answers must be
   the same users) and with the int8 compact index alone, and the bare scans.

It writes one JSON object to `--result`. It imports only the standard library before the
function, so the cold start is the function's own.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class BenchContext:
    """The Lambda context attributes the handler and Powertools read."""

    function_name: str = "ApiFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = "benchmark"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ApiFunction"
    log_group_name: str = "/aws/lambda/ApiFunction"
    log_stream_name: str = "benchmark"

    def get_remaining_time_in_millis(self) -> int:
        """Lambda's time left; the benchmark never runs out."""
        return 10_000


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _time_dynamodb_reads() -> list[float]:
    """Seconds each later BatchGetItem takes, from request to parsed answer (botocore's own
    before-call and after-call events on the function's DynamoDB client)."""
    from edgerec.stores.clients import dynamodb_client

    spent: list[float] = []
    began: list[float] = []
    events = dynamodb_client().meta.events
    events.register("before-call.dynamodb.BatchGetItem", lambda **_: began.append(time.time()))
    events.register(
        "after-call.dynamodb.BatchGetItem", lambda **_: spent.append(time.time() - began[-1])
    )
    return spent


def _answered(response: dict[str, Any]) -> bool:
    return int(response.get("statusCode", 0)) == 200


def main(argv: list[str] | None = None) -> None:
    """Run the phases the arguments ask for and write the result JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--started", type=float, required=True, help="parent's time.time()")
    parser.add_argument("--cold-event", type=Path, required=True)
    parser.add_argument("--plan", type=Path, help="the warm plan (needed with --warm)")
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument("--warm", action="store_true")
    parser.add_argument(
        "--share", help="I/N: time retrieval alone on the I-th of N slices of the plan's triples"
    )
    args = parser.parse_args(argv)
    if (args.warm or args.share) and args.plan is None:
        raise SystemExit("--warm and --share need --plan")
    began = time.time()
    cold_event = json.loads(args.cold_event.read_text(encoding="utf-8"))

    import app  # the function's module, as Lambda imports it
    from edgerec.compact_index import choose_kernels
    from edgerec.service import recommender_service
    from edgerec.settings import numkong_kernels

    # NumKong's kernels as the function's entry point chooses them, before any int8 index is
    # built (the function's on its first request, and the compact one `warm` times).
    choose_kernels(numkong_kernels())
    imported = time.time()
    service = recommender_service()  # settings and boto3 clients
    wired = time.time()
    catalogs = service.catalogs.all()  # live pointer, download, checksums, parse, catalog
    loaded = time.time()
    waiting = _time_dynamodb_reads()
    response = app.handler(cold_event, BenchContext())
    answered = time.time()
    if not _answered(response):
        raise SystemExit(f"the first request failed: {response.get('body')}")
    result: dict[str, Any] = {
        "cold_seconds": answered - args.started,
        "phases": {
            "interpreter": began - args.started,
            "import": imported - began,
            "clients": wired - imported,
            "bundle": loaded - wired,
            "first_request": answered - loaded,
        },
        # Of the first request: waiting for DynamoDB's BatchGetItem (the moto server's, here).
        "first_request_dynamodb": sum(waiting),
        "cold_peak_rss_mb": peak_rss_mb(),
        "catalogs": sorted(catalogs),
    }
    plan = json.loads(args.plan.read_text(encoding="utf-8")) if args.plan else {}
    if args.share:  # first, so every process measures its share in the same state
        result["retrieval_share"] = retrieval_share(plan, args.share)
    if args.warm:
        result.update(warm(plan, app.handler))
    args.result.write_text(json.dumps(result), encoding="utf-8")


def plan_share(triples: list[Any], share: str) -> list[Any]:
    """The I-th of N contiguous slices of `triples`, for `share` "I/N"."""
    index, count = (int(part) for part in share.split("/"))
    return triples[index * len(triples) // count : (index + 1) * len(triples) // count]


def retrieval_share(plan: dict[str, Any], share: str) -> dict[str, Any]:
    """Retrieval alone, as the function runs it, on this process's share of the triples.

    Every fresh process of both sides answers one share, ours and TensorFlow's taking turns,
    so a stretch of noise from the machine's neighbours falls on both sides alike.
    """
    from edgerec.retrieval import embed_query
    from edgerec.service import recommender_service

    catalog = recommender_service().catalogs.get(plan["catalog"])
    items, index, k = catalog.bundle.item_embeddings, catalog.item_rows, int(plan["neighbours"])
    user_index = catalog.background_user_index.ready()  # built while the first request waited
    latencies: list[float] = []
    started = time.perf_counter()
    for triple in plan_share(plan["triples"], share):
        t = time.perf_counter()
        user_index.nearest(embed_query(items, [index[i] for i in triple]), k)
        latencies.append(time.perf_counter() - t)
    return {"seconds": latencies, "wall_seconds": time.perf_counter() - started}


def warm(plan: dict[str, Any], handler: Any) -> dict[str, Any]:
    """The warm measurements (see the module docstring); every latency list in seconds."""
    import numpy as np

    from benchmarks.reference_retrieval import int8_nearest_users, int8_scores
    from edgerec.compact_index import Int8UserIndex
    from edgerec.retrieval import embed_query, nearest_users
    from edgerec.service import recommender_service
    from edgerec.stores.clients import dynamodb_client

    reads = [0]

    def count_read(**_: Any) -> None:
        reads[0] += 1

    dynamodb_client().meta.events.register("before-call.dynamodb.BatchGetItem", count_read)
    events = plan["handler_events"]
    stream = plan["handler_stream"]
    context = BenchContext()

    latencies: list[float] = []
    read_dynamodb: list[bool] = []
    failed = degraded = 0
    started = time.perf_counter()
    for index in stream:
        before = reads[0]
        t = time.perf_counter()
        response = handler(events[index], context)
        latencies.append(time.perf_counter() - t)
        read_dynamodb.append(reads[0] > before)
        if not _answered(response):
            failed += 1
        elif json.loads(response["body"]).get("degraded"):
            degraded += 1
    handler_figures = {
        "seconds": latencies,
        "read_dynamodb": read_dynamodb,
        "wall_seconds": time.perf_counter() - started,
        "failed": failed,
        "degraded": degraded,
        "dynamodb_reads": reads[0],
    }
    function_peak = peak_rss_mb()  # the function itself: nothing below is part of it

    service = recommender_service()
    catalog = service.catalogs.get(plan["catalog"])
    bundle = catalog.bundle
    index = catalog.item_rows
    k = int(plan["neighbours"])
    triples = plan["triples"]

    def retrieve(nearest: Any) -> tuple[list[float], float, list[list[int]]]:
        latencies: list[float] = []
        found: list[list[int]] = []
        started = time.perf_counter()
        for triple in triples:
            t = time.perf_counter()
            query = embed_query(bundle.item_embeddings, [index[i] for i in triple])
            rows, _ = nearest(query)
            latencies.append(time.perf_counter() - t)
            found.append(rows.tolist())
        return latencies, time.perf_counter() - started, found

    # What the function runs (the int8 prefilter from PREFILTER_FROM_BYTES, then float32 on
    # the candidates), then the plain float32 scan it must agree with, then int8 alone; all
    # on every triple, in this one process (retrieval alone's figures are the shares').
    user_index = catalog.background_user_index.ready()
    served, served_wall, served_rows = retrieve(lambda q: user_index.nearest(q, k))
    exact, exact_wall, exact_rows = retrieve(lambda q: nearest_users(bundle.user_embeddings, q, k))
    built = time.perf_counter()
    compact = Int8UserIndex.from_embeddings(bundle.user_embeddings)
    build_seconds = time.perf_counter() - built
    approximate, approximate_wall, approximate_rows = retrieve(
        lambda q: int8_nearest_users(compact, q, k)
    )

    query = embed_query(bundle.item_embeddings, [index[i] for i in triples[0]])
    scans: list[float] = []
    int8_scans: list[float] = []
    for _ in range(min(len(triples), 200)):
        t = time.perf_counter()
        bundle.user_embeddings @ query
        scans.append(time.perf_counter() - t)
    for _ in range(min(len(triples), 200)):
        t = time.perf_counter()
        int8_scores(compact, query)
        int8_scans.append(time.perf_counter() - t)

    return {
        "handler": handler_figures,
        "function_peak_rss_mb": function_peak,
        "retrieval_one_process": {
            "seconds": served,
            "wall_seconds": served_wall,
            "prefilter": user_index.prefilter is not None,
            # Queries whose k users, in order, are the float32 scan's.
            "same_as_float32": sum(a == b for a, b in zip(served_rows, exact_rows, strict=True)),
            "same_users_as_float32": sum(
                set(a) == set(b) for a, b in zip(served_rows, exact_rows, strict=True)
            ),
        },
        "float32_retrieval": {"seconds": exact, "wall_seconds": exact_wall},
        "compact": {
            "seconds": approximate,
            "wall_seconds": approximate_wall,
            "build_seconds": build_seconds,
            "nbytes": compact.nbytes,
            "float32_nbytes": int(bundle.user_embeddings.nbytes),
            "top10": [r[:10] for r in approximate_rows],
        },
        "exact_top10": [r[:10] for r in exact_rows],
        "scan_seconds": scans,
        "int8_scan_seconds": int8_scans,
        "user_matrix_bytes": int(bundle.user_embeddings.nbytes),
        "users": int(bundle.user_embeddings.shape[0]),
        "items": int(bundle.item_embeddings.shape[0]),
        "numpy": np.__version__,
    }


if __name__ == "__main__":
    main()
