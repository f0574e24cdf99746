"""The serving process's state: the live catalogs, loaded once, and the use cases over them."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from edgerec.bundle import Bundle, CatalogItem
from edgerec.catalog import Catalog
from edgerec.errors import UnknownCatalogError
from edgerec.explain import closest_inputs
from edgerec.observability import logger
from edgerec.recommend import Recommendations, TopItemsReader, recommend
from edgerec.settings import settings
from edgerec.stores.dynamodb_top_items import DynamoDbTopItems
from edgerec.stores.s3_bundles import LivePointer, S3BundleStore


class BundleSource(Protocol):
    """Where live pointers and bundles come from (S3 in production)."""

    def live_pointers(self) -> dict[str, LivePointer]:
        """Every catalog's live pointer, by catalog name."""
        ...

    def load_bundle(self, catalog: str, model_version: str, cache_dir: Path) -> Bundle:
        """A verified bundle, downloaded into (or reused from) `cache_dir`."""
        ...


@dataclass(frozen=True)
class CatalogHealth:
    """What /health reports about one served catalog."""

    model_version: str
    items: int
    users: int


class LiveCatalogs:
    """The catalogs this process serves, each loaded once from its live bundle.

    Nothing is loaded until first use; then every live catalog is loaded and kept in memory
    for the life of the process. A failed load raises and is retried on the next request.
    `refresh` reloads only catalogs whose live version changed, so picking up new versions
    without a redeploy only needs something to call it.
    """

    def __init__(self, source: BundleSource, cache_dir: Path) -> None:
        self._source = source
        self._cache_dir = cache_dir
        self._catalogs: dict[str, Catalog] | None = None
        self._lock = threading.Lock()

    def refresh(self) -> dict[str, Catalog]:
        """Read the live pointers and load every catalog whose version is not loaded yet."""
        with self._lock:
            loaded = self._catalogs or {}
            fresh: dict[str, Catalog] = {}
            for name, pointer in sorted(self._source.live_pointers().items()):
                current = loaded.get(name)
                if current is not None and current.model_version == pointer.model_version:
                    fresh[name] = current
                    continue
                bundle = self._source.load_bundle(name, pointer.model_version, self._cache_dir)
                fresh[name] = Catalog(bundle)
                logger.info(
                    "catalog loaded",
                    extra={
                        "catalog": name,
                        "model_version": pointer.model_version,
                        "items": bundle.manifest.items,
                        "users": bundle.manifest.users,
                    },
                )
            self._catalogs = fresh
            return fresh

    def all(self) -> Mapping[str, Catalog]:
        """Every served catalog by name, loading them on first use."""
        catalogs = self._catalogs
        return catalogs if catalogs is not None else self.refresh()

    def get(self, name: str) -> Catalog:
        """One served catalog; raises UnknownCatalogError listing the served ones."""
        catalogs = self.all()
        catalog = catalogs.get(name)
        if catalog is None:
            raise UnknownCatalogError(name, sorted(catalogs))
        return catalog


class RecommenderService:
    """What the API offers, with no HTTP: health, item search and recommendations."""

    def __init__(self, catalogs: LiveCatalogs, top_items: TopItemsReader, neighbours: int) -> None:
        self.catalogs = catalogs
        self._top_items = top_items
        self._neighbours = neighbours

    def health(self) -> dict[str, CatalogHealth]:
        """The served catalogs with their model version and sizes."""
        return {
            name: CatalogHealth(
                model_version=c.model_version,
                items=c.bundle.manifest.items,
                users=c.bundle.manifest.users,
            )
            for name, c in self.catalogs.all().items()
        }

    def search(self, catalog: str, query: str, limit: int) -> tuple[Catalog, list[CatalogItem]]:
        """Items of `catalog` matching `query` (see `Catalog.search`), with the catalog."""
        served = self.catalogs.get(catalog)
        return served, served.search(query, limit)

    def recommend(self, catalog: str, liked: Sequence[str], limit: int) -> Recommendations:
        """Recommendations for someone who likes `liked` (see `edgerec.recommend.recommend`)."""
        return recommend(
            self.catalogs.get(catalog), liked, limit, self._top_items, self._neighbours
        )

    def explain(self, answer: Recommendations, liked: Sequence[str]) -> list[str | None]:
        """For each recommended item of `answer`, the id of the liked item it is most like.

        None for every item when the catalog's live version changed since `answer` was made
        (its embeddings would no longer be the ones that chose the items).
        """
        served = self.catalogs.get(answer.catalog)
        index = served.item_index
        inputs = [item_id for item_id in dict.fromkeys(liked) if item_id in index]
        if served.model_version != answer.model_version or not inputs:
            return [None] * len(answer.items)
        closest = closest_inputs(
            served.bundle.item_embeddings,
            [index[item_id] for item_id in inputs],
            [index[s.item.id] for s in answer.items],
        )
        return [inputs[i] for i in closest.tolist()]


@cache
def recommender_service() -> RecommenderService:
    """The process's service, wired to S3 and DynamoDB from the settings; built on first use."""
    config = settings()
    return RecommenderService(
        catalogs=LiveCatalogs(S3BundleStore(config.model_bucket), config.cache_dir),
        top_items=DynamoDbTopItems(config.top_items_table),
        neighbours=config.neighbours,
    )
