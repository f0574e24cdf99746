"""Item search: title prefixes first, then word starts, then any match; popularity breaks ties."""

from __future__ import annotations

import numpy as np
import pytest

from edgerec.bundle import Bundle, CatalogItem
from edgerec.catalog import Catalog


def catalog_of(*items: CatalogItem) -> Catalog:
    bundle = Bundle.in_memory(
        catalog="books",
        model_version="v1",
        item_embeddings=np.zeros((len(items), 2), dtype=np.float32),
        user_embeddings=np.zeros((1, 2), dtype=np.float32),
        items=items,
        user_ids=("u",),
    )
    return Catalog(bundle)


@pytest.fixture
def shelf() -> Catalog:
    return catalog_of(
        CatalogItem("substring", "Unforgettable Nights", "Ann Oak", popularity=900),
        CatalogItem("word-start", "Silent Forge", "Bo Wren", popularity=50),
        CatalogItem("prefix-rare", "Forgotten Roads", "Cy Hale", popularity=10),
        CatalogItem("prefix-popular", "FORGE of Stars", "Di Moss", popularity=500),
        CatalogItem("creator-word", "Blue Lake", "Eve Forgeman", popularity=700),
        CatalogItem("unrelated", "Green Hills", "Fay Dune", popularity=1000),
    )


def test_title_prefix_matches_come_first_then_word_starts_then_substrings(shelf):
    found = [i.id for i in shelf.search("forg", 10)]

    assert found == ["prefix-popular", "prefix-rare", "creator-word", "word-start", "substring"]


def test_search_ignores_case_and_surrounding_whitespace(shelf):
    assert [i.id for i in shelf.search("  SILENT   forge ", 10)] == ["word-start"]


def test_search_matches_the_creator(shelf):
    assert [i.id for i in shelf.search("fay", 10)] == ["unrelated"]


def test_search_honours_the_limit_keeping_the_best(shelf):
    assert [i.id for i in shelf.search("forg", 2)] == ["prefix-popular", "prefix-rare"]


def test_an_empty_query_lists_the_most_popular(shelf):
    assert [i.id for i in shelf.search("", 3)] == ["unrelated", "substring", "creator-word"]


def test_a_query_nothing_matches_finds_nothing(shelf):
    assert shelf.search("zzz", 10) == []


def test_regex_characters_in_a_query_are_plain_text():
    shelf = catalog_of(CatalogItem("a", "C++ Primer", "Lipp", 1), CatalogItem("b", "Cat", "Zed", 2))

    assert [i.id for i in shelf.search("c++", 10)] == ["a"]


def test_most_popular_leaves_out_excluded_ids(shelf):
    found = [i.id for i in shelf.most_popular(2, exclude={"unrelated"})]

    assert found == ["substring", "creator-word"]
