"""Each user's top items in DynamoDB, keyed `<catalog>#<model_version>#<user_id>`.

A row holds its list as two JSON arrays in string attributes (one typed value each, so
DynamoDB, botocore and moto parse two values per user rather than two per item) and the
`ROW_FORMAT` it was written in; a row of another format is refused, never guessed at.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from edgerec.errors import BundleError, StoreUnavailableError
from edgerec.stores.clients import dynamodb_client
from edgerec.top_items import TopItems, UserTopItems, list_problem

BATCH_GET_LIMIT = 100  # DynamoDB's BatchGetItem maximum
BATCH_WRITE_LIMIT = 25  # DynamoDB's BatchWriteItem maximum
# The row layout's version, stored in each row's `format` attribute. 1 held typed `L` lists
# (and no attribute); 2 holds JSON arrays in `S` attributes.
ROW_FORMAT = 2
_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}


def user_key(catalog: str, model_version: str, user_id: str) -> str:
    """The table's hash key for one user's list of one model version."""
    return f"{catalog}#{model_version}#{user_id}"


@dataclass(frozen=True)
class Backoff:
    """Bounded exponential backoff with full jitter, for partial or throttled batches."""

    attempts: int = 3  # tries of one batch, the first included
    base_seconds: float = 0.05
    cap_seconds: float = 0.5

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number `attempt` (1-based)."""
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1)))


class CircuitBreaker:
    """Stops calling a dependency that keeps failing, for a while, so that answers during an
    outage are fast degraded ones instead of slow retried failures.

    After `failures` failed requests in a row the circuit opens for `cooldown_seconds`;
    then one request is let through to try again, and one success closes it.
    """

    def __init__(
        self,
        failures: int = 3,
        cooldown_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failures
        self._cooldown = cooldown_seconds
        self._clock = clock
        self._failures = 0
        self._open_until = 0.0

    def allows(self) -> bool:
        """Whether a call may be tried now."""
        return self._failures < self._threshold or self._clock() >= self._open_until

    def succeeded(self) -> None:
        """Record a request that worked: the circuit closes."""
        self._failures = 0

    def failed(self) -> None:
        """Record a request that failed after its retries."""
        self._failures += 1
        if self._failures >= self._threshold:
            self._open_until = self._clock() + self._cooldown


class DynamoDbTopItems:
    """Reads and writes the top-item table; the one module that knows its item layout."""

    def __init__(
        self,
        table: str,
        client: Any | None = None,
        *,
        read_backoff: Backoff = Backoff(),
        write_backoff: Backoff = Backoff(attempts=8, cap_seconds=2.0),
        sleep: Callable[[float], None] = time.sleep,
        breaker: CircuitBreaker | None = None,
        cache_size: int = 5_000,
    ) -> None:
        self.table = table
        self._dynamodb = client if client is not None else dynamodb_client()
        self._read_backoff = read_backoff
        self._write_backoff = write_backoff
        self._sleep = sleep
        self._breaker = breaker if breaker is not None else CircuitBreaker()
        # A model version's lists never change, so a warm process keeps the ones it read
        # (least recently used out first): popular neighbours then cost no DynamoDB read.
        self._cache: OrderedDict[str, TopItems] = OrderedDict()
        self._cache_size = cache_size
        self._cache_lock = threading.Lock()

    def read_top_items(
        self, catalog: str, model_version: str, user_ids: Sequence[str]
    ) -> dict[str, TopItems]:
        """The lists of `user_ids` (at most 100) in one BatchGetItem, unprocessed keys retried.

        Returns:
            user id → TopItems, for the users found.

        Raises:
            ValueError: more than 100 distinct users.
            BundleError: a row is not of `ROW_FORMAT` (written by other code).
            StoreUnavailableError: DynamoDB failed, or left keys unprocessed, on every try;
                or it failed so often lately that the circuit breaker is open.
        """
        wanted = list(dict.fromkeys(user_ids))
        if len(wanted) > BATCH_GET_LIMIT:
            raise ValueError(f"one batch reads at most {BATCH_GET_LIMIT} users, not {len(wanted)}")
        if not wanted:
            return {}
        prefix = user_key(catalog, model_version, "")
        known = self._cached(prefix, wanted)
        missing = [u for u in wanted if u not in known]
        if not missing:
            return _present(known)
        if not self._breaker.allows():
            raise StoreUnavailableError("DynamoDB failed repeatedly; not asked for a while")
        try:
            read = self._read(catalog, model_version, missing)
        except StoreUnavailableError:
            self._breaker.failed()
            raise
        self._breaker.succeeded()
        # Every key was processed, so a user not read has no list of this version, and never
        # will (a version's lists are all written before it goes live): remembered too, or
        # each request that finds that user would ask DynamoDB again.
        self._remember(prefix, {user: read.get(user, _NO_LIST) for user in missing})
        return _present({**known, **read})

    def _cached(self, prefix: str, users: Sequence[str]) -> dict[str, TopItems]:
        with self._cache_lock:
            hits: dict[str, TopItems] = {}
            for user in users:
                top = self._cache.get(prefix + user)
                if top is not None:
                    self._cache.move_to_end(prefix + user)
                    hits[user] = top
            return hits

    def _remember(self, prefix: str, lists: Mapping[str, TopItems]) -> None:
        with self._cache_lock:
            for user, top in lists.items():
                self._cache[prefix + user] = top
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _read(self, catalog: str, model_version: str, wanted: list[str]) -> dict[str, TopItems]:
        """One BatchGetItem of `wanted`, its unprocessed keys retried with backoff."""
        prefix = user_key(catalog, model_version, "")
        request: dict[str, Any] = {
            self.table: {
                "Keys": [{"user_key": {"S": prefix + u}} for u in wanted],
                "ProjectionExpression": "#k, #i, #w, #f",
                "ExpressionAttributeNames": {
                    "#k": "user_key",
                    "#i": "items",
                    "#w": "weights",
                    "#f": "format",
                },
            }
        }
        found: dict[str, TopItems] = {}
        for attempt in range(1, self._read_backoff.attempts + 1):
            answer = self._call("BatchGetItem", attempt, self._read_backoff, request)
            if answer is None:
                continue
            for row in answer.get("Responses", {}).get(self.table, []):
                user_id = row["user_key"]["S"].removeprefix(prefix)
                found[user_id] = _top_items_from_row(row)
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return found
            self._wait(attempt, self._read_backoff)
        raise StoreUnavailableError(
            f"DynamoDB did not return every top-item list of {catalog}/{model_version} "
            f"after {self._read_backoff.attempts} tries"
        )

    def write_top_items(
        self, catalog: str, model_version: str, rows: Iterable[UserTopItems]
    ) -> int:
        """Write every user's list of one model version, 25 per BatchWriteItem.

        Returns:
            How many lists were written.

        Raises:
            ValueError: a list that breaks the contract (`edgerec.top_items.list_problem`).
            StoreUnavailableError: DynamoDB kept failing, or kept items unprocessed.
        """
        written = 0
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append({"PutRequest": {"Item": _row_item(catalog, model_version, row)}})
            if len(batch) == BATCH_WRITE_LIMIT:
                written += self._write_batch(batch)
                batch = []
        if batch:
            written += self._write_batch(batch)
        return written

    def _write_batch(self, batch: list[dict[str, Any]]) -> int:
        request: dict[str, Any] = {self.table: batch}
        for attempt in range(1, self._write_backoff.attempts + 1):
            answer = self._call("BatchWriteItem", attempt, self._write_backoff, request)
            if answer is None:
                continue
            request = answer.get("UnprocessedItems") or {}
            if not request:
                return len(batch)
            self._wait(attempt, self._write_backoff)
        raise StoreUnavailableError(
            f"DynamoDB left top-item lists unwritten after {self._write_backoff.attempts} tries"
        )

    def _call(
        self, operation: str, attempt: int, backoff: Backoff, request: dict[str, Any]
    ) -> Mapping[str, Any] | None:
        """One batch call; None after a retryable failure (having waited), raising otherwise."""
        try:
            if operation == "BatchGetItem":
                answer: Mapping[str, Any] = self._dynamodb.batch_get_item(RequestItems=request)
            else:
                answer = self._dynamodb.batch_write_item(RequestItems=request)
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code not in _RETRYABLE or attempt == backoff.attempts:
                raise StoreUnavailableError(f"DynamoDB {operation} failed: {code}") from e
        except BotoCoreError as e:
            if attempt == backoff.attempts:
                raise StoreUnavailableError(
                    f"DynamoDB {operation} failed: {type(e).__name__}"
                ) from e
        else:
            return answer
        self._wait(attempt, backoff)
        return None

    def _wait(self, attempt: int, backoff: Backoff) -> None:
        if attempt < backoff.attempts:
            self._sleep(backoff.delay(attempt))


# Remembered for a user the table has no list for; never returned.
_NO_LIST = TopItems((), ())


def _present(lists: Mapping[str, TopItems]) -> dict[str, TopItems]:
    """`lists` without the users remembered as having none."""
    return {user: top for user, top in lists.items() if top is not _NO_LIST}


def _top_items_from_row(row: Mapping[str, Any]) -> TopItems:
    """A stored list; BundleError when the row is not of `ROW_FORMAT` or is malformed."""
    key = row.get("user_key", {}).get("S", "?")
    written_as = row.get("format", {}).get("N")
    if written_as != str(ROW_FORMAT):
        raise BundleError(
            f"top-item row {key} has format {written_as or 'none (1)'}; "
            f"this code reads format {ROW_FORMAT}: publish that version again"
        )
    try:
        items = tuple(str(v) for v in json.loads(row["items"]["S"]))
        weights = tuple(float(v) for v in json.loads(row["weights"]["S"]))
    except (KeyError, TypeError, ValueError) as e:
        raise BundleError(f"top-item row {key} is malformed: {e!r}") from e
    if len(items) != len(weights):
        raise BundleError(f"top-item row {key} has {len(items)} items, {len(weights)} weights")
    return TopItems(items, weights)


def _row_item(catalog: str, model_version: str, row: UserTopItems) -> dict[str, Any]:
    problem = list_problem(row)
    if problem is not None:
        raise ValueError(problem)
    return {
        "user_key": {"S": user_key(catalog, model_version, row.user)},
        "items": {"S": json.dumps(list(row.items), separators=(",", ":"))},
        "weights": {"S": json.dumps([float(w) for w in row.weights], separators=(",", ":"))},
        "format": {"N": str(ROW_FORMAT)},
    }
