"""The benchmark's bundles and queries: synthetic ones of any size, and queries of real ones.

`python -m benchmarks.bundles synthetic --users 1000000 --out DIR` writes, in the real bundle
format (`edgerec.bundle.write_bundle`), a synthetic catalog of clustered unit-length 64-d
embeddings, its TFRS BruteForce SavedModel (`training.bruteforce_index`, as training exports
one) and `queries.json`: the item triples every benchmark process asks, the same for ours
and for TensorFlow. It runs in its own process because it imports TensorFlow.

Top-item lists are published only for the users a request for one of the handler's triples
(the first `handler_triples` queries) may read: the nearest neighbours of each triple and of
each of its items, by the float32 answers serving's index gives. The moto server stores a few
hundred lists a second, so a million would take most of an hour. Synthetic bundles hold only
those lists in `top_items.jsonl`; the index itself always holds every user.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from benchmarks.reference_retrieval import nearest_users_of_each
from edgerec.bundle import (
    SAVED_MODEL,
    TOP_ITEMS,
    CatalogItem,
    read_bundle,
    write_bundle,
)
from edgerec.retrieval import embed_query, nearest_users
from edgerec.top_items import UserTopItems, read_top_items_file, write_top_items_file

QUERIES = "queries.json"  # beside the bundle folder, never in it (the manifest lists the bundle)
SPEC = "spec.json"  # what a synthetic folder was built from, to reuse it only when it matches
WORDS = ("silent", "river", "golden", "night", "paper", "winter", "hidden", "orchard", "glass")
GENRES = ("mystery", "garden", "space", "ocean", "city", "forest", "desert", "harbour")


@dataclass(frozen=True)
class SyntheticSpec:
    """What a synthetic bundle is made of; stored beside it, so a match can be reused."""

    catalog: str
    users: int
    items: int = 50_000  # a real catalog's order of size (Book-Crossing serves ~100k items)
    dimensions: int = 64
    clusters: int = 256  # tastes; users and items of a cluster lie near its centroid
    list_length: int = 20  # items per user list (real lists: 3 to 50, most under 20)
    queries: int = 2_000  # distinct triples for retrieval alone and TensorFlow
    handler_triples: int = 25  # the first ones, which the handler requests cycle through
    neighbours: int = 100  # nearest users per query: serving's NEIGHBOURS
    version: str = "20260101T000000Z-bench2"  # fixed, so rebuilt bundles keep their keys
    seed: int = 7


@dataclass(frozen=True)
class Queries:
    """The benchmark's item triples, as ids (for HTTP events) and rows (for TensorFlow)."""

    catalog: str
    model_version: str
    items: list[list[str]]
    rows: list[list[int]]

    def write(self, path: Path) -> None:
        """Write as JSON."""
        path.write_text(json.dumps(asdict(self)), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Queries:
        """Read what `write` wrote."""
        body = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            catalog=str(body["catalog"]),
            model_version=str(body["model_version"]),
            items=[[str(i) for i in q] for q in body["items"]],
            rows=[[int(r) for r in q] for q in body["rows"]],
        )


def _unit_rows(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    unit: npt.NDArray[np.float32] = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return unit


def synthetic_tables(
    spec: SyntheticSpec,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Item and user embeddings: unit rows near one of `clusters` centroids.

    Item row i and user row u belong to cluster i % clusters and u % clusters, like a
    cosine-trained bundle (unit rows, serving's dot product is the cosine).
    """
    rng = np.random.default_rng(spec.seed)
    centroids = _unit_rows(rng.standard_normal((spec.clusters, spec.dimensions), np.float32))
    items = centroids[np.arange(spec.items) % spec.clusters]
    items = _unit_rows(items + 0.35 * _unit_rows(rng.standard_normal(items.shape, np.float32)))
    users = np.empty((spec.users, spec.dimensions), dtype=np.float32)
    block = 1 << 16  # generated in blocks to keep the builder's memory near the table's own
    for start in range(0, spec.users, block):
        rows = np.arange(start, min(start + block, spec.users))
        noise = _unit_rows(rng.standard_normal((rows.size, spec.dimensions), np.float32))
        users[rows] = _unit_rows(centroids[rows % spec.clusters] + 0.6 * noise)
    return items, users


def user_list(spec: SyntheticSpec, user: int) -> tuple[list[int], list[float]]:
    """A synthetic user's list: item rows of the user's cluster, best first, with weights."""
    rng = np.random.default_rng([spec.seed, user])
    cluster_items = np.arange(user % spec.clusters, spec.items, spec.clusters)
    chosen = rng.choice(
        cluster_items, size=min(spec.list_length, cluster_items.size), replace=False
    )
    weights = np.sort(rng.uniform(1.0, 5.0, size=chosen.size))[::-1]
    return [int(r) for r in chosen], [round(float(w), 3) for w in weights]


def published_lists(
    spec: SyntheticSpec, items: Sequence[CatalogItem], user_ids: Sequence[str], users: Sequence[int]
) -> Iterator[UserTopItems]:
    """The top-item lists of the synthetic users `users` (rows), as training would publish."""
    for user in users:
        rows, weights = user_list(spec, user)
        yield UserTopItems(user_ids[user], tuple(items[r].id for r in rows), tuple(weights))


def synthetic_items(spec: SyntheticSpec) -> list[CatalogItem]:
    """Catalog rows with searchable titles and a long-tailed popularity."""
    rng = np.random.default_rng(spec.seed + 1)
    popularity = rng.zipf(1.6, size=spec.items).clip(max=1_000_000)
    return [
        CatalogItem(
            id=f"{spec.catalog[:1]}{row:07d}",
            title=f"{WORDS[row % len(WORDS)].title()} {GENRES[row % len(GENRES)].title()} {row}",
            creator=f"Author {row % 997}",
            popularity=int(popularity[row]),
        )
        for row in range(spec.items)
    ]


def synthetic_queries(spec: SyntheticSpec, items: Sequence[CatalogItem]) -> Queries:
    """`spec.queries` triples, each three distinct items of a random user's list."""
    rng = np.random.default_rng(spec.seed + 2)
    triples: list[list[int]] = []
    for user in rng.integers(0, spec.users, size=spec.queries).tolist():
        rows, _ = user_list(spec, int(user))
        triples.append([int(r) for r in rng.choice(rows, size=3, replace=False)])
    return Queries(
        catalog=spec.catalog,
        model_version=spec.version,
        items=[[items[r].id for r in t] for t in triples],
        rows=triples,
    )


def neighbour_rows(
    item_embeddings: npt.NDArray[np.float32],
    user_embeddings: npt.NDArray[np.float32],
    triples: Sequence[Sequence[int]],
    k: int,
) -> list[int]:
    """Every user row a request for one of `triples` may read the list of, sorted: the `k`
    nearest users of the triple's mean, and the `k` that `nearest_users_of_each` picks from
    its items (serving's strategies take their neighbours from one or the other), found by
    the float32 scans the served index agrees with, so that no neighbour lacks a list."""
    found: set[int] = set()
    for rows in triples:
        users, _ = nearest_users(user_embeddings, embed_query(item_embeddings, rows), k)
        found.update(users.tolist())
        found.update(nearest_users_of_each(user_embeddings, item_embeddings, rows, k).tolist())
    return sorted(found)


def build_synthetic(spec: SyntheticSpec, out: Path) -> Path:
    """Write the bundle `out/bundle/<catalog>/<version>/` and `out/queries.json`.

    Returns:
        The bundle folder.
    """
    started = time.perf_counter()
    bundle = out / "bundle" / spec.catalog / spec.version
    bundle.mkdir(parents=True, exist_ok=False)
    item_embeddings, user_embeddings = synthetic_tables(spec)
    items = synthetic_items(spec)
    user_ids = [f"u{row:07d}" for row in range(spec.users)]
    queries = synthetic_queries(spec, items)
    published = neighbour_rows(
        item_embeddings, user_embeddings, queries.rows[: spec.handler_triples], spec.neighbours
    )
    write_top_items_file(bundle / TOP_ITEMS, published_lists(spec, items, user_ids, published))

    # TensorFlow loads only here: the rest of this module is numpy.
    from training.bruteforce_index import save_brute_force_index

    save_brute_force_index(
        item_embeddings, user_embeddings, user_ids, bundle / SAVED_MODEL, k=spec.neighbours
    )
    write_bundle(
        bundle,
        catalog=spec.catalog,
        model_version=spec.version,
        item_embeddings=item_embeddings,
        user_embeddings=user_embeddings,
        items=items,
        user_ids=user_ids,
        training={
            "synthetic": asdict(spec),
            "top_items_users": len(published),
            "index_k": spec.neighbours,
            "build_seconds": round(time.perf_counter() - started, 1),
        },
    )
    queries.write(out / QUERIES)
    (out / SPEC).write_text(json.dumps(asdict(spec), sort_keys=True), encoding="utf-8")
    return bundle


def reusable_synthetic(spec: SyntheticSpec, out: Path) -> Path | None:
    """The bundle folder already built from exactly `spec` under `out`, if there is one."""
    bundle = out / "bundle" / spec.catalog / spec.version
    try:
        same = json.loads((out / SPEC).read_text(encoding="utf-8")) == asdict(spec)
    except (OSError, ValueError):
        return None
    complete = (bundle / "manifest.json").is_file() and (out / QUERIES).is_file()
    return bundle if same and complete else None


def real_queries(bundle_dir: Path, count: int, seed: int = 11) -> Queries:
    """`count` triples of a real bundle: three distinct items of a random user's own list
    (users with at least three items), as someone who liked them would pick.

    Raises:
        ValueError: when no user of the bundle has three items.
    """
    bundle = read_bundle(bundle_dir)
    index = bundle.item_rows
    lists: list[list[int]] = []
    for row in read_top_items_file(bundle_dir / TOP_ITEMS):
        known = [index[i] for i in row.items if i in index]
        if len(known) >= 3:
            lists.append(known)
    if not lists:
        raise ValueError(f"no user of {bundle_dir} has three items in their list")
    rng = np.random.default_rng(seed)
    triples = [
        [int(r) for r in rng.choice(lists[u], size=3, replace=False)]
        for u in rng.integers(0, len(lists), size=count).tolist()
    ]
    return Queries(
        catalog=bundle.manifest.catalog,
        model_version=bundle.manifest.model_version,
        items=[[bundle.items[r].id for r in t] for t in triples],
        rows=triples,
    )


def main(argv: list[str] | None = None) -> None:
    """`python -m benchmarks.bundles synthetic --users N --out DIR [--catalog NAME]`."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    synthetic = sub.add_parser("synthetic", help="write a synthetic bundle and its queries")
    synthetic.add_argument("--users", type=int, required=True)
    synthetic.add_argument("--out", type=Path, required=True)
    synthetic.add_argument("--catalog", default="synthetic")
    synthetic.add_argument("--items", type=int, default=SyntheticSpec.items)
    synthetic.add_argument("--queries", type=int, default=SyntheticSpec.queries)
    synthetic.add_argument("--handler-triples", type=int, default=SyntheticSpec.handler_triples)
    synthetic.add_argument("--neighbours", type=int, default=SyntheticSpec.neighbours)
    args = parser.parse_args(argv)
    spec = SyntheticSpec(
        catalog=args.catalog,
        users=args.users,
        items=args.items,
        queries=args.queries,
        handler_triples=args.handler_triples,
        neighbours=args.neighbours,
    )
    bundle = build_synthetic(spec, args.out)
    summary: dict[str, Any] = {"bundle": str(bundle), "spec": asdict(spec)}
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
