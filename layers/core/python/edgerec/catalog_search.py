"""Title and creator search over a catalog's items: prefixes first, popularity breaks ties."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from edgerec.bundle import CatalogItem

_WHITESPACE = re.compile(r"\s+")
# Separators of the search text; a query never contains them once whitespace is collapsed.
_RECORD_START = "\n"
_FIELD_SEPARATOR = "\t"


def normalise_text(text: str) -> str:
    """Case-folded, with each run of whitespace collapsed to one space and ends trimmed."""
    return _WHITESPACE.sub(" ", text).strip().casefold()


@dataclass(frozen=True)
class _Records:
    """Every item's folded "title<TAB>creator", each after a newline, most popular first, in
    one string, with each record's start offset: a keystroke is a few C-speed substring scans."""

    text: str
    starts: list[int]

    @classmethod
    def of(cls, items: Sequence[CatalogItem], order: Sequence[int]) -> _Records:
        """The records of `items`, in `order` (rows, most popular first)."""
        starts: list[int] = []
        parts: list[str] = []
        offset = 0
        for row in order:
            item = items[row]
            record = (
                f"{_RECORD_START}{normalise_text(item.title)}"
                f"{_FIELD_SEPARATOR}{normalise_text(item.creator)}"
            )
            starts.append(offset)
            parts.append(record)
            offset += len(record)
        return cls("".join(parts), starts)

    def position_at(self, offset: int) -> int:
        """The position in popularity order of the record holding text offset `offset`."""
        return bisect.bisect_right(self.starts, offset) - 1

    def end_of(self, position: int) -> int:
        """The text offset just past the record at `position`."""
        following = position + 1
        return self.starts[following] if following < len(self.starts) else len(self.text)


class CatalogSearch:
    """Finds a catalog's items by title or creator, ignoring case, most popular first.

    The joined search text is built on the first search that needs it, so a process that
    only recommends never pays for it at cold start.
    """

    def __init__(self, items: Sequence[CatalogItem], popularity_order: Sequence[int]) -> None:
        """`popularity_order`: every row of `items`, most popular first."""
        self._items = items
        self._order = popularity_order

    @cached_property
    def _records(self) -> _Records:
        return _Records.of(self._items, self._order)

    def find(self, query: str, limit: int) -> list[CatalogItem]:
        """Items whose title or creator contains `query`, ignoring case, best first.

        Ranking: titles that start with the query, then items where the query starts a word
        of the title or creator, then any other match; within each, the most popular first.
        An empty query gives the most popular items.
        """
        needle = normalise_text(query)
        if limit <= 0:
            return []
        if not needle:
            return [self._items[row] for row in self._order[:limit]]
        title_starts = self._title_prefix_matches(needle, limit)
        word_starts, elsewhere = self._other_matches(
            needle, limit - len(title_starts), set(title_starts)
        )
        best = [*title_starts, *word_starts, *elsewhere][:limit]
        return [self._items[self._order[p]] for p in best]

    def _title_prefix_matches(self, needle: str, limit: int) -> list[int]:
        """Positions (in popularity order) of up to `limit` records whose title starts so."""
        records = self._records
        found: list[int] = []
        marker = _RECORD_START + needle
        at = records.text.find(marker)
        while at != -1 and len(found) < limit:
            position = records.position_at(at)
            found.append(position)
            at = records.text.find(marker, records.end_of(position))
        return found

    def _other_matches(
        self, needle: str, wanted: int, skip: set[int]
    ) -> tuple[list[int], list[int]]:
        """Up to `wanted` records where `needle` starts a word, and up to `wanted` others.

        Plain `str.find` (C speed) jumps from record to record; regex word boundaries would
        be many times slower on a large catalog.
        """
        records = self._records
        text = records.text
        word_starts: list[int] = []
        elsewhere: list[int] = []
        at = text.find(needle) if wanted > 0 else -1
        while at != -1 and len(word_starts) < wanted:
            position = records.position_at(at)
            end = records.end_of(position)
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
