"""Request bodies: each judged once (size, media type, UTF-8) and refused with the reason."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

# A full request is under 3 KiB (ten 200-character ids); anything far bigger is a mistake or
# an attack, refused before it is parsed. API Gateway itself would pass up to 10 MB.
MAX_BODY_BYTES = 64 * 1024
JSON_ONLY = "the request body must be application/json"


class UnreadableBodyError(Exception):
    """A request body this API cannot read as JSON, with the status and message that say why."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def unreadable_body(event: APIGatewayProxyEvent) -> UnreadableBodyError | None:
    """Why `event`'s body cannot be read as JSON text, or None if it can (or there is none):
    over MAX_BODY_BYTES (413), not JSON by its type (415), not UTF-8 (400)."""
    raw = event.body
    if not raw:
        return None
    size = (
        len(raw) * 3 // 4
        if event.is_base64_encoded
        else len(raw.encode("utf-8", errors="surrogatepass"))
    )
    if size > MAX_BODY_BYTES:
        return UnreadableBodyError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"the request body is {size} bytes; at most {MAX_BODY_BYTES} are accepted",
        )
    media_type = event.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ("", "application/json"):
        return UnreadableBodyError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, JSON_ONLY)
    if event.is_base64_encoded:
        try:
            base64.b64decode(raw, validate=True).decode("utf-8")
        except ValueError:
            return UnreadableBodyError(
                HTTPStatus.BAD_REQUEST, "the request body is not valid UTF-8 text"
            )
    return None


def parse_json(text: str) -> Any:
    """json.loads, whose crashes on hostile input (deep nesting, a number of thousands of
    digits) become 400s instead of 500s."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise  # Powertools reports it as invalid JSON, with the position
    except RecursionError as e:
        raise UnreadableBodyError(
            HTTPStatus.BAD_REQUEST, "the request body is not valid JSON: it nests too deeply"
        ) from e
    except ValueError as e:  # an integer of more than 4300 digits
        raise UnreadableBodyError(
            HTTPStatus.BAD_REQUEST, "the request body is not valid JSON: a number is too long"
        ) from e


_REFUSAL = "unreadable_body"  # the routing context's key for the body's verdict


def recorded_refusal(context: Mapping[str, Any]) -> UnreadableBodyError | None:
    """The verdict on the current request's body, as BodyCheckingResolver.resolve recorded it
    in the routing context (None: the body is readable)."""
    try:
        refusal: UnreadableBodyError | None = context[_REFUSAL]
    except KeyError:
        raise RuntimeError(
            "no verdict on this request's body: not a BodyCheckingResolver"
        ) from None
    return refusal


def refuse_unreadable_body(
    router: APIGatewayRestResolver, next_middleware: NextMiddleware
) -> Response[Any]:
    """Refuse an unreadable body on every route, also those that never read one (Powertools
    would otherwise accept form and multipart bodies)."""
    refusal = recorded_refusal(router.context)
    if refusal is not None:
        raise refusal
    return next_middleware(router)


class BodyCheckingResolver(APIGatewayRestResolver):
    """A REST resolver that judges each request's body once, before routing: an unreadable
    body is refused with its reason on every route, whatever part of Powertools reads it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(json_body_deserializer=self._read_json, **options)
        self.use(middlewares=[refuse_unreadable_body])

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        """Record the body's verdict in the routing context (Powertools clears it after each
        request), then resolve as usual."""
        self.context[_REFUSAL] = unreadable_body(APIGatewayProxyEvent(dict(event)))
        return super().resolve(event, context)

    def _read_json(self, text: str) -> Any:
        """Powertools' JSON reader: an unreadable body is refused before it is parsed."""
        refusal = recorded_refusal(self.context)
        if refusal is not None:
            raise refusal
        return parse_json(text)
