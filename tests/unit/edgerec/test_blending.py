"""Blending neighbours' lists into item scores: by similarity-scaled shares, or by votes."""

from __future__ import annotations

import pytest

from edgerec.blending import blend_top_items, vote_top_items
from edgerec.top_items import TopItems


def test_blending_weighs_each_neighbours_normalised_list_by_similarity():
    lists = [TopItems(("a", "b"), (3.0, 1.0)), TopItems(("b", "c"), (1.0, 1.0))]

    scores = blend_top_items([2.0, 1.0], lists)

    # a: 2 * 3/4 = 1.5; b: 2 * 1/4 + 1 * 1/2 = 1.0; c: 1 * 1/2 = 0.5; all over 3.
    assert scores == pytest.approx({"a": 0.5, "b": 1 / 3, "c": 1 / 6})


def test_neighbours_with_negative_similarity_or_no_list_do_not_vote():
    lists = [TopItems(("a",), (1.0,)), None, TopItems(("z",), (1.0,))]

    assert blend_top_items([1.0, 5.0, -2.0], lists) == {"a": 1.0}


def test_votes_count_each_listed_item_once_per_neighbour_whatever_its_weight():
    lists = [TopItems(("a", "b"), (10.0, 1.0)), TopItems(("b", "c"), (1.0, 1.0)), None]

    scores = vote_top_items(lists, frozenset(), overlap_boost=10.0)

    assert scores == pytest.approx({"a": 0.5, "b": 1.0, "c": 0.5})


def test_a_neighbour_whose_list_holds_liked_items_votes_one_plus_boost_per_item():
    lists = [TopItems(("x", "liked-1", "liked-2"), (1.0, 1.0, 1.0)), TopItems(("y",), (1.0,))]

    scores = vote_top_items(lists, frozenset({"liked-1", "liked-2"}), overlap_boost=10.0)

    # votes: 1 + 10 * 2 = 21 and 1, of 22.
    assert scores["x"] == pytest.approx(21 / 22)
    assert scores["y"] == pytest.approx(1 / 22)


def test_no_lists_give_no_votes():
    assert vote_top_items([None, TopItems((), ())], frozenset(), overlap_boost=10.0) == {}
