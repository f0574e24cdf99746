"""The entry point's cold-start bootstrap: long-lived objects made with the collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused_for_init() -> Iterator[None]:
    """Pause the collector while the block runs, then freeze what it made and resume it.

    For the entry point's INIT phase, part of every cold start: its imports make a few hundred
    thousand objects that live as long as the process, and the collector's passes over them
    (started by allocation counts) free nothing. Frozen, later collections never walk them
    again. The collector runs again even if the block fails.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
