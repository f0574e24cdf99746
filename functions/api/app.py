"""The API function's entry point: the resolver, built from the modules beside it, and the
Lambda handler."""

from __future__ import annotations

import gc

# Importing this module is Lambda's INIT phase, part of every cold start. The imports below
# make a few hundred thousand objects that live as long as the process; the collector's
# passes over them (started by allocation counts) free nothing and took about 30 ms of
# each cold start. So it is paused until the module is loaded (see its end).
gc.disable()

from typing import Any

from aws_lambda_powertools.event_handler import CORSConfig
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

import http_errors
import openapi_document
import routes
from edgerec.observability import logger, metrics
from edgerec.settings import cors_allowed_origin
from request_body import BodyCheckingResolver
from request_log import request_log

app = BodyCheckingResolver(
    enable_validation=True,
    cors=CORSConfig(allow_origin=cors_allowed_origin()),
    # Never Powertools' debug mode, whatever POWERTOOLS_DEV says: it prints whole events (and
    # their bodies) and puts tracebacks in 500 answers.
    debug=False,
)
# In this order, the document lists the routes as routes.py declares them.
app.include_router(routes.router)
app.include_router(openapi_document.router)
app.include_router(http_errors.router)


@logger.inject_lambda_context(
    # log_event=False whatever POWERTOOLS_LOGGER_LOG_EVENT says: logs never carry a body.
    correlation_id_path=correlation_paths.API_GATEWAY_REST,
    clear_state=True,
    log_event=False,
)
@metrics.log_metrics(capture_cold_start_metric=True)
@request_log
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The Lambda entry point."""
    return app.resolve(event, context)


# What the INIT phase made lives as long as the process: frozen, later collections never walk
# it again (shorter pauses on warm requests too), and the collector runs as usual from here.
gc.freeze()
gc.enable()
