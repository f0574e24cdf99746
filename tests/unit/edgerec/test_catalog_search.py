"""Item search: title prefixes first, then word starts, then any match; popularity breaks ties."""

from __future__ import annotations

import pytest

from edgerec.bundle import CatalogItem
from edgerec.catalog_search import CatalogSearch


def search_of(*items: CatalogItem) -> CatalogSearch:
    """The search over `items`, most popular first (equal popularity in the given order)."""
    order = sorted(range(len(items)), key=lambda row: -items[row].popularity)
    return CatalogSearch(items, order)


@pytest.fixture
def shelf() -> CatalogSearch:
    return search_of(
        CatalogItem("substring", "Unforgettable Nights", "Ann Oak", popularity=900),
        CatalogItem("word-start", "Silent Forge", "Bo Wren", popularity=50),
        CatalogItem("prefix-rare", "Forgotten Roads", "Cy Hale", popularity=10),
        CatalogItem("prefix-popular", "FORGE of Stars", "Di Moss", popularity=500),
        CatalogItem("creator-word", "Blue Lake", "Eve Forgeman", popularity=700),
        CatalogItem("unrelated", "Green Hills", "Fay Dune", popularity=1000),
    )


def test_title_prefix_matches_come_first_then_word_starts_then_substrings(shelf):
    found = [i.id for i in shelf.find("forg", 10)]

    assert found == ["prefix-popular", "prefix-rare", "creator-word", "word-start", "substring"]


def test_search_ignores_case_and_surrounding_whitespace(shelf):
    assert [i.id for i in shelf.find("  SILENT   forge ", 10)] == ["word-start"]


def test_search_matches_the_creator(shelf):
    assert [i.id for i in shelf.find("fay", 10)] == ["unrelated"]


def test_search_honours_the_limit_keeping_the_best(shelf):
    assert [i.id for i in shelf.find("forg", 2)] == ["prefix-popular", "prefix-rare"]


def test_an_empty_query_lists_the_most_popular(shelf):
    assert [i.id for i in shelf.find("", 3)] == ["unrelated", "substring", "creator-word"]


def test_a_query_nothing_matches_finds_nothing(shelf):
    assert shelf.find("zzz", 10) == []


def test_regex_characters_in_a_query_are_plain_text():
    shelf = search_of(CatalogItem("a", "C++ Primer", "Lipp", 1), CatalogItem("b", "Cat", "Zed", 2))

    assert [i.id for i in shelf.find("c++", 10)] == ["a"]


def test_the_search_text_is_built_on_the_first_search_with_words_not_before(shelf):
    shelf.find("", 3)
    assert "_records" not in vars(shelf)

    shelf.find("forg", 3)
    assert "_records" in vars(shelf)
