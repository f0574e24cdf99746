"""The recommendation use case over a synthetic catalog and an in-memory top-item store."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from benchmarks.reference_retrieval import nearest_users_of_each
from edgerec.errors import StoreUnavailableError, UnknownItemsError
from edgerec.recommend import recommend
from edgerec.retrieval import embed_query, nearest_items, nearest_users
from edgerec.served_catalog import ServedCatalog
from edgerec.strategies import STRATEGIES, strategy_named
from edgerec.top_items import TopItems
from tests.unit.edgerec.bundle_factory import RecordingTopItems, published_lists

NEIGHBOURS = 5


@pytest.fixture
def reader(bundle_dir: Path) -> RecordingTopItems:
    return RecordingTopItems(published_lists(bundle_dir))


def popular_ids(catalog: ServedCatalog, n: int) -> list[str]:
    return [item.id for item in catalog.most_popular(n)]


class FailingReader:
    def read_top_items(
        self, catalog: str, model_version: str, user_ids: Sequence[str]
    ) -> dict[str, TopItems]:
        raise StoreUnavailableError("DynamoDB BatchGetItem failed: ThrottlingException")


def test_recommendations_never_include_an_input_item(catalog, reader):
    for start in range(0, 30, 3):
        liked = [item.id for item in catalog.items[start : start + 3]]

        answer = recommend(catalog, liked, 20, reader, NEIGHBOURS)

        assert not {s.item.id for s in answer.items} & set(liked)


@pytest.mark.parametrize("limit", [1, 7, 25])
def test_recommendations_hold_exactly_limit_distinct_items_best_first(catalog, reader, limit):
    answer = recommend(catalog, popular_ids(catalog, 3), limit, reader, NEIGHBOURS)

    ids = [s.item.id for s in answer.items]
    scores = [s.score for s in answer.items]
    assert len(ids) == len(set(ids)) == limit
    assert scores == sorted(scores, reverse=True)
    assert answer.degraded is False
    assert (answer.catalog, answer.model_version) == ("books", catalog.model_version)


def test_the_nearest_users_lists_are_read_in_one_batch(catalog, reader):
    liked = popular_ids(catalog, 3)
    query = embed_query(catalog.bundle.item_embeddings, [catalog.item_rows[i] for i in liked])
    rows, _ = nearest_users(catalog.bundle.user_embeddings, query, NEIGHBOURS)

    recommend(catalog, liked, 5, reader, NEIGHBOURS, strategy_named("query-votes"))

    expected_users = [catalog.bundle.user_ids[r] for r in rows]
    assert reader.calls == [("books", catalog.model_version, expected_users)]


def test_the_default_strategy_reads_the_lists_of_each_liked_items_nearest_users(catalog, reader):
    liked = popular_ids(catalog, 3)
    rows = nearest_users_of_each(
        catalog.bundle.user_embeddings,
        catalog.bundle.item_embeddings,
        [catalog.item_rows[i] for i in liked],
        NEIGHBOURS,
    )

    recommend(catalog, liked, 5, reader, NEIGHBOURS)

    expected_users = [catalog.bundle.user_ids[r] for r in rows]
    assert reader.calls == [("books", catalog.model_version, expected_users)]


def test_items_from_neighbours_lists_come_before_fill_items(catalog, reader):
    answer = recommend(catalog, popular_ids(catalog, 3), 5, reader, NEIGHBOURS)

    listed = {i for top in reader.lists.values() for i in top.items}
    assert all(s.item.id in listed and s.score > 0 for s in answer.items)


def test_short_lists_are_filled_from_the_items_nearest_the_query(catalog):
    liked = popular_ids(catalog, 3)
    liked_rows = [catalog.item_rows[i] for i in liked]
    query = embed_query(catalog.bundle.item_embeddings, liked_rows)
    rows, _ = nearest_items(catalog.bundle.item_embeddings, query, 6, liked_rows)
    nobody_found = RecordingTopItems({})

    answer = recommend(catalog, liked, 6, nobody_found, NEIGHBOURS)

    assert [s.item.id for s in answer.items] == [catalog.items[r].id for r in rows]
    assert all(s.score == 0.0 for s in answer.items)


def test_fill_items_are_neither_inputs_nor_already_chosen(catalog, bundle_dir):
    liked = popular_ids(catalog, 3)
    one_short_list = {
        u: TopItems(t.items[:2], t.weights[:2]) for u, t in published_lists(bundle_dir).items()
    }

    answer = recommend(catalog, liked, 30, RecordingTopItems(one_short_list), 1)

    ids = [s.item.id for s in answer.items]
    assert len(ids) == len(set(ids)) == 30
    assert not set(ids) & set(liked)


def test_unknown_item_ids_are_all_listed(catalog, reader):
    liked = [catalog.items[0].id, "nope-1", "nope-2"]

    with pytest.raises(UnknownItemsError) as raised:
        recommend(catalog, liked, 5, reader, NEIGHBOURS)

    assert raised.value.unknown == ["nope-1", "nope-2"]
    assert reader.calls == []


def test_an_unavailable_store_gives_the_most_popular_non_input_items_flagged_degraded(catalog):
    liked = popular_ids(catalog, 2)

    answer = recommend(catalog, liked, 4, FailingReader(), NEIGHBOURS)

    assert answer.degraded is True
    assert [s.item.id for s in answer.items] == popular_ids(catalog, 6)[2:6]


def test_no_liked_items_is_refused(catalog, reader):
    with pytest.raises(ValueError, match="at least one"):
        recommend(catalog, [], 5, reader, NEIGHBOURS)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_strategy_answers_limit_distinct_items_that_are_not_inputs(catalog, reader, name):
    liked = popular_ids(catalog, 3)

    answer = recommend(catalog, liked, 12, reader, NEIGHBOURS, strategy_named(name))

    ids = [s.item.id for s in answer.items]
    assert len(ids) == len(set(ids)) == 12
    assert not set(ids) & set(liked)
    assert [s.score for s in answer.items] == sorted((s.score for s in answer.items), reverse=True)


def test_the_items_strategy_reads_no_list_and_answers_the_nearest_items(catalog, reader):
    liked = popular_ids(catalog, 3)
    liked_rows = [catalog.item_rows[i] for i in liked]
    query = embed_query(catalog.bundle.item_embeddings, liked_rows)
    rows, _ = nearest_items(catalog.bundle.item_embeddings, query, 5, liked_rows)

    answer = recommend(catalog, liked, 5, reader, NEIGHBOURS, strategy_named("items"))

    assert reader.calls == []
    assert [s.item.id for s in answer.items] == [catalog.items[r].id for r in rows]


def test_equal_votes_are_ordered_by_closeness_to_the_query(catalog):
    liked = popular_ids(catalog, 3)
    others = [item.id for item in catalog.items if item.id not in liked][:6]
    everyone = {user: TopItems(tuple(others), (1.0,) * 6) for user in catalog.bundle.user_ids}
    liked_rows = [catalog.item_rows[i] for i in liked]
    query = embed_query(catalog.bundle.item_embeddings, liked_rows)
    closeness = {
        i: float(catalog.bundle.item_embeddings[catalog.item_rows[i]] @ query) for i in others
    }

    answer = recommend(catalog, liked, 6, RecordingTopItems(everyone), NEIGHBOURS)

    assert [s.item.id for s in answer.items] == sorted(others, key=lambda i: -closeness[i])
    assert {s.score for s in answer.items} == {1.0}
