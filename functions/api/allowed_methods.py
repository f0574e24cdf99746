"""Which methods the documented routes answer on a path: the `Allow` of a 405 answer."""

from __future__ import annotations

import re
from collections.abc import Iterable

# What the REST resolver routes into one path parameter: word characters and those RFC 3986
# allows in a path segment, plus the few it lets through unescaped; never "/". Powertools has
# no public way to match a path against its routes, so the pattern is built here from the
# OpenAPI path template (tests/unit/functions/test_allowed_methods.py holds it to Powertools').
_PARAMETER = r"[\w\-._~()'!*:@,;=+&$%<> \[\]{}|^]+"
_TEMPLATE_PARAMETER = re.compile(r"\{\w+\}")


def path_pattern(template: str) -> re.Pattern[str]:
    """The paths an OpenAPI path template (`/catalogs/{catalog}/items`) stands for, as the REST
    resolver matches them: each parameter one segment, trailing slashes ignored."""
    literals = _TEMPLATE_PARAMETER.split(template)
    return re.compile(f"^{_PARAMETER.join(re.escape(literal) for literal in literals)}/*$")


class AllowedMethods:
    """The methods of a set of documented operations, looked up by request path."""

    def __init__(self, operations: Iterable[tuple[str, str]]) -> None:
        """`operations`: (OpenAPI path template, HTTP method) pairs."""
        self._routes = [(path_pattern(template), method.upper()) for template, method in operations]

    def on(self, path: str) -> str:
        """The methods answered on `path` with OPTIONS (CORS), as an `Allow` header value
        ("GET, OPTIONS"); "" when no documented route matches the path."""
        methods = {method for pattern, method in self._routes if pattern.match(path)}
        return ", ".join(sorted(methods | {"OPTIONS"})) if methods else ""
