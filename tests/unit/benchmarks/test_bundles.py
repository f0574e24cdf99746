"""The benchmark's synthetic bundles and queries, without TensorFlow (the SavedModel is
tested in tests/unit/training/test_bruteforce_index.py)."""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from benchmarks.bundles import (
    QUERIES,
    SPEC,
    Queries,
    SyntheticSpec,
    neighbour_rows,
    real_queries,
    reusable_synthetic,
    synthetic_items,
    synthetic_queries,
    synthetic_tables,
    user_list,
)
from benchmarks.reference_retrieval import nearest_users_of_each
from edgerec.bundle import read_bundle
from edgerec.retrieval import embed_query, nearest_users
from tests.unit.edgerec.bundle_factory import published_lists, write_synthetic_bundle

SMALL = SyntheticSpec(catalog="synthetic-small", users=300, items=400, clusters=8, queries=30)


def test_tables_are_unit_rows_of_the_asked_shape_and_the_same_every_time():
    items, users = synthetic_tables(SMALL)
    again_items, again_users = synthetic_tables(SMALL)

    assert items.shape == (400, 64)
    assert users.shape == (300, 64)
    assert items.dtype == users.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(users, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(users, again_users)
    np.testing.assert_array_equal(items, again_items)


def test_users_are_nearest_to_their_own_cluster():
    items, users = synthetic_tables(SMALL)
    centroids = np.stack([items[c :: SMALL.clusters].mean(axis=0) for c in range(SMALL.clusters)])

    closest = np.argmax(users @ centroids.T, axis=1)

    assert np.mean(closest == np.arange(SMALL.users) % SMALL.clusters) > 0.9


def test_a_user_s_list_holds_distinct_items_of_their_cluster_best_first():
    rows, weights = user_list(SMALL, 13)

    assert len(rows) == len(set(rows)) == SMALL.list_length
    assert {r % SMALL.clusters for r in rows} == {13 % SMALL.clusters}
    assert weights == sorted(weights, reverse=True)
    assert user_list(SMALL, 13) == (rows, weights)


def test_queries_are_three_distinct_items_of_one_user_s_list():
    items = synthetic_items(SMALL)

    queries = synthetic_queries(SMALL, items)

    assert len(queries.rows) == SMALL.queries
    for rows, ids in zip(queries.rows, queries.items, strict=True):
        assert len(set(rows)) == 3
        assert len({r % SMALL.clusters for r in rows}) == 1
        assert ids == [items[r].id for r in rows]


def test_neighbour_rows_are_every_user_a_served_strategy_reads_for_the_triples():
    items, users = synthetic_tables(SMALL)
    triples = [[0, 8, 16], [1, 9, 17]]

    found = neighbour_rows(items, users, triples, 5)

    expected = set()
    for t in triples:
        expected.update(nearest_users(users, embed_query(items, t), 5)[0].tolist())
        expected.update(nearest_users_of_each(users, items, t, 5).tolist())
    assert found == sorted(expected)


def test_queries_round_trip_through_json(tmp_path: Path):
    queries = Queries("books", "v1", items=[["a", "b", "c"]], rows=[[0, 1, 2]])

    queries.write(tmp_path / QUERIES)

    assert Queries.read(tmp_path / QUERIES) == queries


def test_a_folder_is_reused_only_for_the_same_spec(tmp_path: Path):
    # Given a folder that looks built from SMALL
    bundle = tmp_path / "bundle" / SMALL.catalog / SMALL.version
    bundle.mkdir(parents=True)
    (bundle / "manifest.json").write_text("{}")
    Queries(SMALL.catalog, SMALL.version, [], []).write(tmp_path / QUERIES)
    (tmp_path / SPEC).write_text(json.dumps(asdict(SMALL)))

    # Then it is reused for SMALL, not for another size, and not without its queries
    assert reusable_synthetic(SMALL, tmp_path) == bundle
    assert reusable_synthetic(replace(SMALL, users=301), tmp_path) is None
    (tmp_path / QUERIES).unlink()
    assert reusable_synthetic(SMALL, tmp_path) is None


def test_real_queries_come_from_users_lists(tmp_path: Path):
    write_synthetic_bundle(tmp_path, items=60, users=40, list_length=8)
    lists = published_lists(tmp_path)
    bundle = read_bundle(tmp_path)

    queries = real_queries(tmp_path, 50)

    assert len(queries.items) == 50
    assert queries.model_version == bundle.manifest.model_version
    for ids, rows in zip(queries.items, queries.rows, strict=True):
        assert len(set(ids)) == 3
        assert any(set(ids) <= set(top.items) for top in lists.values())
        assert [bundle.items[r].id for r in rows] == ids


def test_real_queries_need_a_user_with_three_items(tmp_path: Path):
    write_synthetic_bundle(tmp_path, list_length=2)

    with pytest.raises(ValueError, match="three items"):
        real_queries(tmp_path, 5)


@pytest.mark.tensorflow
def test_a_built_synthetic_bundle_serves_and_its_saved_model_agrees(tmp_path: Path):
    # Given a tiny synthetic bundle, built as `make bench` builds the big ones
    from benchmarks.bundles import build_synthetic

    spec = replace(SMALL, users=120, items=64, queries=6, handler_triples=2, neighbours=5)
    folder = build_synthetic(spec, tmp_path)

    # Then serving reads it, it lists only the handler triples' neighbours, and its
    # SavedModel finds the users the numpy retrieval finds
    import tensorflow as tf

    bundle = read_bundle(folder)
    queries = Queries.read(tmp_path / QUERIES)
    listed = published_lists(folder)
    expected = neighbour_rows(
        bundle.item_embeddings, bundle.user_embeddings, queries.rows[:2], spec.neighbours
    )
    assert sorted(listed) == sorted(bundle.user_ids[r] for r in expected)
    assert reusable_synthetic(spec, tmp_path) == folder
    index = tf.saved_model.load(str(folder / "saved_model"))
    _, ids = index(tf.constant([queries.rows[0]], dtype=tf.int32))
    rows, _ = nearest_users(
        bundle.user_embeddings, embed_query(bundle.item_embeddings, queries.rows[0]), 5
    )
    assert [i.decode() for i in ids.numpy()[0]] == [bundle.user_ids[r] for r in rows]
