"""boto3 clients, created once per process with bounded timeouts and retries."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# A request must fail fast enough for the API to answer within its own timeout: botocore
# retries connection errors and throttling a little; the stores add their own bounded retry
# where a partial answer (UnprocessedKeys) is possible.
_S3_CONFIG = Config(
    connect_timeout=2,
    read_timeout=20,  # bundle files are tens of MB
    retries={"mode": "standard", "total_max_attempts": 3},
)
# DynamoDB reads sit on the request path: DynamoDbTopItems retries them itself, with a
# backoff capped at half a second and a circuit breaker, so botocore makes one attempt (its
# own backoff may wait seconds).
_DYNAMODB_CONFIG = Config(
    connect_timeout=1,
    read_timeout=2,
    retries={"mode": "standard", "total_max_attempts": 1},
)


@cache
def s3_client() -> Any:
    """The process's S3 client (the endpoint comes from AWS_ENDPOINT_URL when set)."""
    return boto3.client("s3", config=_S3_CONFIG)


@cache
def dynamodb_client() -> Any:
    """The process's DynamoDB client (the endpoint comes from AWS_ENDPOINT_URL when set)."""
    return boto3.client("dynamodb", config=_DYNAMODB_CONFIG)
