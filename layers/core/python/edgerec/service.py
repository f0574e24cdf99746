"""The serving process's state: the live catalogs, loaded once, and the use cases over them."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

from aws_lambda_powertools.metrics import MetricUnit

from edgerec.bundle import Bundle, CatalogItem
from edgerec.errors import BundleError, EdgeRecError, StoreUnavailableError, UnknownCatalogError
from edgerec.explain import closest_inputs
from edgerec.observability import logger, metrics
from edgerec.recommend import Recommendations, recommend
from edgerec.served_catalog import ServedCatalog
from edgerec.settings import settings
from edgerec.stores.dynamodb_top_items import DynamoDbTopItems
from edgerec.stores.s3_bundles import LivePointer, S3BundleStore
from edgerec.strategies import DEFAULT_STRATEGY, Strategy, strategy_named
from edgerec.top_items import TopItemsReader


class BundleSource(Protocol):
    """Where live pointers and bundles come from (S3 in production)."""

    def live_pointers(self) -> dict[str, LivePointer]:
        """Every catalog's live pointer, by catalog name."""
        ...

    def load_bundle(self, catalog: str, model_version: str, cache_dir: Path) -> Bundle:
        """A verified bundle, downloaded into (or reused from) `cache_dir`."""
        ...

    def cached_bundles(self, cache_dir: Path) -> dict[str, Bundle]:
        """The bundle each catalog last served from `cache_dir`, verified, with no network."""
        ...


@dataclass(frozen=True)
class CatalogHealth:
    """What /health reports about one served catalog."""

    model_version: str
    items: int
    users: int


# How soon to look at S3 again after it failed, whatever the refresh interval.
RETRY_AFTER_FAILURE_SECONDS = 5.0


class LiveCatalogs:
    """The catalogs this process serves, each loaded from its live bundle and kept in memory.

    Nothing is loaded until first use. After that, the live pointers are read again once
    `refresh_seconds` have passed (on the next request), so a warm process picks up a newly
    published version without a redeploy. A version that fails to load (S3 down, checksum
    mismatch, unknown format) is refused and the catalog keeps serving what it served; when
    S3 cannot be reached on first use, the bundles last served from the local cache are used.
    """

    def __init__(
        self,
        source: BundleSource,
        cache_dir: Path,
        refresh_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._source = source
        self._cache_dir = cache_dir
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._catalogs: dict[str, ServedCatalog] | None = None
        self._unavailable: dict[str, EdgeRecError] = {}
        self._next_check = 0.0
        self._lock = threading.Lock()

    def refresh(self) -> dict[str, ServedCatalog]:
        """Read the live pointers and load every catalog whose live version is not loaded.

        Raises:
            StoreUnavailableError, BundleError: only when nothing at all can be served.
        """
        with self._lock:
            loaded = self._catalogs or {}
            self._next_check = self._clock() + self._refresh_seconds
            try:
                pointers = self._source.live_pointers()
            except (StoreUnavailableError, BundleError) as error:
                return self._without_pointers(loaded, error)
            fresh: dict[str, ServedCatalog] = {}
            unavailable: dict[str, EdgeRecError] = {}
            for name, pointer in sorted(pointers.items()):
                current = loaded.get(name)
                if current is not None and current.model_version == pointer.model_version:
                    fresh[name] = current
                    continue
                try:
                    bundle = self._source.load_bundle(name, pointer.model_version, self._cache_dir)
                except (StoreUnavailableError, BundleError) as error:
                    _log_refused(name, pointer.model_version, current, error)
                    if current is not None:
                        fresh[name] = current
                    else:
                        unavailable[name] = error
                    self._next_check = self._clock() + RETRY_AFTER_FAILURE_SECONDS
                    continue
                fresh[name] = ServedCatalog(bundle)
                logger.info(
                    "catalog loaded",
                    extra={
                        "catalog": name,
                        "model_version": pointer.model_version,
                        "item_count": bundle.manifest.item_count,
                        "user_count": bundle.manifest.user_count,
                    },
                )
            if not fresh and unavailable:
                raise next(iter(unavailable.values()))
            self._catalogs, self._unavailable = fresh, unavailable
            return fresh

    def _without_pointers(
        self, loaded: dict[str, ServedCatalog], error: Exception
    ) -> dict[str, ServedCatalog]:
        """Keep serving what is loaded, else what the cache last served, else raise `error`."""
        self._next_check = self._clock() + RETRY_AFTER_FAILURE_SECONDS
        if loaded:
            logger.warning("live pointers unreadable; serving the loaded versions", exc_info=error)
            return loaded
        cached = self._source.cached_bundles(self._cache_dir)
        if not cached:
            raise error
        logger.warning(
            "live pointers unreadable; serving the bundles last cached in this environment",
            extra={"versions": {name: b.manifest.model_version for name, b in cached.items()}},
            exc_info=error,
        )
        metrics.add_metric(name="ServedFromCache", unit=MetricUnit.Count, value=1)
        self._catalogs = {name: ServedCatalog(bundle) for name, bundle in sorted(cached.items())}
        return self._catalogs

    def all(self) -> Mapping[str, ServedCatalog]:
        """Every served catalog by name: loaded on first use, re-checked once due."""
        catalogs = self._catalogs
        if catalogs is None or self._clock() >= self._next_check:
            return self.refresh()
        return catalogs

    def get(self, name: str) -> ServedCatalog:
        """One served catalog.

        Raises:
            UnknownCatalogError: listing the served ones, when `name` has no live bundle.
            StoreUnavailableError, BundleError: its live bundle exists but cannot be loaded.
        """
        catalogs = self.all()
        catalog = catalogs.get(name)
        if catalog is None:
            if name in self._unavailable:
                raise self._unavailable[name]
            raise UnknownCatalogError(name, sorted(catalogs))
        return catalog


def _log_refused(
    catalog: str, model_version: str, current: ServedCatalog | None, error: Exception
) -> None:
    keeps = current.model_version if current is not None else None
    logger.error(
        "live version refused",
        extra={"catalog": catalog, "model_version": model_version, "still_serving": keeps},
        exc_info=error,
    )
    metrics.add_metric(name="RefusedBundles", unit=MetricUnit.Count, value=1)


class RecommenderService:
    """What the API offers, with no HTTP: health, item search and recommendations."""

    def __init__(
        self,
        catalogs: LiveCatalogs,
        top_items: TopItemsReader,
        neighbours: int,
        strategy: Strategy | None = None,
    ) -> None:
        self.catalogs = catalogs
        self._top_items = top_items
        self._neighbours = neighbours
        self._strategy = strategy or strategy_named(DEFAULT_STRATEGY)

    def health(self) -> dict[str, CatalogHealth]:
        """The served catalogs with their model version and sizes."""
        return {
            name: CatalogHealth(
                model_version=c.model_version,
                items=c.bundle.manifest.item_count,
                users=c.bundle.manifest.user_count,
            )
            for name, c in self.catalogs.all().items()
        }

    def search(
        self, catalog: str, query: str, limit: int
    ) -> tuple[ServedCatalog, list[CatalogItem]]:
        """Items of `catalog` matching `query` (see `CatalogSearch.find`), with the catalog."""
        served = self.catalogs.get(catalog)
        return served, served.item_search.find(query, limit)

    def recommend(self, catalog: str, liked: Sequence[str], limit: int) -> Recommendations:
        """Recommendations for someone who likes `liked` (see `edgerec.recommend.recommend`)."""
        return recommend(
            self.catalogs.get(catalog),
            liked,
            limit,
            self._top_items,
            self._neighbours,
            self._strategy,
        )

    def explain(self, answer: Recommendations, liked: Sequence[str]) -> list[str | None]:
        """For each recommended item of `answer`, the id of the liked item it is most like.

        None for every item when the catalog's live version changed since `answer` was made
        (its embeddings would no longer be the ones that chose the items).
        """
        served = self.catalogs.get(answer.catalog)
        row_of = served.item_rows
        inputs = [item_id for item_id in dict.fromkeys(liked) if item_id in row_of]
        if served.model_version != answer.model_version or not inputs:
            return [None] * len(answer.items)
        closest = closest_inputs(
            served.bundle.item_embeddings,
            [row_of[item_id] for item_id in inputs],
            [row_of[s.item.id] for s in answer.items],
        )
        return [inputs[i] for i in closest.tolist()]


@cache
def recommender_service() -> RecommenderService:
    """The process's service, wired to S3 and DynamoDB from the settings; built on first use."""
    config = settings()
    return RecommenderService(
        catalogs=LiveCatalogs(
            S3BundleStore(config.model_bucket), config.cache_dir, config.live_refresh_seconds
        ),
        top_items=DynamoDbTopItems(config.top_items_table),
        neighbours=config.neighbours,
        strategy=strategy_named(config.strategy),
    )
