"""The ways a request becomes a ranking, by name: what `STRATEGY` chooses among.

A strategy is two parts: whose lists count (`NeighbourSource`) and how the lists become item
scores (`Scoring`). `edgerec.recommend.recommend` runs them, reads the lists in between, and
ranks what they score. `edgerec.settings` holds the names alone (`STRATEGY_NAMES`), so that
configuration never imports the use case.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from edgerec.blending import blend_top_items, vote_top_items
from edgerec.observability import logger
from edgerec.retrieval import FloatVector, RowVector, nearest_items
from edgerec.served_catalog import ServedCatalog
from edgerec.settings import DEFAULT_STRATEGY as DEFAULT_STRATEGY
from edgerec.settings import unknown_strategy
from edgerec.top_items import TopItems


@dataclass(frozen=True)
class Request:
    """One recommendation request, checked against its catalog and embedded: what every
    strategy starts from."""

    catalog: ServedCatalog
    liked_rows: tuple[int, ...]  # the liked items' rows, each once, in the order given
    liked_ids: frozenset[str]
    query: FloatVector  # the mean of the liked items' embeddings: the query tower
    limit: int
    neighbour_count: int  # how many nearest users' lists to read

    @property
    def liked_row_array(self) -> RowVector:
        """`liked_rows` as an index array."""
        return np.asarray(self.liked_rows, dtype=np.intp)


@dataclass(frozen=True)
class NearestUsers:
    """The users whose lists are read, as rows of the catalog's user table, nearest first,
    with each one's dot product with the query."""

    rows: RowVector
    similarities: FloatVector


@dataclass(frozen=True)
class Candidates:
    """Items a strategy scored, as item rows, none of them liked, with each one's score and
    its closeness to the query (dot product), which orders equal scores."""

    rows: RowVector
    scores: npt.NDArray[np.float64]
    closeness: FloatVector


class NeighbourSource(Protocol):
    """Which users' lists a strategy reads."""

    reads_lists: ClassVar[bool]

    def find(self, request: Request) -> NearestUsers:
        """The users whose lists count for `request`, at most `request.neighbour_count`."""
        ...


class Scoring(Protocol):
    """How a strategy scores items, from the users' lists (or without them)."""

    def candidates(
        self, request: Request, users: NearestUsers, lists: Sequence[TopItems | None]
    ) -> Candidates:
        """The items scored for `request`; `lists` are `users`' lists, aligned (None: none)."""
        ...


@dataclass(frozen=True)
class NearestToQuery:
    """The users nearest the mean of the liked items' embeddings: the model's own question."""

    reads_lists: ClassVar[bool] = True

    def find(self, request: Request) -> NearestUsers:
        """See `NeighbourSource.find`."""
        rows, similarities = request.catalog.user_index.nearest(
            request.query, request.neighbour_count
        )
        return NearestUsers(rows, similarities)


@dataclass(frozen=True)
class NearestToEachItem:
    """Every liked item's nearest users in turn (`UserIndex.nearest_of_each`), which finds the
    people who liked only one of three different picks, where the mean misses them."""

    reads_lists: ClassVar[bool] = True

    def find(self, request: Request) -> NearestUsers:
        """See `NeighbourSource.find`."""
        bundle = request.catalog.bundle
        rows = request.catalog.user_index.nearest_of_each(
            bundle.item_embeddings[request.liked_row_array], request.neighbour_count
        )
        return NearestUsers(rows, bundle.user_embeddings[rows] @ request.query)


@dataclass(frozen=True)
class NoNeighbours:
    """No users, so no list is read (no DynamoDB read)."""

    reads_lists: ClassVar[bool] = False

    def find(self, request: Request) -> NearestUsers:
        """See `NeighbourSource.find`."""
        return NearestUsers(np.empty(0, dtype=np.intp), np.empty(0, dtype=np.float32))


@dataclass(frozen=True)
class Votes:
    """Each list votes for its items; a neighbour whose list holds n of the liked items votes
    1 + overlap_boost * n (`vote_top_items`)."""

    overlap_boost: float

    def candidates(
        self, request: Request, users: NearestUsers, lists: Sequence[TopItems | None]
    ) -> Candidates:
        """See `Scoring.candidates`."""
        votes = vote_top_items(lists, request.liked_ids, self.overlap_boost)
        return listed_candidates(request, votes)


@dataclass(frozen=True)
class Shares:
    """Each list's weights, as shares of the list, scaled by its user's similarity
    (`blend_top_items`)."""

    def candidates(
        self, request: Request, users: NearestUsers, lists: Sequence[TopItems | None]
    ) -> Candidates:
        """See `Scoring.candidates`."""
        shares = blend_top_items(users.similarities.tolist(), lists)
        return listed_candidates(request, shares)


@dataclass(frozen=True)
class NearestItems:
    """The items nearest the query in embedding space, scored by that dot product; no list."""

    def candidates(
        self, request: Request, users: NearestUsers, lists: Sequence[TopItems | None]
    ) -> Candidates:
        """See `Scoring.candidates`."""
        rows, closeness = nearest_items(
            request.catalog.bundle.item_embeddings, request.query, request.limit, request.liked_rows
        )
        return Candidates(rows, closeness.astype(np.float64), closeness)


def listed_candidates(request: Request, scores: Mapping[str, float]) -> Candidates:
    """The items of `scores` (ids from the lists) that are not liked, as rows with their
    closeness; ids the bundle does not have are dropped and counted in a warning."""
    catalog = request.catalog
    ids = [item_id for item_id in scores if item_id not in request.liked_ids]
    rows = [catalog.item_rows.get(item_id, -1) for item_id in ids]
    strangers = rows.count(-1)
    if strangers:
        logger.warning(
            "top-item lists name items the bundle does not have",
            extra={
                "catalog": catalog.name,
                "model_version": catalog.model_version,
                "unknown_items": strangers,
            },
        )
    known = np.asarray([row for row in rows if row >= 0], dtype=np.intp)
    values = np.asarray(
        [scores[i] for i, row in zip(ids, rows, strict=True) if row >= 0], dtype=np.float64
    )
    closeness = catalog.bundle.item_embeddings[known] @ request.query
    return Candidates(known, values, closeness)


@dataclass(frozen=True)
class Strategy:
    """How a request becomes a ranking: whose lists are read, and how items are scored.

    Every strategy starts from the same query (the mean of the liked items' embeddings);
    `training.evaluate` scores each one on held-out newcomers, and the best is the service's
    default (`STRATEGY`).
    """

    name: str
    neighbours: NeighbourSource
    scoring: Scoring
    description: str

    @property
    def reads_lists(self) -> bool:
        """Whether the strategy reads the nearest users' lists (a DynamoDB read)."""
        return self.neighbours.reads_lists


# A neighbour whose own list holds the liked items is surely like the person, so its vote
# counts more; chosen on held-out newcomers (docs/evaluation.md, for the figures).
OVERLAP_BOOST = 10.0

STRATEGIES: dict[str, Strategy] = {
    strategy.name: strategy
    for strategy in (
        Strategy(
            "votes",
            NearestToEachItem(),
            Votes(OVERLAP_BOOST),
            description="each liked item's nearest users in turn; each one's list votes for "
            f"its items, users whose list holds the liked items 1 + {OVERLAP_BOOST:g} x as many",
        ),
        Strategy(
            "query-votes",
            NearestToQuery(),
            Votes(OVERLAP_BOOST),
            description="as votes, with the users nearest the mean of the liked items",
        ),
        Strategy(
            "shares",
            NearestToQuery(),
            Shares(),
            description="the first design: each nearest user's list weights, as shares, "
            "scaled by similarity",
        ),
        Strategy(
            "items",
            NoNeighbours(),
            NearestItems(),
            description="the items nearest the query embedding",
        ),
    )
}


def strategy_named(name: str) -> Strategy:
    """The strategy called `name`.

    Raises:
        ValueError: `name` is not a strategy (the message lists the known ones).
    """
    try:
        return STRATEGIES[name]
    except KeyError:
        raise unknown_strategy(name) from None
