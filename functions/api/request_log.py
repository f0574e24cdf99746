"""One structured log line and three metrics per request, never the event or its body."""

from __future__ import annotations

import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.middleware_factory import lambda_handler_decorator
from aws_lambda_powertools.utilities.typing import LambdaContext

from edgerec.observability import logger, metrics


@lambda_handler_decorator
def request_log(
    handler: Callable[[dict[str, Any], LambdaContext], dict[str, Any]],
    event: dict[str, Any],
    context: LambdaContext,
) -> dict[str, Any]:
    """One structured line per request: method, path, status, latency (and the catalog and
    model version the route appended); never the event or its body."""
    started = time.perf_counter()
    response = handler(event, context)
    latency_ms = (time.perf_counter() - started) * 1000
    status = int(response.get("statusCode", 0))
    logger.info(
        "request",
        extra={
            "method": event.get("httpMethod"),
            "path": event.get("path"),
            "status": status,
            "latency_ms": round(latency_ms, 2),
        },
    )
    metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=latency_ms)
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
    return response
