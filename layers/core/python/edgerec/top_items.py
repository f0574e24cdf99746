"""The users' top-item lists: the bundle's `top_items.jsonl`, its limits, and their readers.

Training writes one line per training user into the bundle (`write_top_items_file`);
publishing reads the file back, checked line by line (`read_top_items_file`), into the
top-item store; serving reads the nearest users' lists through a `TopItemsReader`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Protocol

from edgerec.errors import BundleError

# The longest list a user may have: what a serving answer blends per neighbour, and well
# within one DynamoDB item's 400 KB.
MAX_TOP_ITEMS = 50


class TopItems(NamedTuple):
    """One user's best items (ids, best first) and their weights, aligned."""

    items: tuple[str, ...]
    weights: tuple[float, ...]


@dataclass(frozen=True)
class UserTopItems:
    """One line of `top_items.jsonl`: a user's items, best first, and their weights."""

    user: str
    items: tuple[str, ...]
    weights: tuple[float, ...]

    @property
    def top_items(self) -> TopItems:
        """The list without its user."""
        return TopItems(self.items, self.weights)


class TopItemsReader(Protocol):
    """Reads the top-item lists of many users of one model version in one batch."""

    def read_top_items(
        self, catalog: str, model_version: str, user_ids: Sequence[str]
    ) -> Mapping[str, TopItems]:
        """Lists of the users found; absent users are left out.

        Raises:
            StoreUnavailableError: when the store does not answer after its own retries.
        """
        ...


class InMemoryTopItems:
    """A `TopItemsReader` over lists held in memory: the evaluation's and the tests' store."""

    def __init__(self, lists: Mapping[str, TopItems]) -> None:
        self.lists = dict(lists)

    @classmethod
    def from_rows(cls, rows: Iterable[UserTopItems]) -> InMemoryTopItems:
        """The lists of `rows` (as `read_top_items_file` yields them), by user."""
        return cls({row.user: row.top_items for row in rows})

    def read_top_items(
        self, catalog: str, model_version: str, user_ids: Sequence[str]
    ) -> dict[str, TopItems]:
        """The lists of the users found, as the DynamoDB store answers."""
        return {u: self.lists[u] for u in user_ids if u in self.lists}


def list_problem(row: UserTopItems) -> str | None:
    """What makes `row` break the contract (lengths, limit, weights), or None."""
    if len(row.items) != len(row.weights):
        return f"user {row.user!r} has {len(row.items)} items but {len(row.weights)} weights"
    if len(row.items) > MAX_TOP_ITEMS:
        return f"user {row.user!r} has {len(row.items)} items, more than {MAX_TOP_ITEMS}"
    if not all(math.isfinite(w) for w in row.weights):
        return f"user {row.user!r} has a weight that is not a finite number"
    return None


def write_top_items_file(path: Path, rows: Iterable[UserTopItems]) -> int:
    """Write `top_items.jsonl`, one JSON object per user; weights rounded to 6 decimals.

    Returns:
        How many lines (users) were written.

    Raises:
        ValueError: a row breaks the contract (see `list_problem`).
    """
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            problem = list_problem(row)
            if problem is not None:
                raise ValueError(problem)
            line = {
                "user": row.user,
                "items": list(row.items),
                "weights": [round(float(w), 6) for w in row.weights],
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
    return written


def read_top_items_file(path: Path) -> Iterator[UserTopItems]:
    """The rows of `top_items.jsonl`, checked line by line.

    Raises:
        BundleError: naming the line that is malformed, repeats a user, or breaks the limits.
    """
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                body = json.loads(line)
                row = UserTopItems(
                    user=str(body["user"]),
                    items=tuple(str(i) for i in body["items"]),
                    weights=tuple(float(w) for w in body["weights"]),
                )
            except (KeyError, TypeError, ValueError) as e:
                raise BundleError(f"{path.name} line {number} is malformed: {e!r}") from e
            problem = list_problem(row)
            if problem is not None:
                raise BundleError(f"{path.name} line {number}: {problem}")
            if row.user in seen:
                raise BundleError(f"{path.name} line {number} repeats user {row.user!r}")
            seen.add(row.user)
            yield row
