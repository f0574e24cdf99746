"""A local API Gateway: turns HTTP requests into REST proxy events and calls the same handler.

It stands in for API Gateway in `make demo` and the integration tests, without Docker; `sam
local start-api` does the same job with the real container image.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.import_roots import add_import_roots

HOST = "127.0.0.1"
STAGE = "prod"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit

Handler = Callable[[dict[str, Any], Any], Mapping[str, Any]]


@dataclass
class LocalLambdaContext:
    """The attributes of a Lambda context object that handlers and Powertools read."""

    function_name: str = "ApiFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    timeout_s: float = 10.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/ApiFunction"
    log_stream_name: str = "local"
    started_at: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_s - (time.monotonic() - self.started_at)) * 1000))


def proxy_event(
    method: str, raw_path: str, headers: Mapping[str, str], body: bytes | None
) -> dict[str, Any]:
    """The API Gateway REST (v1) proxy event for one HTTP request."""
    url = urlsplit(raw_path)
    query = parse_qs(url.query, keep_blank_values=True)
    text: str | None = None
    is_base64 = False
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(body).decode("ascii"), True
    return {
        "resource": url.path,
        "path": url.path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": url.path,
            "httpMethod": method,
            "path": f"/{STAGE}{url.path}",
            "stage": STAGE,
            "requestId": str(uuid.uuid4()),
            "requestTimeEpoch": int(time.time() * 1000),
            "accountId": "123456789012",
            "apiId": "local",
            "protocol": "HTTP/1.1",
            "identity": {"sourceIp": HOST, "userAgent": headers.get("User-Agent", "")},
        },
        "body": text,
        "isBase64Encoded": is_base64,
    }


def make_request_handler(handler: Handler) -> type[BaseHTTPRequestHandler]:
    """An http.server request handler class that sends every request through `handler`.

    Calls are serialised, as one Lambda execution environment handles one request at a time.
    """
    one_at_a_time = threading.Lock()

    class GatewayRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "EdgeRecLocalGateway"

        def do_GET(self) -> None:
            self._proxy()

        def do_POST(self) -> None:
            self._proxy()

        def do_PUT(self) -> None:
            self._proxy()

        def do_DELETE(self) -> None:
            self._proxy()

        def do_PATCH(self) -> None:
            self._proxy()

        def do_OPTIONS(self) -> None:
            self._proxy()

        def do_HEAD(self) -> None:
            self._proxy()

        def _proxy(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                self._send_json(400, {"message": "Content-Length is not a number"})
                return
            if length > MAX_BODY_BYTES:
                self._send_json(413, {"message": f"body over {MAX_BODY_BYTES} bytes"})
                self.close_connection = True
                return
            body = self.rfile.read(length) if length else None
            event = proxy_event(self.command, self.path, dict(self.headers.items()), body)
            try:
                with one_at_a_time:
                    response = handler(event, LocalLambdaContext())
            except Exception:
                self.log_error("handler raised for %s %s", self.command, self.path)
                self._send_json(502, {"message": "Internal server error"})
                return
            self._send(response)

        def _send(self, response: Mapping[str, Any]) -> None:
            payload = response.get("body") or ""
            data = (
                base64.b64decode(payload)
                if response.get("isBase64Encoded")
                else str(payload).encode("utf-8")
            )
            self.send_response(int(response.get("statusCode", 200)))
            headers: dict[str, list[str]] = {
                k: [str(v)] for k, v in (response.get("headers") or {}).items()
            }
            for k, values in (response.get("multiValueHeaders") or {}).items():
                headers.setdefault(k, []).extend(str(v) for v in values)
            for k, values in headers.items():
                if k.lower() not in ("content-length", "connection"):
                    for v in dict.fromkeys(values):
                        self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        def _send_json(self, status: int, body: Mapping[str, Any]) -> None:
            self._send(
                {
                    "statusCode": status,
                    "headers": {"Content-Type": "application/json"},
                    "body": json.dumps(body),
                }
            )

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the function logs each request itself, as one structured line

    return GatewayRequestHandler


def load_handler(spec: str) -> Handler:
    """Import `module.function` (e.g. `app.handler`), as the Lambda runtime does."""
    module_name, _, attribute = spec.rpartition(".")
    handler: Handler = getattr(importlib.import_module(module_name), attribute)
    return handler


def serve(handler: Handler, port: int) -> ThreadingHTTPServer:
    """A gateway server bound to 127.0.0.1:`port` (not yet serving: call serve_forever)."""
    server = ThreadingHTTPServer((HOST, port), make_request_handler(handler))
    server.daemon_threads = True
    return server


def main(argv: list[str] | None = None) -> None:
    """`python -m local.gateway --port 3000`: serve the API function on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--handler", default="app.handler", help="module.function to call")
    args = parser.parse_args(argv)
    add_import_roots()
    server = serve(load_handler(args.handler), args.port)
    print(f"local gateway on http://{HOST}:{args.port} -> {args.handler}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
