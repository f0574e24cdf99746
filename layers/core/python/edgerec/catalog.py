"""A loaded catalog: item metadata, popularity order and title/creator search, built once."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence, Set
from functools import cached_property

import numpy as np

from edgerec.bundle import Bundle, CatalogItem
from edgerec.user_index import BackgroundUserIndex, UserIndex

_WHITESPACE = re.compile(r"\s+")
# Separators of the search text; a query never contains them once whitespace is collapsed.
_RECORD_START = "\n"
_FIELD_SEPARATOR = "\t"


def normalise_text(text: str) -> str:
    """Case-folded, with each run of whitespace collapsed to one space and ends trimmed."""
    return _WHITESPACE.sub(" ", text).strip().casefold()


class Catalog:
    """One catalog's live bundle, with what search and fallbacks need, computed once.

    Searching stays cheap on hundreds of thousands of items: every item's folded
    "title<TAB>creator" is joined, most popular first, into one string, so a keystroke is a
    few C-speed substring scans that stop as soon as enough matches are found.
    """

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle
        self.name = bundle.manifest.catalog
        self.model_version = bundle.manifest.model_version
        self._users = BackgroundUserIndex(bundle.user_embeddings)
        # Most popular first; equal popularity keeps the bundle's order (a stable sort).
        popularity = bundle.item_popularity
        self.popularity_order: tuple[int, ...] = tuple(
            np.argsort(-popularity, kind="stable").tolist()
        )

    @property
    def user_index(self) -> UserIndex:
        """The users' embeddings indexed for exact nearest-user search; the int8 prefilter
        joins once built in the background (see `BackgroundUserIndex`)."""
        return self._users.current()

    def wait_for_user_index(self, timeout: float | None = None) -> UserIndex:
        """The user index once its prefilter, if it wants one, is built."""
        return self._users.ready(timeout)

    @cached_property
    def _search_index(self) -> tuple[str, list[int]]:
        """The joined search text and each record's start offset, built on the first search:
        a function that only recommends never pays for it at cold start."""
        items = self.bundle.items
        starts: list[int] = []
        parts: list[str] = []
        offset = 0
        for row in self.popularity_order:
            item = items[row]
            record = (
                f"{_RECORD_START}{normalise_text(item.title)}"
                f"{_FIELD_SEPARATOR}{normalise_text(item.creator)}"
            )
            starts.append(offset)
            parts.append(record)
            offset += len(record)
        return "".join(parts), starts

    @property
    def _search_text(self) -> str:
        return self._search_index[0]

    @property
    def _record_starts(self) -> list[int]:
        return self._search_index[1]

    @property
    def items(self) -> Sequence[CatalogItem]:
        """Every item, in bundle (embedding row) order."""
        return self.bundle.items

    @property
    def item_index(self) -> dict[str, int]:
        """Item id → row."""
        return self.bundle.item_index

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

    def search(self, query: str, limit: int) -> list[CatalogItem]:
        """Items whose title or creator contains `query`, ignoring case, best first.

        Ranking: titles that start with the query, then items where the query starts a word
        of the title or creator, then any other match; within each, the most popular first.
        An empty query gives the most popular items.
        """
        needle = normalise_text(query)
        if limit <= 0:
            return []
        if not needle:
            return self.most_popular(limit)
        title_starts = self._title_prefix_matches(needle, limit)
        word_starts, elsewhere = self._other_matches(
            needle, limit - len(title_starts), set(title_starts)
        )
        best = [*title_starts, *word_starts, *elsewhere][:limit]
        return [self.bundle.items[self.popularity_order[p]] for p in best]

    def _title_prefix_matches(self, needle: str, limit: int) -> list[int]:
        """Positions (in popularity order) of up to `limit` records whose title starts so."""
        found: list[int] = []
        marker = _RECORD_START + needle
        at = self._search_text.find(marker)
        while at != -1 and len(found) < limit:
            position = self._position_at(at)
            found.append(position)
            at = self._search_text.find(marker, self._record_end(position))
        return found

    def _other_matches(
        self, needle: str, wanted: int, skip: set[int]
    ) -> tuple[list[int], list[int]]:
        """Up to `wanted` records where `needle` starts a word, and up to `wanted` others.

        Plain `str.find` (C speed) jumps from record to record; regex word boundaries would
        be many times slower on a large catalog.
        """
        word_starts: list[int] = []
        elsewhere: list[int] = []
        text = self._search_text
        at = text.find(needle) if wanted > 0 else -1
        while at != -1 and len(word_starts) < wanted:
            position = self._position_at(at)
            end = self._record_end(position)
            if position not in skip:
                hit = at
                while hit != -1 and text[hit - 1].isalnum():
                    hit = text.find(needle, hit + 1, end)
                if hit != -1:
                    word_starts.append(position)
                elif len(elsewhere) < wanted:
                    elsewhere.append(position)
            at = text.find(needle, end)
        return word_starts, elsewhere

    def _position_at(self, offset: int) -> int:
        """The position in popularity order of the record holding text offset `offset`."""
        return bisect.bisect_right(self._record_starts, offset) - 1

    def _record_end(self, position: int) -> int:
        """The text offset just past the record at `position`."""
        following = position + 1
        if following < len(self._record_starts):
            return self._record_starts[following]
        return len(self._search_text)
