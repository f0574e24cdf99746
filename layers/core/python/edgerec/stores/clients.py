"""botocore clients, created once per process with bounded timeouts and retries.

botocore rather than boto3: boto3 adds nothing the stores use, and importing it (with
s3transfer) lengthens every cold start. Endpoints, region and credentials come
from the environment exactly as with boto3 (AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, ...).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.config import Config
from botocore.session import Session, get_session

# A request must fail fast enough for the API to answer within its own timeout: botocore
# retries connection errors and throttling a little; the stores add their own bounded retry
# where a partial answer (UnprocessedKeys) is possible.
_S3_CONFIG = Config(
    connect_timeout=2,
    read_timeout=20,  # bundle files are tens of MB
    retries={"mode": "standard", "total_max_attempts": 3},
    # Every bundle file is checked against the manifest's sha256 as it streams in, so
    # botocore's own CRC of each download (on by default) is a second pass over tens of MB
    # that catches nothing more, on the cold start's path.
    response_checksum_validation="when_required",
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
def _session() -> Session:
    return get_session()


@cache
def s3_client() -> Any:
    """The process's S3 client (the endpoint comes from AWS_ENDPOINT_URL when set)."""
    return _session().create_client("s3", config=_S3_CONFIG)


@cache
def dynamodb_client() -> Any:
    """The process's DynamoDB client (the endpoint comes from AWS_ENDPOINT_URL when set)."""
    return _session().create_client("dynamodb", config=_DYNAMODB_CONFIG)
