"""A local API Gateway: turns HTTP requests into REST proxy events and calls the same handler.

It stands in for API Gateway in `make demo` and the integration tests, without Docker; `sam
local start-api` does the same job with the real container image.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local.moto_server import free_port, stop_process, wait_until_answering

HOST = "127.0.0.1"
STAGE = "prod"
MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's own payload limit
# A client that stops sending its body (or announced more than it sends) gets a 408, not a
# thread waiting for ever; a connection idle between requests (keep-alive) is closed after
# IDLE_TIMEOUT_S, as servers do.
READ_TIMEOUT_S = 10.0
IDLE_TIMEOUT_S = 60.0

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


def split_target(target: str) -> tuple[str, str]:
    """Path and query string of a request target: "/a?b" as it is, "http://host/a?b" without
    its scheme and host. "//x" is a path (urlsplit would take x for a host)."""
    target = target.split("#", 1)[0]
    if not target.startswith("/"):
        parts = urlsplit(target)
        return parts.path or "/", parts.query
    path, _, query = target.partition("?")
    return path, query


def proxy_event(
    method: str, raw_path: str, headers: Mapping[str, str], body: bytes | None
) -> dict[str, Any]:
    """The API Gateway REST (v1) proxy event for one HTTP request."""
    path, query_string = split_target(raw_path)
    query = parse_qs(query_string, keep_blank_values=True)
    text: str | None = None
    is_base64 = False
    if body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            text, is_base64 = base64.b64encode(body).decode("ascii"), True
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": dict(headers),
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            # Served at the root, as sam local does: no stage prefix in the URL.
            "path": path,
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


class RequestRefusedError(Exception):
    """A request the gateway answers itself, with `status`, instead of passing it on."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def make_request_handler(handler: Handler) -> type[BaseHTTPRequestHandler]:
    """An http.server request handler class that sends every request through `handler`.

    Calls are serialised, as one Lambda execution environment handles one request at a time.
    """
    one_at_a_time = threading.Lock()

    class GatewayRequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "EdgeRecLocalGateway"
        # Headers and body go out in two writes; with Nagle's algorithm the body would wait
        # for the client's delayed ACK, 40 ms on every keep-alive request.
        disable_nagle_algorithm = True
        timeout = IDLE_TIMEOUT_S

        def __getattr__(self, name: str) -> Callable[[], None]:
            """`do_<METHOD>` for every method, TRACE and made-up ones too: like API Gateway's
            ANY method, the function decides (405 with Allow, or 404)."""
            if name.startswith("do_"):
                return self._proxy
            raise AttributeError(name)

        def _proxy(self) -> None:
            try:
                body = self._read_body()
            except RequestRefusedError as refused:
                # The connection closes too: its unread bytes must not be taken for a request.
                self.close_connection = True
                self._send_json(refused.status, {"message": str(refused)})
                return
            event = proxy_event(self.command, self.path, dict(self.headers.items()), body)
            try:
                with one_at_a_time:
                    response = handler(event, LocalLambdaContext())
            except Exception:
                self.log_error("handler raised for %s %s", self.command, self.path)
                self._send_json(502, {"message": "Internal server error"})
                return
            self._send(response)

        def _read_body(self) -> bytes | None:
            """The request body, None when there is none; RequestRefusedError when the gateway
            will not read it (chunked, a bad or too big Content-Length, a stalled client)."""
            if "Transfer-Encoding" in self.headers:
                raise RequestRefusedError(411, "send the body with a Content-Length, not chunked")
            declared = (self.headers.get("Content-Length") or "0").strip()
            if not declared.isdigit():
                raise RequestRefusedError(400, "Content-Length is not a whole number of bytes")
            length = int(declared)
            if length > MAX_BODY_BYTES:
                raise RequestRefusedError(413, f"body over {MAX_BODY_BYTES} bytes")
            if not length:
                return None
            self.connection.settimeout(READ_TIMEOUT_S)
            try:
                body = self.rfile.read(length)
            except TimeoutError as e:
                message = f"the body did not arrive within {READ_TIMEOUT_S:g} s"
                raise RequestRefusedError(408, message) from e
            finally:
                self.connection.settimeout(IDLE_TIMEOUT_S)
            if len(body) < length:
                self.close_connection = True  # the client closed its side early
            return body

        def send_error(
            self, code: int, message: str | None = None, explain: str | None = None
        ) -> None:
            """http.server's answer to malformed HTTP (bad request line, headers too long or too
            many, unknown method, HTTP/2), as JSON; its 501 and 505 become 4xx: the request,
            not the server, is at fault."""
            status = {501: 405, 505: 400}.get(code, code)
            reason = message or self.responses.get(code, ("malformed request",))[0]
            if self.request_version == "HTTP/0.9":
                # Not a real HTTP/0.9 request (the line did not parse): answer with a status
                # line, which a 0.9 answer would leave out.
                self.request_version = "HTTP/1.0"
            self.close_connection = True
            self._send_json(status, {"message": reason})

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
            if self.close_connection:
                self.send_header("Connection", "close")
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


class GatewayServer(ThreadingHTTPServer):
    """One thread per connection, and a listen backlog deep enough for a burst of clients
    (the default of 5 makes the kernel refuse connections that API Gateway would take)."""

    daemon_threads = True
    request_queue_size = 128


def serve(handler: Handler, port: int) -> ThreadingHTTPServer:
    """A gateway server bound to 127.0.0.1:`port` (not yet serving: call serve_forever)."""
    return GatewayServer((HOST, port), make_request_handler(handler))


@dataclass(frozen=True)
class GatewayProcess:
    """A gateway serving in a child process: its base URL and the process."""

    url: str
    process: subprocess.Popen[bytes]


@contextmanager
def gateway_process(env: Mapping[str, str], timeout_s: float = 60) -> Iterator[GatewayProcess]:
    """`python -m local.gateway` on a free port with `env`, once `/health` answers; stopped
    when the block ends. The handler runs in its own process, as it does in Lambda."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "local.gateway", "--port", str(port)],
        env=dict(env),
        stdout=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        url = f"http://{HOST}:{port}"
        wait_until_answering(f"{url}/health", timeout_s, process)
        yield GatewayProcess(url, process)
    finally:
        stop_process(process)


def main(argv: list[str] | None = None) -> None:
    """`python -m local.gateway --port 3000`: serve the API function on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=3000)
    parser.add_argument("--handler", default="app.handler", help="module.function to call")
    args = parser.parse_args(argv)
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
