"""Interactions: one row per liked pair, id maps, a catalog row per item, likes by user."""

from __future__ import annotations

import numpy as np
import pytest

from training.interactions import (
    UNKNOWN_CREATOR,
    Interactions,
    build_interactions,
    keep_active_users,
    liked_items_by_user,
)


@pytest.fixture
def small() -> Interactions:
    return build_interactions(
        ["u2", "u1", "u1", "u1", "u2", "u3", "u1"],
        ["b", "a", "b", "c", "c", "a", "a"],
        [3.0, 5.0, 9.0, 7.0, 8.0, 1.0, 6.0],
        {"a": ("Alpha", "Ann"), "b": ("Beta", "Bob")},
    )


def rows_of(interactions: Interactions) -> set[tuple[str, str, float]]:
    return {
        (str(interactions.user_ids[u]), str(interactions.item_ids[i]), float(w))
        for u, i, w in zip(
            interactions.user_index, interactions.item_index, interactions.weight, strict=True
        )
    }


def test_a_pair_seen_twice_keeps_its_largest_weight(small):
    assert ("u1", "a", 6.0) in rows_of(small)
    assert ("u1", "a", 5.0) not in rows_of(small)
    assert len(small) == 6


def test_rows_without_a_positive_weight_are_dropped():
    interactions = build_interactions(["u1", "u1", "u2"], ["a", "b", "a"], [0.0, -1.0, 2.0])

    assert rows_of(interactions) == {("u2", "a", 2.0)}
    assert interactions.user_ids.tolist() == ["u2"]


def test_items_without_metadata_are_titled_by_id_and_credited_to_unknown(small):
    c = small.catalog["c"]

    assert (c.title, c.creator) == ("c", UNKNOWN_CREATOR)
    assert (small.catalog["a"].title, small.catalog["a"].creator) == ("Alpha", "Ann")


def test_popularity_counts_the_users_who_liked_an_item(small):
    assert {i.id: i.popularity for i in small.items} == {"a": 2, "b": 2, "c": 2}


def test_index_arrays_are_int32_and_weights_float32(small):
    assert small.user_index.dtype == np.int32
    assert small.item_index.dtype == np.int32
    assert small.weight.dtype == np.float32


def test_indices_outside_the_id_arrays_are_refused(small):
    with pytest.raises(ValueError, match="outside"):
        Interactions(
            user_ids=small.user_ids,
            item_ids=small.item_ids,
            user_index=small.user_index + 5,
            item_index=small.item_index,
            weight=small.weight,
            items=small.items,
        )


def test_liked_items_are_sorted_by_weight_best_first_and_cut_to_top(small):
    likes = liked_items_by_user(small, top=2)
    u1 = int(np.flatnonzero(small.user_ids == "u1")[0])
    rows, weights = likes.of_user(u1)

    assert small.item_ids[rows].tolist() == ["b", "c"]
    assert weights.tolist() == [9.0, 7.0]


def test_equal_weights_put_the_more_popular_item_first():
    interactions = build_interactions(
        ["u1", "u1", "u2", "u3"], ["rare", "hit", "hit", "hit"], [8.0, 8.0, 1.0, 1.0]
    )
    rows, _ = liked_items_by_user(interactions).of_user(0)

    assert interactions.item_ids[rows].tolist() == ["hit", "rare"]


def test_keep_active_users_drops_users_with_few_likes_and_items_only_they_liked(small):
    active = keep_active_users(small, min_likes=3)

    assert active.user_ids.tolist() == ["u1"]
    assert active.item_ids.tolist() == ["a", "b", "c"]
    assert rows_of(active) == {("u1", "a", 6.0), ("u1", "b", 9.0), ("u1", "c", 7.0)}
    assert {i.id: i.popularity for i in active.items} == {"a": 1, "b": 1, "c": 1}
    assert active.catalog["a"].title == "Alpha"
