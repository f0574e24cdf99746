"""Where the function image finds its code, so local runs import it the same way."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The layer's library (edgerec), the function (app), and the repository root (training, local).
IMPORT_ROOTS = (REPO / "layers" / "core" / "python", REPO / "functions" / "api", REPO)


def python_path() -> str:
    """PYTHONPATH for a child process that runs training, the gateway or the handler."""
    return os.pathsep.join(str(root) for root in IMPORT_ROOTS)


def add_import_roots() -> None:
    """Make this process import `edgerec` and `app` as the function image does."""
    for root in reversed(IMPORT_ROOTS):
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
