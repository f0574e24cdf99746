"""The DynamoDB top-item store: one batch read, bounded retries, and batched writes."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from edgerec.errors import BundleError, StoreUnavailableError
from edgerec.stores.dynamodb_top_items import (
    ROW_FORMAT,
    Backoff,
    CircuitBreaker,
    DynamoDbTopItems,
    user_key,
)
from edgerec.top_items import TopItems, UserTopItems
from tests.unit.edgerec.conftest import TABLE

pytestmark = pytest.mark.usefixtures("aws")


def throttled(operation: str) -> ClientError:
    error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
    return ClientError({"Error": error}, operation)


class ScriptedDynamoDb:
    """Wraps the moto client: holds back half the keys or items, or throttles, as told."""

    def __init__(self, real: Any, *, hold_back: int = 0, throttle: int = 0) -> None:
        self.real = real
        self.hold_back = hold_back
        self.throttle = throttle
        self.requests: list[dict[str, Any]] = []

    def batch_get_item(self, RequestItems: dict[str, Any]) -> Any:  # noqa: N803
        self.requests.append(RequestItems)
        if self.throttle:
            self.throttle -= 1
            raise throttled("BatchGetItem")
        if not self.hold_back:
            return self.real.batch_get_item(RequestItems=RequestItems)
        self.hold_back -= 1
        request = RequestItems[TABLE]
        keys = request["Keys"]
        answer = self.real.batch_get_item(
            RequestItems={TABLE: {**request, "Keys": keys[: len(keys) // 2]}}
        )
        answer["UnprocessedKeys"] = {TABLE: {**request, "Keys": keys[len(keys) // 2 :]}}
        return answer

    def batch_write_item(self, RequestItems: dict[str, Any]) -> Any:  # noqa: N803
        self.requests.append(RequestItems)
        if not self.hold_back:
            return self.real.batch_write_item(RequestItems=RequestItems)
        self.hold_back -= 1
        writes = RequestItems[TABLE]
        self.real.batch_write_item(RequestItems={TABLE: writes[:1]})
        return {"UnprocessedItems": {TABLE: writes[1:]}}


def rows(n: int) -> list[UserTopItems]:
    return [UserTopItems(f"u{i}", (f"b{i}", f"b{i + 1}"), (2.5, 1.0 + i / 10)) for i in range(n)]


def store_over(client: Any, attempts: int = 3) -> DynamoDbTopItems:
    backoff = Backoff(attempts=attempts)
    return DynamoDbTopItems(
        TABLE, client, read_backoff=backoff, write_backoff=backoff, sleep=lambda _: None
    )


def test_written_lists_read_back_unchanged():
    store = DynamoDbTopItems(TABLE)

    written = store.write_top_items("books", "v1", rows(60))
    found = store.read_top_items("books", "v1", ["u0", "u7", "u59"])

    assert written == 60
    assert found == {
        "u0": TopItems(("b0", "b1"), (2.5, 1.0)),
        "u7": TopItems(("b7", "b8"), (2.5, 1.7)),
        "u59": TopItems(("b59", "b60"), (2.5, 6.9)),
    }


def test_rows_are_keyed_by_catalog_version_and_user():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(1))

    item = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"user_key": {"S": user_key("books", "v1", "u0")}}
    )["Item"]

    assert item["user_key"]["S"] == "books#v1#u0"
    assert json.loads(item["items"]["S"]) == ["b0", "b1"]


def test_rows_carry_the_format_they_were_written_in():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(1))

    item = boto3.client("dynamodb").get_item(
        TableName=TABLE, Key={"user_key": {"S": user_key("books", "v1", "u0")}}
    )["Item"]

    assert item["format"] == {"N": str(ROW_FORMAT)}


@pytest.mark.parametrize(
    "row",
    [
        {  # format 1: typed lists, no format attribute
            "items": {"L": [{"S": "b1"}, {"S": "b2"}]},
            "weights": {"L": [{"N": "3.5"}, {"N": "1"}]},
        },
        {"items": {"S": '["b1"]'}, "weights": {"S": "[1.0]"}, "format": {"N": "99"}},
    ],
    ids=["format 1", "a future format"],
)
def test_a_row_of_another_format_is_refused_naming_its_format(row):
    key = user_key("books", "old", "u1")
    boto3.client("dynamodb").put_item(TableName=TABLE, Item={"user_key": {"S": key}, **row})

    with pytest.raises(BundleError, match=f"{key} has format .*reads format {ROW_FORMAT}"):
        DynamoDbTopItems(TABLE).read_top_items("books", "old", ["u1"])


def test_users_without_a_list_are_left_out_and_other_versions_are_not_read():
    store = DynamoDbTopItems(TABLE)
    store.write_top_items("books", "v1", rows(3))

    assert set(store.read_top_items("books", "v1", ["u1", "ghost"])) == {"u1"}
    assert store.read_top_items("books", "v2", ["u1"]) == {}


def test_unprocessed_keys_are_asked_for_again_and_only_they():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(10))
    client = ScriptedDynamoDb(boto3.client("dynamodb"), hold_back=1)
    users = [f"u{i}" for i in range(10)]

    found = store_over(client).read_top_items("books", "v1", users)

    assert set(found) == set(users)
    assert len(client.requests) == 2
    assert len(client.requests[1][TABLE]["Keys"]) == 5


def test_the_read_projects_only_the_attributes_it_needs():
    client = ScriptedDynamoDb(boto3.client("dynamodb"))

    store_over(client).read_top_items("books", "v1", ["u1"])

    request = client.requests[0][TABLE]
    assert set(request["ExpressionAttributeNames"].values()) == {
        "user_key",
        "items",
        "weights",
        "format",
    }


def test_keys_still_unprocessed_after_the_last_try_make_the_store_unavailable():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(8))
    client = ScriptedDynamoDb(boto3.client("dynamodb"), hold_back=99)

    with pytest.raises(StoreUnavailableError):
        store_over(client, attempts=3).read_top_items("books", "v1", [f"u{i}" for i in range(8)])

    assert len(client.requests) == 3


def test_throttling_is_retried_then_answered():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(2))
    client = ScriptedDynamoDb(boto3.client("dynamodb"), throttle=2)

    found = store_over(client, attempts=3).read_top_items("books", "v1", ["u0", "u1"])

    assert set(found) == {"u0", "u1"}


def test_throttling_on_every_try_makes_the_store_unavailable():
    client = ScriptedDynamoDb(boto3.client("dynamodb"), throttle=99)

    with pytest.raises(StoreUnavailableError, match="ProvisionedThroughputExceeded"):
        store_over(client, attempts=2).read_top_items("books", "v1", ["u0"])

    assert len(client.requests) == 2


def test_a_missing_table_makes_the_store_unavailable_at_once():
    client = ScriptedDynamoDb(boto3.client("dynamodb"))
    store = DynamoDbTopItems("no-such-table", client, sleep=lambda _: None)

    with pytest.raises(StoreUnavailableError, match="ResourceNotFoundException"):
        store.read_top_items("books", "v1", ["u0"])

    assert len(client.requests) == 1


def test_more_than_one_batch_of_users_is_refused():
    with pytest.raises(ValueError, match="at most 100"):
        DynamoDbTopItems(TABLE).read_top_items("books", "v1", [f"u{i}" for i in range(101)])


def test_unprocessed_writes_are_retried_until_every_list_is_written():
    client = ScriptedDynamoDb(boto3.client("dynamodb"), hold_back=2)

    written = store_over(client, attempts=4).write_top_items("books", "v1", rows(30))

    assert written == 30
    scan = boto3.client("dynamodb").scan(TableName=TABLE, Select="COUNT")
    assert scan["Count"] == 30


def test_a_list_with_mismatched_weights_is_refused():
    bad = UserTopItems("u0", ("a", "b"), (1.0,))

    with pytest.raises(ValueError, match="2 items but 1 weights"):
        DynamoDbTopItems(TABLE).write_top_items("books", "v1", [bad])


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_after_repeated_failures_dynamodb_is_not_asked_until_the_cooldown_ends():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(1))
    client = ScriptedDynamoDb(boto3.client("dynamodb"), throttle=99)
    clock = Clock()
    store = DynamoDbTopItems(
        TABLE,
        client,
        read_backoff=Backoff(attempts=2, base_seconds=0),
        sleep=lambda _: None,
        breaker=CircuitBreaker(failures=2, cooldown_seconds=5, clock=clock),
    )
    for _ in range(2):
        with pytest.raises(StoreUnavailableError):
            store.read_top_items("books", "v1", ["u0"])
    asked_before_opening = len(client.requests)

    with pytest.raises(StoreUnavailableError, match="not asked"):
        store.read_top_items("books", "v1", ["u0"])
    asked_while_open = len(client.requests) - asked_before_opening
    client.throttle = 0
    clock.now += 5
    found = store.read_top_items("books", "v1", ["u0"])

    assert (asked_before_opening, asked_while_open) == (4, 0)
    assert set(found) == {"u0"}


def test_one_success_closes_the_circuit_again():
    clock = Clock()
    breaker = CircuitBreaker(failures=2, cooldown_seconds=5, clock=clock)
    breaker.failed()
    breaker.succeeded()
    breaker.failed()

    assert breaker.allows()


def test_lists_read_once_are_served_again_without_asking_dynamodb():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(3))
    client = ScriptedDynamoDb(boto3.client("dynamodb"))
    store = store_over(client)

    first = store.read_top_items("books", "v1", ["u0", "u1"])
    second = store.read_top_items("books", "v1", ["u1", "u0"])
    store.read_top_items("books", "v1", ["u1", "u2"])

    assert first == second
    assert [len(r[TABLE]["Keys"]) for r in client.requests] == [2, 1]


def test_the_cache_never_serves_one_versions_list_for_another():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(1))
    client = ScriptedDynamoDb(boto3.client("dynamodb"))
    store = store_over(client)
    store.read_top_items("books", "v1", ["u0"])

    assert store.read_top_items("books", "v2", ["u0"]) == {}
    assert len(client.requests) == 2


def test_the_cache_keeps_only_the_most_recently_used_lists():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(3))
    client = ScriptedDynamoDb(boto3.client("dynamodb"))
    store = DynamoDbTopItems(TABLE, client, sleep=lambda _: None, cache_size=2)
    for user in ("u0", "u1", "u2"):
        store.read_top_items("books", "v1", [user])

    store.read_top_items("books", "v1", ["u2", "u1", "u0"])

    assert [r[TABLE]["Keys"] for r in client.requests][-1] == [{"user_key": {"S": "books#v1#u0"}}]


def test_a_user_without_a_list_is_remembered_and_not_asked_for_again():
    DynamoDbTopItems(TABLE).write_top_items("books", "v1", rows(1))
    client = ScriptedDynamoDb(boto3.client("dynamodb"))
    store = store_over(client)

    first = store.read_top_items("books", "v1", ["u0", "ghost"])
    second = store.read_top_items("books", "v1", ["ghost", "u0"])

    assert set(first) == set(second) == {"u0"}
    assert len(client.requests) == 1
