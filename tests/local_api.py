"""A small HTTP client for tests of the local API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpAnswer:
    """Status and parsed JSON body of one HTTP exchange."""

    status: int
    body: Any
    headers: dict[str, str]


@dataclass(frozen=True)
class LocalApi:
    """The local gateway's base URL, with small HTTP helpers for tests."""

    url: str

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        content_type: str = "",
        *,
        expect_json: bool = True,
    ) -> HttpAnswer:
        headers = {"Content-Type": content_type} if content_type else {}
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        decode = json.loads if expect_json else (lambda raw: raw.decode("utf-8"))
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return HttpAnswer(r.status, decode(r.read()), dict(r.headers))
        except urllib.error.HTTPError as e:
            return HttpAnswer(e.code, decode(e.read()), dict(e.headers))

    def get(self, path: str) -> HttpAnswer:
        return self.request("GET", path)

    def post_json(self, path: str, payload: Any) -> HttpAnswer:
        return self.request("POST", path, json.dumps(payload).encode(), "application/json")
