"""What `make demo` and `make sam-local` print once their stack is ready."""

from __future__ import annotations

import time

from local.demo import announce_ready


def test_the_banner_says_the_set_up_time_what_serves_each_hint_and_how_to_stop(capsys):
    announce_ready(time.monotonic() - 42.2, "Edge Recommender is serving on http://h:1", "a", "b")

    assert capsys.readouterr().out == (
        "\nSet up in 42 s. Edge Recommender is serving on http://h:1\n  a\n  b\nCtrl-C stops it.\n"
    )
