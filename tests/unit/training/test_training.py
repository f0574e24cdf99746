"""Training end to end on small synthetic books: it learns, exports, and numpy agrees with TF."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from edgerec.bundle import (
    MANIFEST,
    SAVED_MODEL,
    TOP_ITEMS,
    read_bundle,
    read_manifest,
    verify_files,
)
from training.datasets import detect_and_load
from training.interactions import keep_active_users, liked_items_by_user

pytestmark = pytest.mark.tensorflow


def numpy_top_users(bundle, item_rows: np.ndarray, k: int) -> list[list[str]]:
    """What serving does: mean of the three item rows, dot with every user, best k."""
    queries = bundle.item_embeddings[item_rows].mean(axis=1)
    scores = queries @ bundle.user_embeddings.T
    best = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [[bundle.user_ids[u] for u in row] for row in best]


def test_training_lowers_the_loss(trained_books):
    losses = trained_books.trained.losses

    assert len(losses) == trained_books.config.epochs
    assert all(later < earlier for earlier, later in pairwise(losses))


def test_nearest_users_of_a_triple_from_one_taste_group_mostly_belong_to_it(trained_books):
    bundle = read_bundle(trained_books.bundle)
    planted = trained_books.planted
    item_group = dict(zip(planted.item_ids, planted.item_groups.tolist(), strict=True))
    user_group = dict(zip(planted.user_ids, planted.user_groups.tolist(), strict=True))
    groups = np.array([item_group[item.id] for item in bundle.items])
    rng = np.random.default_rng(0)
    shares = []
    for query in range(80):
        group = query % 8
        members = np.flatnonzero(groups == group)
        triple = rng.choice(members, size=3, replace=False)
        top = numpy_top_users(bundle, triple[None, :], k=10)[0]
        shares.append(np.mean([user_group[u] == group for u in top]))

    assert np.mean(shares) > 0.7  # random users would give 1/8


def test_numpy_scoring_of_the_bundle_matches_the_saved_model(trained_books, tensorflow):
    bundle = read_bundle(trained_books.bundle)
    index = tensorflow.saved_model.load(str(trained_books.bundle / SAVED_MODEL))
    rng = np.random.default_rng(1)
    queries = np.stack([rng.choice(len(bundle.items), 3, replace=False) for _ in range(50)])

    tf_scores, tf_ids = index(tensorflow.constant(queries, dtype=tensorflow.int32))
    expected = numpy_top_users(bundle, queries, k=10)

    got = [[u.decode() for u in row] for row in tf_ids.numpy().tolist()]
    scores = bundle.item_embeddings[queries].mean(axis=1) @ bundle.user_embeddings.T
    expected_scores = -np.sort(-scores, axis=1)[:, :10]
    np.testing.assert_allclose(tf_scores.numpy(), expected_scores, rtol=1e-4, atol=1e-5)
    compared = 0
    for query, (tf_row, np_row) in enumerate(zip(got, expected, strict=True)):
        gaps = np.diff(-np.sort(-scores[query])[:11])
        if np.all(np.abs(gaps) > 1e-4):  # no near-tie that float order could swap
            assert tf_row == np_row
            compared += 1
    assert compared >= 40


def test_the_saved_model_answers_any_batch_size(trained_books, tensorflow):
    index = tensorflow.saved_model.load(str(trained_books.bundle / SAVED_MODEL))

    _, ids = index(tensorflow.constant([[0, 1, 2]] * 7, dtype=tensorflow.int32))

    assert ids.shape == (7, 10)


def test_every_bundle_file_is_in_the_manifest_and_verifies(trained_books):
    bundle_dir = trained_books.bundle
    manifest = read_manifest(bundle_dir)
    on_disk = {
        p.relative_to(bundle_dir).as_posix()
        for p in bundle_dir.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }

    assert set(manifest.files) == on_disk
    assert TOP_ITEMS in on_disk
    assert any(name.startswith(f"{SAVED_MODEL}/") for name in on_disk)
    verify_files(bundle_dir, manifest, sorted(on_disk))


def test_the_bundle_folder_is_named_by_catalog_and_model_version(trained_books):
    manifest = read_manifest(trained_books.bundle)

    assert trained_books.bundle.name == manifest.model_version
    assert trained_books.bundle.parent.name == manifest.catalog == "books"
    assert manifest.user_count == trained_books.interactions.users
    assert manifest.training["config"] == trained_books.config.to_dict()
    assert manifest.training["examples"] > 0


def test_top_items_lists_each_users_own_likes_best_first_at_most_fifty(trained_books):
    interactions = trained_books.interactions
    likes = liked_items_by_user(interactions)
    lines = (trained_books.bundle / TOP_ITEMS).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]

    assert [r["user"] for r in rows] == interactions.user_ids.tolist()
    for user, row in enumerate(rows):
        liked, _ = likes.of_user(user)
        assert 1 <= len(row["items"]) == len(row["weights"]) <= 50
        assert row["weights"] == sorted(row["weights"], reverse=True)
        assert set(row["items"]) <= set(interactions.item_ids[liked].tolist())


def cli_bundle(data: Path, out: Path, *options: str) -> Path:
    """Run `training.cli` on `data` (smoke preset, one epoch) and return the bundle folder."""
    from training import cli

    cli.main(
        ["--catalog", "songs", "--data", str(data), "--out", str(out),
         "--preset", "smoke", "--epochs", "1", "--quiet", *options]
    )  # fmt: skip
    return next(p for p in (out / "songs").iterdir() if p.is_dir())


def test_cli_trains_exports_and_publishes_when_asked(small_songs, tmp_path, monkeypatch, capsys):
    import training.publish

    published = []

    def fake_publish_bundle(bundle_dir, settings):
        published.append((bundle_dir, settings.model_bucket))
        return "v1"

    monkeypatch.setenv("MODEL_BUCKET", "bucket")
    monkeypatch.setenv("TOP_ITEMS_TABLE", "table")
    monkeypatch.setattr(training.publish, "publish_bundle", fake_publish_bundle)

    bundle = cli_bundle(small_songs, tmp_path, "--publish")

    out = capsys.readouterr().out.splitlines()
    assert str(bundle) in out
    assert published == [(bundle, "bucket")]
    assert read_manifest(bundle).training["preset"] == "smoke"


def test_cli_holds_out_newcomers_and_reports_their_evaluation_beside_the_bundle(
    small_songs, tmp_path
):
    bundle = cli_bundle(small_songs, tmp_path)

    manifest = read_manifest(bundle)
    evaluation = manifest.training["evaluation"]
    report = json.loads((bundle.parent / f"{bundle.name}.evaluation.json").read_text())
    assert evaluation["split"]["test_users"] == report["split"]["test_users"] > 0
    assert manifest.user_count == evaluation["split"]["train_users"]  # newcomers are not in it
    assert [r["name"] for r in evaluation["rows"]] == [r["name"] for r in report["rows"]]
    assert any(r["name"].startswith("served: votes") for r in evaluation["rows"])
    assert (bundle.parent / f"{bundle.name}.evaluation.png").is_file()


def test_cli_without_evaluation_trains_on_every_user(small_songs, tmp_path):
    bundle = cli_bundle(small_songs, tmp_path, "--no-evaluate")

    active = keep_active_users(detect_and_load(small_songs).interactions, 3)
    assert read_manifest(bundle).user_count == active.users
    assert "evaluation" not in read_manifest(bundle).training
    assert [p for p in (tmp_path / "songs").iterdir() if not p.is_dir()] == []
