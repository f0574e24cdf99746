"""The local API under load: mixed traffic from 32 clients, clean and with DynamoDB failing.

The full-size run (20,000 requests each) is `make bench`; this is the same code, smaller.
"""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.load import catalog_sample, plan_requests, run_load
from benchmarks.load_stack import clean_run, faulty_run, load_stack
from tests.local_api import LocalApi

REPO = Path(__file__).resolve().parents[2]
REQUESTS, CLIENTS = 1_000, 32


def test_mixed_load_gets_no_errors_and_a_dependency_outage_only_degrades_answers(
    published_books, tmp_path
):
    with load_stack(published_books, tmp_path / "clean") as stack:
        clean = clean_run(stack, REQUESTS, CLIENTS)
    with load_stack(published_books, tmp_path / "faulty") as stack:
        faulty = faulty_run(stack, REQUESTS, CLIENTS)
        ids, _ = catalog_sample(stack.url, "books")
        after = LocalApi(stack.url).post_json(
            "/catalogs/books/recommendations", {"items": ids[:3], "limit": 5}
        )

    (REPO / "test-artifacts").mkdir(exist_ok=True)
    report = {"clean": clean.to_dict(), "dependencies_fail_half_way": faulty.to_dict()}
    (REPO / "test-artifacts" / "load.json").write_text(json.dumps(report, indent=2))
    assert clean.requests == REQUESTS
    assert clean.statuses == {200: REQUESTS}
    assert (clean.connection_errors, clean.degraded) == (0, 0)
    assert faulty.requests == REQUESTS
    assert faulty.statuses == {200: REQUESTS}
    assert faulty.connection_errors == 0
    assert faulty.degraded > 0
    assert after.status == 200  # still answering, from cached lists or degraded
    assert len(after.body["items"]) == 5


def test_the_load_plan_mixes_searches_and_recommendations_of_three_distinct_items():
    planned = plan_requests("books", ["a", "b", "c", "d"], ["night", "river"], 400, seed=3)

    searches = [r for r in planned if r.method == "GET"]
    triples = [json.loads(r.body or b"{}")["items"] for r in planned if r.method == "POST"]

    assert 120 < len(searches) < 280
    assert all(len(set(t)) == 3 for t in triples)
    assert len(searches) + len(triples) == 400


def test_a_refused_connection_is_counted_not_raised():
    report = run_load("http://127.0.0.1:9", plan_requests("b", ["a", "b", "c"], ["x"], 5), 2)

    assert report.connection_errors == 5
    assert report.server_errors == 0
