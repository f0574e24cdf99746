"""Ctrl-C and SIGTERM as one clean stop for the long-running local commands."""

from __future__ import annotations

import signal


def stop_on_signals() -> None:
    """Make SIGINT and SIGTERM raise KeyboardInterrupt, even in a background job.

    A job started in the background of a non-interactive shell inherits SIGINT as ignored,
    and SIGTERM would otherwise end the process before its `finally` blocks stop the servers
    it started.
    """

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
