"""A catalog's live bundle as a serving process holds it, with what answers need, built once."""

from __future__ import annotations

from collections.abc import Sequence, Set

import numpy as np

from edgerec.bundle import Bundle, CatalogItem
from edgerec.catalog_search import CatalogSearch
from edgerec.user_index import BackgroundUserIndex, UserIndex


class ServedCatalog:
    """One catalog's live bundle loaded in a serving process: its user index, its items in
    popularity order (for fallbacks) and its item search, each computed once."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.name = bundle.manifest.catalog
        self.model_version = bundle.manifest.model_version
        self.background_user_index = BackgroundUserIndex(bundle.user_embeddings)
        # Most popular first; equal popularity keeps the bundle's order (a stable sort).
        self.popularity_order: tuple[int, ...] = tuple(
            np.argsort(-bundle.item_popularity, kind="stable").tolist()
        )
        self.item_search = CatalogSearch(bundle.items, self.popularity_order)

    @property
    def user_index(self) -> UserIndex:
        """The users' embeddings indexed for exact nearest-user search; the int8 prefilter
        joins once built in the background (see `BackgroundUserIndex`)."""
        return self.background_user_index.current()

    @property
    def items(self) -> Sequence[CatalogItem]:
        """Every item, in bundle (embedding row) order."""
        return self.bundle.items

    @property
    def item_rows(self) -> dict[str, int]:
        """Item id → row."""
        return self.bundle.item_rows

    def most_popular(self, limit: int, exclude: Set[str] = frozenset()) -> list[CatalogItem]:
        """The `limit` most popular items whose ids are not in `exclude`."""
        chosen: list[CatalogItem] = []
        for row in self.popularity_order:
            if len(chosen) >= limit:
                break
            item = self.bundle.items[row]
            if item.id not in exclude:
                chosen.append(item)
        return chosen
