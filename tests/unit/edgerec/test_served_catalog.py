"""A served catalog: its items in popularity order, for fallbacks, and its item search."""

from __future__ import annotations

import numpy as np
import pytest

from edgerec.bundle import Bundle, CatalogItem
from edgerec.served_catalog import ServedCatalog


@pytest.fixture
def shelf() -> ServedCatalog:
    items = (
        CatalogItem("substring", "Unforgettable Nights", "Ann Oak", popularity=900),
        CatalogItem("tied-first", "Silent Forge", "Bo Wren", popularity=700),
        CatalogItem("creator-word", "Blue Lake", "Eve Forgeman", popularity=700),
        CatalogItem("unrelated", "Green Hills", "Fay Dune", popularity=1000),
    )
    bundle = Bundle.in_memory(
        catalog="books",
        model_version="v1",
        item_embeddings=np.zeros((len(items), 2), dtype=np.float32),
        user_embeddings=np.zeros((1, 2), dtype=np.float32),
        items=items,
        user_ids=("u",),
    )
    return ServedCatalog(bundle)


def test_most_popular_leaves_out_excluded_ids(shelf):
    found = [i.id for i in shelf.most_popular(2, exclude={"unrelated"})]

    assert found == ["substring", "tied-first"]


def test_equal_popularity_keeps_the_bundle_order(shelf):
    assert [i.id for i in shelf.most_popular(4)] == [
        "unrelated", "substring", "tied-first", "creator-word",
    ]  # fmt: skip


def test_the_item_search_ranks_by_the_catalogs_popularity(shelf):
    found = [i.id for i in shelf.item_search.find("forge", 5)]

    # Word starts, the bundle's order between equals, then the more popular substring match
    assert found == ["tied-first", "creator-word", "substring"]
