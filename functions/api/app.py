"""The API function's entry point: its resolver, built from the sibling modules, and its handler."""

from __future__ import annotations

from cold_start import collector_paused_for_init

# Importing this module is Lambda's INIT phase: the imports and the resolver live as long as the
# process, so they are made with the collector paused. Process-wide choices belong here too.
with collector_paused_for_init():
    from typing import Any

    from aws_lambda_powertools.event_handler import CORSConfig
    from aws_lambda_powertools.logging import correlation_paths
    from aws_lambda_powertools.utilities.typing import LambdaContext

    import http_errors
    import openapi_document
    import routes
    from edgerec.compact_index import choose_kernels
    from edgerec.observability import logger, metrics
    from edgerec.settings import cors_allowed_origin, numkong_kernels
    from request_body import BodyCheckingResolver
    from request_log import request_log

    choose_kernels(numkong_kernels())
    app = BodyCheckingResolver(
        enable_validation=True,
        cors=CORSConfig(allow_origin=cors_allowed_origin()),
        # Never Powertools' debug mode, whatever POWERTOOLS_DEV says: it prints whole events
        # (and their bodies) and puts tracebacks in 500 answers.
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
