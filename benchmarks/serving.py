"""`make bench`: the API function against the TensorFlow way: cold start, latency, memory.

For synthetic bundles of 10k, 100k and 1M users (64 dimensions) and each real dataset's own
bundle, in one run:

- ours: fresh processes of the API function (`benchmarks.serving_process`), each with an
  empty bundle cache: import, bundle from S3 on a moto server, first answer (the cold start,
  median of `--cold-samples`), then retrieval alone on its share of the triples; the first
  process then answers the warm handler stream (with DynamoDB reads on moto, then with every
  list in the function's LRU), and every triple with retrieval alone, the plain float32
  scan and the int8 compact index alone;
- TensorFlow: fresh processes (`benchmarks.tensorflow_process`) that import TensorFlow,
  download and load the exported BruteForce SavedModel, and answer the same shares.

The two sides' processes take turns (ours, TensorFlow, ours, ...), so noise from the
machine's neighbours, which comes in stretches of seconds to minutes, falls on both alike.

Every measured process is pinned to one core (`os.sched_setaffinity`) with one BLAS/OpenMP
thread and one TensorFlow intra- and inter-op thread; the moto server and this process run
on the other cores. The machine's memory bandwidth is measured on the same core
(`benchmarks.bandwidth`). Tables are printed as Markdown and everything is written as JSON.

Bundles live under `.bench/` (git-ignored: real data and what is trained from it never go
into the repository) and are reused by later runs when they match; `--retrain` trains the
real ones again.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.bundles import (
    QUERIES,
    Queries,
    SyntheticSpec,
    neighbour_rows,
    real_queries,
    reusable_synthetic,
)
from benchmarks.figures import (
    MB,
    bandwidth_gb_s,
    fmt,
    markdown_table,
    median,
    percentiles_ms,
    ratio,
    requests_per_second,
    share_of_bandwidth,
    top_k_overlap,
)
from edgerec.bundle import TOP_ITEMS, read_bundle, read_manifest
from edgerec.settings import Settings
from edgerec.stores.dynamodb_top_items import DynamoDbTopItems
from edgerec.stores.s3_bundles import S3BundleStore
from edgerec.top_items import read_top_items_file
from local.gateway import proxy_event
from local.import_roots import python_path
from local.moto_server import LOCAL_AWS_ENV, MotoServer, start_moto_server, stop_process
from local.resources import create_stack_resources

REPO = Path(__file__).resolve().parent.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
REAL_DATASETS = ("book-crossing", "lastfm-2k")
TABLE = "edgerec-bench-top-items"
IMAGE = "apifunction:latest"  # what `sam build` tags the API function's image
LIMIT = 10  # recommendations asked per request, the API's default
# Targets of the issue, checked in the summary.
COLD_100K_SECONDS = 1.0
COLD_SPEEDUP = 5.0
RETRIEVAL_P99_MS = 5.0
RETRIEVAL_SPEEDUP = 3.0
SCAN_SHARE = 0.5
IMAGE_MB = 400.0
MEMORY_100K_MB = 256.0
COMPACT_OVERLAP = 0.99


@dataclass
class Prepared:
    """One row of the tables: a bundle ready to publish, or why it is missing."""

    name: str
    kind: str  # "synthetic" or "real"
    catalog: str = ""
    bundle: Path | None = None
    queries: Queries | None = None
    missing: str | None = None
    reused: bool = False
    prepare_seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """The run's parameters (see `main` for each one's meaning)."""

    out: Path
    data: Path
    sizes: tuple[str, ...]
    real: tuple[str, ...]
    cold_samples: int
    requests: int
    handler_triples: int
    neighbours: int
    cpu: int
    real_preset: str
    real_epochs: int
    retrain: bool


def python_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every child: import roots, one BLAS/OpenMP/TensorFlow thread."""
    return {
        **os.environ,
        "PYTHONPATH": python_path(),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": "1",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        **(extra or {}),
    }


def pinned(cpu: int) -> Callable[[], None]:
    """A `preexec_fn` that pins the child to `cpu` before it runs any Python."""

    def pin() -> None:
        os.sched_setaffinity(0, {cpu})

    return pin


def log(message: str) -> None:
    """Progress on stderr, so stdout holds only the tables."""
    print(message, file=sys.stderr, flush=True)


# Preparing bundles.


def prepare_synthetic(label: str, options: Options) -> Prepared:
    """A synthetic bundle of `SIZES[label]` users: reused when built from the same spec."""
    spec = SyntheticSpec(
        catalog=f"synthetic-{label}",
        users=SIZES[label],
        queries=options.requests,
        handler_triples=options.handler_triples,
        neighbours=options.neighbours,
    )
    out = options.out / f"synthetic-{label}"
    prepared = Prepared(name=f"synthetic {label}", kind="synthetic", catalog=spec.catalog)
    started = time.perf_counter()
    bundle = reusable_synthetic(spec, out)
    if bundle is None:
        log(f"building the synthetic {label} bundle and its SavedModel …")
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        command = [
            sys.executable, "-m", "benchmarks.bundles", "synthetic", "--users", str(spec.users),
            "--out", str(out), "--catalog", spec.catalog, "--queries", str(spec.queries),
            "--handler-triples", str(spec.handler_triples), "--neighbours", str(spec.neighbours),
        ]  # fmt: skip
        run_logged(command, options.out / "logs" / f"build-{label}.log")
        bundle = reusable_synthetic(spec, out)
        if bundle is None:
            raise RuntimeError(f"the synthetic {label} build left no complete bundle in {out}")
    else:
        prepared.reused = True
    prepared.bundle = bundle
    prepared.queries = Queries.read(out / QUERIES)
    prepared.prepare_seconds = time.perf_counter() - started
    return prepared


def newest_bundle(folder: Path) -> Path | None:
    """The newest complete bundle folder (model versions sort by time) under `folder`."""
    versions = sorted(p for p in folder.glob("[0-9]*") if (p / "manifest.json").is_file())
    return versions[-1] if versions else None


def prepare_real(name: str, options: Options) -> Prepared:
    """The dataset's own bundle, trained with `training.cli` (or reused from `.bench/`)."""
    prepared = Prepared(name=name, kind="real", catalog=name)
    data = options.data / name
    if not data.is_dir():
        prepared.missing = f"no dataset folder {data}"
        return prepared
    out = options.out / f"real-{name}"
    started = time.perf_counter()
    bundle = None if options.retrain else newest_bundle(out / "bundle" / name)
    if bundle is None:
        log(f"training {name} ({options.real_preset} preset, {options.real_epochs} epochs) …")
        command = [
            sys.executable, "-m", "training.cli", "--catalog", name, "--data", str(data),
            "--out", str(out / "bundle"), "--preset", options.real_preset,
            "--epochs", str(options.real_epochs), "--no-evaluate", "--quiet",
        ]  # fmt: skip
        try:
            run_logged(command, options.out / "logs" / f"train-{name}.log")
        except subprocess.CalledProcessError as error:
            prepared.missing = f"training failed: {error.stderr or error}"
            return prepared
        bundle = newest_bundle(out / "bundle" / name)
        if bundle is None:
            prepared.missing = "training wrote no bundle"
            return prepared
    else:
        prepared.reused = True
    try:
        queries = real_queries(bundle, options.requests)
    except ValueError as error:
        prepared.missing = str(error)
        return prepared
    queries.write(out / QUERIES)
    prepared.bundle, prepared.queries = bundle, queries
    prepared.prepare_seconds = time.perf_counter() - started
    training = read_manifest(bundle).training
    prepared.notes["training"] = {
        key: training.get(key) for key in ("preset", "source", "training_seconds", "final_loss")
    }
    prepared.notes["epochs"] = training.get("config", {}).get("epochs")
    return prepared


def run_logged(command: Sequence[str], log_file: Path) -> None:
    """Run a command with the children's environment, output to `log_file`.

    Raises:
        subprocess.CalledProcessError: with the log's last line as `stderr`.
    """
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("wb") as out:
        finished = subprocess.run(
            command, env=python_env(), stdout=out, stderr=subprocess.STDOUT, check=False
        )
    if finished.returncode:
        lines = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        raise subprocess.CalledProcessError(
            finished.returncode, command, stderr=lines[-1] if lines else ""
        )


# Publishing.


def bucket_of(catalog: str) -> str:
    """One bucket per bundle, so a cold start loads that catalog alone."""
    return f"edgerec-bench-{catalog}"


def publish(prepared: Prepared, moto: MotoServer, options: Options) -> dict[str, Any]:
    """Upload the bundle, write the lists the handler stream reads, move the live pointer.

    Every file goes to S3 as `training.publish.publish_bundle` sends it; only the lists of
    the handler triples' nearest users go to DynamoDB (see `benchmarks.bundles`), so the live
    pointer is moved here rather than by `publish_bundle`, whose count check would refuse.
    """
    assert prepared.bundle is not None
    assert prepared.queries is not None
    bucket = bucket_of(prepared.catalog)
    create_stack_resources(moto.endpoint_url, bucket, TABLE)
    store = S3BundleStore(bucket, client=moto.client("s3"))
    lists = DynamoDbTopItems(TABLE, client=moto.client("dynamodb"))
    started = time.perf_counter()
    manifest = store.upload_bundle(prepared.bundle)
    uploaded = time.perf_counter()
    bundle = read_bundle(prepared.bundle)
    wanted = {
        bundle.user_ids[row]
        for row in neighbour_rows(
            bundle.item_embeddings,
            bundle.user_embeddings,
            prepared.queries.rows[: options.handler_triples],
            options.neighbours,
        )
    }
    rows = (r for r in read_top_items_file(prepared.bundle / TOP_ITEMS) if r.user in wanted)
    written = lists.write_top_items(manifest.catalog, manifest.model_version, rows)
    listed = time.perf_counter()
    store.write_live_pointer(manifest.catalog, manifest.model_version)
    files = sum(entry.bytes for entry in manifest.files.values())
    return {
        "bucket": bucket,
        "s3_megabytes": files / MB,
        "s3_seconds": uploaded - started,
        "lists_written": written,
        "lists_seconds": listed - uploaded,
        "lists_per_second": written / (listed - uploaded) if listed > uploaded else None,
    }


# Measuring.


def recommendation_event(catalog: str, items: Sequence[str]) -> dict[str, Any]:
    """The API Gateway event of one POST /catalogs/<catalog>/recommendations."""
    body = json.dumps({"items": list(items), "limit": LIMIT}).encode("utf-8")
    headers = {"Content-Type": "application/json", "Host": "127.0.0.1"}
    return proxy_event("POST", f"/catalogs/{catalog}/recommendations", headers, body)


def write_plan(prepared: Prepared, run: Path, options: Options) -> tuple[Path, Path]:
    """The first request's event and the warm plan, as files the children read."""
    assert prepared.queries is not None
    queries = prepared.queries
    handler_triples = queries.items[: options.handler_triples]
    events = [recommendation_event(prepared.catalog, t) for t in handler_triples]
    rng = np.random.default_rng(3)
    # Each handler triple equally often, in a random order: its first request reads its
    # neighbours' lists from DynamoDB, the later ones find them in the function's LRU.
    stream = rng.permutation(np.resize(np.arange(len(events)), options.requests)).tolist()
    stream = [0, *stream[1:]] if stream else stream
    plan = {
        "catalog": prepared.catalog,
        "neighbours": options.neighbours,
        "handler_events": events,
        "handler_stream": stream,
        "triples": queries.items,
        "triple_rows": queries.rows,
    }
    cold_event, plan_file = run / "cold-event.json", run / "plan.json"
    cold_event.write_text(json.dumps(events[0]), encoding="utf-8")
    plan_file.write_text(json.dumps(plan), encoding="utf-8")
    return cold_event, plan_file


def run_child(
    module: str, arguments: list[str], env: dict[str, str], options: Options, log_file: Path
) -> dict[str, Any]:
    """Start a pinned child, timing from just before it starts; return its result JSON."""
    result = log_file.with_suffix(".json")
    result.unlink(missing_ok=True)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("wb") as out:
        started = time.time()
        finished = subprocess.run(
            [sys.executable, "-m", module, "--started", repr(started), "--result", str(result),
             *arguments],
            env=env,
            stdout=subprocess.DEVNULL,  # the function's request logs and metrics
            stderr=out,
            preexec_fn=pinned(options.cpu),  # this process runs no threads
            check=False,
            timeout=3600,
        )  # fmt: skip
    if finished.returncode or not result.is_file():
        tail = log_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        raise RuntimeError(f"{module} failed ({finished.returncode}): {' / '.join(tail)}")
    body: dict[str, Any] = json.loads(result.read_text(encoding="utf-8"))
    return body


def measure(prepared: Prepared, moto: MotoServer, options: Options) -> dict[str, Any]:
    """Cold starts and warm runs of both sides for one published bundle."""
    assert prepared.queries is not None
    run = options.out / "runs" / prepared.catalog
    shutil.rmtree(run, ignore_errors=True)
    run.mkdir(parents=True)
    cold_event, plan = write_plan(prepared, run, options)
    stack = {
        **LOCAL_AWS_ENV,
        "AWS_ENDPOINT_URL": moto.endpoint_url,
        "MODEL_BUCKET": bucket_of(prepared.catalog),
        "TOP_ITEMS_TABLE": TABLE,
        "NEIGHBOURS": str(options.neighbours),
        "POWERTOOLS_SERVICE_NAME": "edge-recommender",
        "POWERTOOLS_METRICS_NAMESPACE": "EdgeRecommender",
    }
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    first_rows = json.dumps(prepared.queries.rows[0])
    samples = options.cold_samples
    # The two sides take turns, each process answering one share of retrieval alone: a
    # stretch of noise from the machine's neighbours falls on both sides alike.
    for sample in range(samples):
        share = ["--plan", str(plan), "--share", f"{sample}/{samples}"]
        warm = ["--warm"] if sample == 0 else []
        cache = run / f"cache-{sample}"
        cache.mkdir()
        log(f"  {prepared.name}: ours, then TensorFlow, fresh processes {sample + 1}/{samples}")
        ours.append(
            run_child(
                "benchmarks.serving_process",
                ["--cold-event", str(cold_event), *share, *warm],
                python_env({**stack, "BUNDLE_CACHE_DIR": str(cache)}),
                options,
                run / f"ours-{sample}.log",
            )
        )
        shutil.rmtree(cache, ignore_errors=True)
        workdir = run / f"tf-{sample}"
        workdir.mkdir()
        theirs.append(
            run_child(
                "benchmarks.tensorflow_process",
                ["--catalog", prepared.catalog, "--first", first_rows,
                 "--workdir", str(workdir), *share],
                python_env(stack),
                options,
                run / f"tf-{sample}.log",
            )
        )  # fmt: skip
        shutil.rmtree(workdir, ignore_errors=True)
    return {"ours": ours, "tensorflow": theirs}


def measure_bandwidth(options: Options) -> dict[str, float]:
    """The pinned core's memory bandwidth (`benchmarks.bandwidth`)."""
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.bandwidth"],
        env=python_env(),
        capture_output=True,
        text=True,
        preexec_fn=pinned(options.cpu),  # this process runs no threads
        check=True,
    )
    body: dict[str, float] = json.loads(finished.stdout)
    return body


def image_size() -> dict[str, Any]:
    """The API function image's size from Docker, or why it could not be measured."""
    docker = shutil.which("docker")
    if docker is None:
        return {"megabytes": None, "reason": "docker is not installed"}
    try:
        finished = subprocess.run(
            [docker, "image", "inspect", IMAGE, "--format", "{{.Size}} {{.Created}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"megabytes": None, "reason": f"docker did not answer: {error}"}
    if finished.returncode:
        reason = finished.stderr.strip().splitlines()[-1] if finished.stderr.strip() else ""
        return {"megabytes": None, "reason": f"no {IMAGE} image ({reason}); run make sam-build"}
    size, created = finished.stdout.split(maxsplit=1)
    return {"megabytes": int(size) / MB, "image": IMAGE, "created": created.strip()}


# Summarising.


def latency(seconds: Sequence[float], wall_seconds: float) -> dict[str, float]:
    """p50/p95/p99 in ms and requests per second of one warm pass."""
    return {
        **percentiles_ms(seconds),
        "requests": len(seconds),
        "requests_per_second": requests_per_second(len(seconds), wall_seconds),
    }


def pooled_latency(shares: Sequence[dict[str, Any]]) -> dict[str, float]:
    """p50/p95/p99 and rate of the warm passes of several processes, taken as one pass."""
    seconds = [t for share in shares for t in share["seconds"]]
    return latency(seconds, sum(share["wall_seconds"] for share in shares))


def summarise(
    prepared: Prepared, measured: dict[str, Any], bandwidth: dict[str, float]
) -> dict[str, Any]:
    """The figures of one bundle, from its children's raw results."""
    ours, theirs = measured["ours"], measured["tensorflow"]
    warm, tf_warm = ours[0], theirs[0]
    ours_cold = median([r["cold_seconds"] for r in ours])
    ours_cold_without_reads = median(
        [r["cold_seconds"] - r["first_request_dynamodb"] for r in ours]
    )
    tf_cold = median([r["cold_seconds"] for r in theirs])
    handler = warm["handler"]
    from_lru = [t for t, read in zip(handler["seconds"], handler["read_dynamodb"], strict=True)
                if not read]  # fmt: skip
    reads = [
        t for t, read in zip(handler["seconds"], handler["read_dynamodb"], strict=True) if read
    ]
    # Requests that found every list in the LRU, with the pass's rate (reads are few).
    lru_wall = handler["wall_seconds"] - sum(reads)
    retrieval = pooled_latency([r["retrieval_share"] for r in ours])
    float32 = latency(
        warm["float32_retrieval"]["seconds"], warm["float32_retrieval"]["wall_seconds"]
    )
    compact = latency(warm["compact"]["seconds"], warm["compact"]["wall_seconds"])
    tf = pooled_latency([r["retrieval_share"] for r in theirs])
    scan_s = median(warm["scan_seconds"])
    scan_gb_s = bandwidth_gb_s(warm["user_matrix_bytes"], scan_s)
    int8_scan_s = median(warm["int8_scan_seconds"])
    int8_scan_gb_s = bandwidth_gb_s(warm["compact"]["nbytes"], int8_scan_s)
    return {
        "name": prepared.name,
        "kind": prepared.kind,
        "catalog": prepared.catalog,
        "users": warm["users"],
        "items": warm["items"],
        "reused_bundle": prepared.reused,
        "prepare_seconds": prepared.prepare_seconds,
        "notes": prepared.notes,
        "cold": {
            "samples": len(ours),
            "ours_seconds": ours_cold,
            "tensorflow_seconds": tf_cold,
            "ours_over_tensorflow": ratio(ours_cold, tf_cold),
            # The same less the first request's wait for DynamoDB (moto's BatchGetItem of
            # NEIGHBOURS keys): TensorFlow's side reads no lists at all.
            "ours_seconds_without_dynamodb": ours_cold_without_reads,
            "ours_without_dynamodb_over_tensorflow": ratio(ours_cold_without_reads, tf_cold),
            "first_request_dynamodb_seconds": median([r["first_request_dynamodb"] for r in ours]),
            "ours_samples": [r["cold_seconds"] for r in ours],
            "tensorflow_samples": [r["cold_seconds"] for r in theirs],
            "ours_phases": _median_phases(ours),
            "tensorflow_phases": _median_phases(theirs),
            "ours_peak_rss_mb": median([r["cold_peak_rss_mb"] for r in ours]),
            "tensorflow_peak_rss_mb": median([r["cold_peak_rss_mb"] for r in theirs]),
        },
        "warm": {
            "handler_dynamodb": {
                **latency(handler["seconds"], handler["wall_seconds"]),
                "failed": handler["failed"],
                "degraded": handler["degraded"],
                "dynamodb_reads": handler["dynamodb_reads"],
                "requests_reading_dynamodb": len(reads),
                "median_ms_with_reads": median(reads) * 1000 if reads else None,
            },
            "handler_lru": latency(from_lru, lru_wall) if from_lru else None,
            "retrieval": {
                **retrieval,
                "processes": len(ours),
                "prefilter": warm["retrieval_one_process"]["prefilter"],
                # The first process's answers to every triple against the float32 scan's.
                "compared_with_float32": len(warm["retrieval_one_process"]["seconds"]),
                "same_as_float32": warm["retrieval_one_process"]["same_as_float32"],
                "same_users_as_float32": warm["retrieval_one_process"]["same_users_as_float32"],
            },
            "float32_retrieval": float32,
            "tensorflow": {**tf, "k": tf_warm["k"], "processes": len(theirs)},
            "retrieval_p99_ours_over_tensorflow": ratio(retrieval["p99"], tf["p99"]),
            "retrieval_p50_ours_over_tensorflow": ratio(retrieval["p50"], tf["p50"]),
        },
        "memory": {
            "ours_peak_rss_mb": warm["function_peak_rss_mb"],
            "tensorflow_peak_rss_mb": tf_warm["peak_rss_mb"],
            "ours_over_tensorflow": ratio(warm["function_peak_rss_mb"], tf_warm["peak_rss_mb"]),
        },
        "scan": {
            "user_matrix_mb": warm["user_matrix_bytes"] / MB,
            "scan_ms": scan_s * 1000,
            "scan_gb_s": scan_gb_s,
            "scan_share_of_bandwidth": share_of_bandwidth(scan_gb_s, bandwidth["best_gb_s"]),
            "int8_mb": warm["compact"]["nbytes"] / MB,
            "int8_scan_ms": int8_scan_s * 1000,
            "int8_scan_gb_s": int8_scan_gb_s,
            "int8_scan_share_of_bandwidth": share_of_bandwidth(
                int8_scan_gb_s, bandwidth["best_gb_s"]
            ),
            # The scan the function runs: the int8 one where it prefilters.
            "served_scan": "int8" if warm["retrieval_one_process"]["prefilter"] else "float32",
        },
        "compact": {
            **compact,
            "int8_mb": warm["compact"]["nbytes"] / MB,
            "float32_mb": warm["compact"]["float32_nbytes"] / MB,
            "build_seconds": warm["compact"]["build_seconds"],
            "top10_overlap": top_k_overlap(warm["exact_top10"], warm["compact"]["top10"]),
        },
    }


def _median_phases(samples: Iterable[dict[str, Any]]) -> dict[str, float]:
    phases: dict[str, list[float]] = {}
    for sample in samples:
        for name, seconds in sample["phases"].items():
            phases.setdefault(name, []).append(seconds)
    return {name: median(values) for name, values in phases.items()}


def _triple(figures: dict[str, Any] | None, digits: int = 2) -> str:
    if not figures:
        return "-"
    return " / ".join(fmt(figures[f"p{p}"], digits) for p in (50, 95, 99))


def tables(results: list[dict[str, Any]], run: dict[str, Any]) -> str:
    """Every figure as Markdown tables (missing bundles say why)."""
    done = [r for r in results if "missing" not in r]
    missing = [r for r in results if "missing" in r]
    samples = done[0]["cold"]["samples"] if done else 0
    sections: list[str] = []

    cold_rows = []
    for r in done:
        c = r["cold"]
        o, t = c["ours_phases"], c["tensorflow_phases"]
        cold_rows.append([
            r["name"], f"{r['users']:,}", fmt(c["ours_seconds"], 2),
            fmt(c["first_request_dynamodb_seconds"], 2), fmt(c["ours_seconds_without_dynamodb"], 2),
            fmt(c["tensorflow_seconds"], 2), fmt(c["ours_over_tensorflow"], 3),
            fmt(c["ours_without_dynamodb_over_tensorflow"], 3),
            " / ".join(fmt(o[p], 2) for p in
                       ("interpreter", "import", "clients", "bundle", "first_request")),
            " / ".join(fmt(t[p], 2) for p in
                       ("interpreter", "import", "download", "load", "first_request")),
        ])  # fmt: skip
    sections.append(
        f"Cold start, seconds (median of {samples} fresh processes; phases: ours = interpreter "
        "/ import / boto3 clients / bundle from S3 / first request, TensorFlow = interpreter / "
        "import / SavedModel download / load / first query)\n\n"
        + markdown_table(
            [
                "bundle",
                "users",
                "ours",
                "of it DynamoDB",
                "ours less DynamoDB",
                "TensorFlow",
                "ours/TF",
                "ours less DynamoDB/TF",
                "ours: phases",
                "TF: phases",
            ],
            cold_rows,
        )
    )

    warm_rows = []
    for r in done:
        w = r["warm"]
        warm_rows.append([
            r["name"], _triple(w["handler_dynamodb"]), _triple(w["handler_lru"]),
            _triple(w["retrieval"], 3), _triple(w["float32_retrieval"], 3),
            _triple(w["tensorflow"], 3), fmt(w["retrieval_p99_ours_over_tensorflow"], 3),
            f"{w['retrieval']['same_users_as_float32']:,} / "
            f"{w['retrieval']['compared_with_float32']:,}",
            " / ".join(fmt((w[k] or {}).get("requests_per_second"), 0)
                       for k in ("handler_lru", "retrieval", "tensorflow")),
        ])  # fmt: skip
    sections.append(
        f"Warm, one core, ms p50 / p95 / p99 ({run['requests']:,} requests each. The handler's "
        f"cycle through {run['handler_triples']} triples: the first request of each reads its "
        "lists from DynamoDB on moto, the later ones find them in the function's LRU (the "
        "second column is those alone). Retrieval alone and TensorFlow answer as many "
        "distinct triples, split across each side's fresh processes, the two sides taking "
        "turns. Retrieval alone is what the function runs: from 8 MiB of float32 user "
        "embeddings (32k users) the int8 prefilter, then float32 on its candidates; the "
        "float32 scan is the plain one it must agree with (one process, every triple), and "
        "the last column counts the triples where both found the same users.)\n\n"
        + markdown_table(
            [
                "bundle",
                "handler, DynamoDB on moto",
                "handler, lists in LRU",
                "retrieval alone",
                "float32 scan",
                "TensorFlow",
                "p99 ours/TF",
                "same users",
                "req/s: handler / retrieval / TF",
            ],
            warm_rows,
        )
    )

    memory_rows = []
    for r in done:
        m, s = r["memory"], r["scan"]
        memory_rows.append([
            r["name"], fmt(m["ours_peak_rss_mb"], 0), fmt(m["tensorflow_peak_rss_mb"], 0),
            fmt(m["ours_over_tensorflow"], 2), fmt(s["user_matrix_mb"], 1), fmt(s["scan_ms"], 3),
            fmt(s["scan_gb_s"], 1), fmt(100 * s["scan_share_of_bandwidth"], 0, " %"),
            fmt(s["int8_mb"], 1), fmt(s["int8_scan_ms"], 3), fmt(s["int8_scan_gb_s"], 1),
            fmt(100 * s["int8_scan_share_of_bandwidth"], 0, " %"),
        ])  # fmt: skip
    bandwidth = run["bandwidth"]
    sections.append(
        "Peak resident memory (MiB) and the scan against memory bandwidth (measured on the "
        f"same core: {fmt(bandwidth['best_gb_s'], 1)} GB/s; read {fmt(bandwidth['read_gb_s'], 1)}"
        f", copy {fmt(bandwidth['copy_gb_s'], 1)})\n\n"
        + markdown_table(
            [
                "bundle",
                "ours MiB",
                "TF MiB",
                "ours/TF",
                "user matrix MiB",
                "scan ms",
                "scan GB/s",
                "scan % of bw",
                "int8 MiB",
                "int8 scan ms",
                "int8 GB/s",
                "int8 % of bw",
            ],
            memory_rows,
        )
    )

    compact_rows = []
    for r in done:
        c = r["compact"]
        compact_rows.append([
            r["name"], fmt(c["float32_mb"], 1), fmt(c["int8_mb"], 1),
            _triple(r["warm"]["float32_retrieval"], 3), _triple(c, 3),
            fmt(100 * c["top10_overlap"], 2, " %"),
        ])  # fmt: skip
    sections.append(
        "Compact index alone (approximate): int8 user embeddings with a float32 scale per "
        "row, in NumKong's packed layout\n\n"
        + markdown_table(
            ["bundle", "float32 MiB", "int8 MiB", "float32 ms", "int8 ms", "top-10 users kept"],
            compact_rows,
        )
    )
    publish_rows = [
        [
            r["name"],
            fmt(r["publish"]["s3_megabytes"], 1),
            fmt(r["publish"]["s3_seconds"], 1),
            f"{r['publish']['lists_written']:,}",
            fmt(r["publish"]["lists_per_second"], 0),
        ]
        for r in done
        if "publish" in r
    ]
    if publish_rows:
        sections.append(
            "Publishing to the moto server (only the lists the handler requests read go to "
            "DynamoDB: the moto server stores a few hundred a second)\n\n"
            + markdown_table(["bundle", "S3 MiB", "S3 s", "lists written", "lists/s"], publish_rows)
        )
    if missing:
        sections.append(
            "Not measured:\n\n" + "\n".join(f"- {r['name']}: {r['missing']}" for r in missing)
        )
    sections.append(targets_table(results, run))
    return "\n\n".join(sections)


def targets_table(results: list[dict[str, Any]], run: dict[str, Any]) -> str:
    """The issue's targets, each with its figure and whether it is met."""
    by_name = {r["name"]: r for r in results if "missing" not in r}
    rows: list[list[str]] = []

    def add(target: str, measured: str, ok: bool | None) -> None:
        rows.append([target, measured, "-" if ok is None else ("met" if ok else "NOT met")])

    mid = by_name.get("synthetic 100k")
    if mid:
        cold, tf = mid["cold"]["ours_seconds"], mid["cold"]["tensorflow_seconds"]
        local = mid["cold"]["ours_seconds_without_dynamodb"]
        add(
            "cold start at 100k < 1 s",
            f"{cold:.2f} s ({local:.2f} s less moto's BatchGetItem)",
            cold < COLD_100K_SECONDS,
        )
        add(
            "cold start >= 5x faster than TF",
            f"{tf / cold:.1f}x ({tf / local:.1f}x less moto's BatchGetItem)",
            tf / cold >= COLD_SPEEDUP,
        )
        p99, tf99 = mid["warm"]["retrieval"]["p99"], mid["warm"]["tensorflow"]["p99"]
        add("retrieval p99 at 100k < 5 ms", f"{p99:.3f} ms", p99 < RETRIEVAL_P99_MS)
        add(
            "retrieval p99 >= 3x faster than TF",
            f"{tf99 / p99:.1f}x",
            tf99 / p99 >= RETRIEVAL_SPEEDUP,
        )
        retrieval = mid["warm"]["retrieval"]
        add(
            "retrieval finds the float32 scan's users (not a target: a check)",
            f"{retrieval['same_users_as_float32']:,} of "
            f"{retrieval['compared_with_float32']:,} queries",
            retrieval["same_users_as_float32"] == retrieval["compared_with_float32"],
        )
        rss = mid["memory"]["ours_peak_rss_mb"]
        add("function memory at 100k < 256 MiB", f"{rss:.0f} MiB", rss < MEMORY_100K_MB)
    big = by_name.get("synthetic 1m")
    if big:
        scan = big["scan"]
        served = scan["served_scan"]
        share = scan[f"{'int8_' if served == 'int8' else ''}scan_share_of_bandwidth"]
        add(
            "1M scan >= 50% of memory bandwidth",
            f"{served} scan (the function's) {100 * share:.0f} %; "
            f"int8 {scan['int8_scan_gb_s']:.1f}, float32 {scan['scan_gb_s']:.1f} "
            f"({100 * scan['scan_share_of_bandwidth']:.0f} %) of "
            f"{run['bandwidth']['best_gb_s']:.1f} GB/s",
            share >= SCAN_SHARE,
        )
    image = run["image"]
    if image.get("megabytes") is not None:
        size = image["megabytes"]
        add("API image < 400 MB", f"{size:.0f} MiB ({IMAGE})", size < IMAGE_MB)
    else:
        add("API image < 400 MB", f"not measured: {image['reason']}", None)
    real = [r for r in by_name.values() if r["kind"] == "real"]
    for r in real:
        overlap = r["compact"]["top10_overlap"]
        add(
            f"int8 keeps >= 99% of top-10 ({r['name']})",
            f"{100 * overlap:.2f} %",
            overlap >= COMPACT_OVERLAP,
        )
    if not real:
        add("int8 keeps >= 99% of top-10 (real data)", "no real bundle measured", None)
    return "Targets\n\n" + markdown_table(["target", "measured", ""], rows)


# The run.


def parse_options(argv: list[str] | None) -> Options:
    """Command-line options; see --help."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / ".bench", help="bundles, logs, JSON")
    parser.add_argument(
        "--data", type=Path, default=REPO.parent / "shared/datasets",
        help="folder holding the real datasets' folders (book-crossing, lastfm-2k)",
    )  # fmt: skip
    parser.add_argument("--sizes", default="10k,100k,1m", help="synthetic sizes: 10k,100k,1m")
    parser.add_argument(
        "--real", default=",".join(REAL_DATASETS), help="real datasets to train and measure"
    )
    parser.add_argument("--cold-samples", type=int, default=5, help="fresh processes per side")
    parser.add_argument("--requests", type=int, default=2000, help="warm requests per pass")
    parser.add_argument(
        "--handler-triples", type=int, default=25,
        help="distinct triples the handler requests cycle through (their lists fit the LRU)",
    )  # fmt: skip
    parser.add_argument(
        "--neighbours", type=int,
        help="nearest users per request (default: the function's NEIGHBOURS default)",
    )  # fmt: skip
    parser.add_argument("--cpu", type=int, help="core for measured processes (default: last)")
    parser.add_argument("--real-preset", default="default", help="training preset of real data")
    parser.add_argument("--real-epochs", type=int, default=2, help="epochs to train real data")
    parser.add_argument("--retrain", action="store_true", help="train real bundles again")
    args = parser.parse_args(argv)
    sizes = tuple(s for s in args.sizes.split(",") if s)
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}; known: {', '.join(SIZES)}")
    cpus = sorted(os.sched_getaffinity(0))
    neighbours = (
        args.neighbours
        or Settings.from_env({"MODEL_BUCKET": "bench", "TOP_ITEMS_TABLE": "bench"}).neighbours
    )
    return Options(
        out=args.out.resolve(),
        data=args.data.resolve(),
        sizes=sizes,
        real=tuple(s for s in args.real.split(",") if s),
        cold_samples=max(1, args.cold_samples),
        requests=args.requests,
        handler_triples=max(1, min(args.handler_triples, args.requests)),
        neighbours=neighbours,
        cpu=args.cpu if args.cpu is not None else cpus[-1],
        real_preset=args.real_preset,
        real_epochs=args.real_epochs,
        retrain=args.retrain,
    )


# What the measured processes import from this repository: the function, as its image holds
# it (the library and every module beside app.py), and the two benchmark children.
MEASURED_CODE = (
    REPO / "layers/core/python/edgerec",
    *sorted((REPO / "functions/api").glob("*.py")),
    REPO / "benchmarks/serving_process.py",
    REPO / "benchmarks/tensorflow_process.py",
)


def compile_measured_code() -> None:
    """Compile the measured code to bytecode first, as the function's Dockerfile does.

    A cold start in Lambda finds every module compiled (`compileall` in the image; pip
    compiles the dependencies). Without this, a machine that never writes bytecode on import
    (PYTHONDONTWRITEBYTECODE, set on these machines) compiles the function's own modules in
    every fresh process: about 0.1 s of each cold start here.
    """
    for path in MEASURED_CODE:
        compiled = (
            compileall.compile_dir(path, quiet=1)
            if path.is_dir()
            else compileall.compile_file(path, quiet=1)
        )
        if not compiled:
            raise SystemExit(f"could not compile {path}")


def main(argv: list[str] | None = None) -> None:
    """Prepare, publish, measure, print the tables and write `<out>/serving.json`."""
    options = parse_options(argv)
    began = time.perf_counter()
    others = sorted(os.sched_getaffinity(0) - {options.cpu}) or [options.cpu]
    os.sched_setaffinity(0, others)  # this process and the moto server stay off the core
    options.out.mkdir(parents=True, exist_ok=True)
    compile_measured_code()

    prepared = [prepare_synthetic(label, options) for label in options.sizes]
    prepared += [prepare_real(name, options) for name in options.real]
    prepared_at = time.perf_counter()

    (options.out / "logs").mkdir(exist_ok=True)
    moto = start_moto_server(log_file=options.out / "logs" / "moto.log")
    results: list[dict[str, Any]] = []
    try:
        os.sched_setaffinity(moto.process.pid, others)
        bandwidth = measure_bandwidth(options)
        log(f"memory bandwidth on core {options.cpu}: {bandwidth['best_gb_s']:.1f} GB/s")
        for item in prepared:
            if item.missing:
                log(f"{item.name}: not measured ({item.missing})")
                results.append({"name": item.name, "kind": item.kind, "missing": item.missing})
                continue
            log(f"{item.name}: publishing to the moto server …")
            published = publish(item, moto, options)
            measured = measure(item, moto, options)
            summary = summarise(item, measured, bandwidth)
            summary["publish"] = published
            results.append(summary)
    finally:
        stop_process(moto.process)
    run: dict[str, Any] = {
        "command": "make bench  # python -m benchmarks.serving " + " ".join(argv or sys.argv[1:]),
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(options).items()},
        "requests": options.requests,
        "handler_triples": options.handler_triples,
        "bandwidth": bandwidth,
        "image": image_size(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "prepare_seconds": prepared_at - began,
        "total_seconds": time.perf_counter() - began,
    }
    text = tables(results, run)
    print(text)
    print(f"\n(total {run['total_seconds'] / 60:.1f} min; load average at the end "
          f"{run['load_average'][0]:.2f}; JSON: {options.out / 'serving.json'})")  # fmt: skip
    (options.out / "serving.json").write_text(
        json.dumps({"run": run, "results": results}, indent=2), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
