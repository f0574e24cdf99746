"""One fresh process serving the same index the TensorFlow way, as the seed design would.

`benchmarks.serving` starts it pinned to one core, with the local stack's environment and an
empty folder: it imports TensorFlow, downloads the live version's exported BruteForce
SavedModel from S3 (the moto server), loads it with `tf.saved_model.load` and answers the
first query (the cold start, timed from the parent's `--started`); with `--share I/N`, it
then answers its slice of the plan's triples, one call each, as a function answers one
request at a time.
TensorFlow runs one intra-op and one inter-op thread, pinned to the same single core.

It is given item rows (the SavedModel's input), not ids: the id lookup, JSON and HTTP work
of a request are not counted on this side. It writes one JSON object to `--result`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

SAVED_MODEL = "saved_model"


def main(argv: list[str] | None = None) -> None:
    """Run the cold start (and a share of the warm queries with `--share`); write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--started", type=float, required=True, help="parent's time.time()")
    parser.add_argument("--catalog", required=True)
    parser.add_argument("--first", required=True, help="the first query's three rows, as JSON")
    parser.add_argument("--workdir", type=Path, required=True, help="an empty folder")
    parser.add_argument("--plan", type=Path)
    parser.add_argument("--result", type=Path, required=True)
    parser.add_argument(
        "--share", help="I/N: answer the I-th of N slices of the plan's triples (needs --plan)"
    )
    args = parser.parse_args(argv)
    began = time.time()

    import boto3
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    imported = time.time()

    s3 = boto3.client("s3")
    bucket = os.environ["MODEL_BUCKET"]
    pointer = json.loads(
        s3.get_object(Bucket=bucket, Key=f"live/{args.catalog}.json")["Body"].read()
    )
    prefix = f"bundles/{args.catalog}/{pointer['model_version']}/{SAVED_MODEL}/"
    target = args.workdir / SAVED_MODEL
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for entry in page.get("Contents", []):
            path = target / str(entry["Key"]).removeprefix(prefix)
            path.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(bucket, entry["Key"], str(path))
    downloaded = time.time()

    model = tf.saved_model.load(str(target))
    loaded = time.time()
    scores, ids = model(tf.constant([json.loads(args.first)], dtype=tf.int32))
    scores.numpy(), ids.numpy()
    answered = time.time()
    result: dict[str, Any] = {
        "cold_seconds": answered - args.started,
        "phases": {
            "interpreter": began - args.started,
            "import": imported - began,
            "download": downloaded - imported,
            "load": loaded - downloaded,
            "first_request": answered - loaded,
        },
        "cold_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "k": int(ids.shape[1]),
        "tensorflow": tf.__version__,
    }
    if args.share:
        if args.plan is None:
            raise SystemExit("--share needs --plan")
        index, count = (int(part) for part in args.share.split("/"))
        every = json.loads(args.plan.read_text(encoding="utf-8"))["triple_rows"]
        triples = every[index * len(every) // count : (index + 1) * len(every) // count]
        latencies: list[float] = []
        started = time.perf_counter()
        for rows in triples:
            t = time.perf_counter()
            scores, ids = model(tf.constant([rows], dtype=tf.int32))
            scores.numpy(), ids.numpy()
            latencies.append(time.perf_counter() - t)
        result["retrieval_share"] = {
            "seconds": latencies,
            "wall_seconds": time.perf_counter() - started,
        }
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    args.result.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main()
