"""Start and stop a moto server process on 127.0.0.1: S3 and DynamoDB over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

HOST = "127.0.0.1"

# moto accepts any credentials; these keep boto3 from looking for real ones.
PLACEHOLDER_CREDENTIAL = "testing"
LOCAL_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": PLACEHOLDER_CREDENTIAL,
    "AWS_SECRET_ACCESS_KEY": PLACEHOLDER_CREDENTIAL,
    "AWS_SESSION_TOKEN": PLACEHOLDER_CREDENTIAL,
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class MotoServer:
    """A running moto server and the endpoint boto3 should use for it."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def client(self, service: str) -> Any:
        """A boto3 client for `service` on this server, with the local stack's credentials."""
        return local_client(service, self.endpoint_url)


def local_client(service: str, endpoint_url: str | None) -> Any:
    """A boto3 client for a local endpoint (`None`: boto3's own, as moto's in-process mock
    intercepts it) that never looks for real AWS credentials."""
    session = boto3.Session(
        aws_access_key_id=LOCAL_AWS_ENV["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=LOCAL_AWS_ENV["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=LOCAL_AWS_ENV["AWS_SESSION_TOKEN"],
        region_name=LOCAL_AWS_ENV["AWS_DEFAULT_REGION"],
    )
    return session.client(service, endpoint_url=endpoint_url)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        return s.connect_ex((HOST, port)) != 0


def wait_until_answering(url: str, timeout_s: float, process: subprocess.Popen[bytes]) -> None:
    """Poll `url` until any HTTP answer arrives; fail early if `process` has died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} process exited with code {process.returncode}")
        try:
            # Only ever the http:// URL of a process this module started.
            with urllib.request.urlopen(url, timeout=1):  # nosec B310
                return
        except urllib.error.HTTPError:
            return  # an HTTP error status is still an answer
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing answered at {url} within {timeout_s:.0f} s")


def start_moto_server(port: int | None = None, log_file: Path | None = None) -> MotoServer:
    """Start `python -m moto.server` on 127.0.0.1 and wait until it answers."""
    port = port or free_port()
    if not port_is_free(port):
        raise RuntimeError(f"port {port} on {HOST} is taken: stop what uses it or pick another")
    out = log_file.open("ab") if log_file else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
        stdout=out,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **LOCAL_AWS_ENV},
    )
    server = MotoServer(process=process, port=port)
    try:
        wait_until_answering(f"{server.endpoint_url}/moto-api/", 30, process)
    except BaseException:
        stop_process(process)
        raise
    return server


def stop_process(process: subprocess.Popen[Any], timeout_s: float = 10) -> None:
    """SIGTERM a child process, then SIGKILL it if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def running_moto_server(port: int | None = None) -> Iterator[MotoServer]:
    """A moto server for the duration of a `with` block."""
    server = start_moto_server(port)
    try:
        yield server
    finally:
        stop_process(server.process)
