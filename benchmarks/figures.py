"""The arithmetic of the serving benchmark: percentiles, ratios, bandwidth, overlap, tables.

Pure functions on plain numbers, so they are unit-tested apart from the processes that
measure (`benchmarks.serving` and its child processes).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

PERCENTILES = (50, 95, 99)
GB = 1e9  # bandwidths are in decimal gigabytes per second, as memory vendors quote them
MB = 1024 * 1024  # memory sizes are in MiB, as `ps`, Lambda and Docker report them


def percentiles_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95 and p99 of latencies given in seconds, in milliseconds.

    Nearest-rank percentiles (the smallest sample with at least p% of samples at or below
    it): each figure is a latency that was really observed, never an interpolation.

    Raises:
        ValueError: when `seconds` is empty.
    """
    if not seconds:
        raise ValueError("percentiles of no samples")
    ordered = sorted(seconds)
    figures: dict[str, float] = {}
    for p in PERCENTILES:
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        figures[f"p{p}"] = ordered[rank - 1] * 1000
    return figures


def median(values: Sequence[float]) -> float:
    """The median (the mean of the middle two for an even count).

    Raises:
        ValueError: when `values` is empty.
    """
    if not values:
        raise ValueError("median of no values")
    return float(statistics.median(values))


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """ours / theirs, or None when either is missing or `theirs` is zero."""
    if ours is None or theirs is None or theirs == 0:
        return None
    return ours / theirs


def bandwidth_gb_s(nbytes: int, seconds: float) -> float:
    """Bytes moved per second, in GB/s (decimal)."""
    if seconds <= 0:
        raise ValueError(f"a bandwidth needs a positive time, not {seconds}")
    return nbytes / seconds / GB


def share_of_bandwidth(scan_gb_s: float, measured_gb_s: float) -> float:
    """The scan's bandwidth as a fraction of the machine's measured memory bandwidth."""
    if measured_gb_s <= 0:
        raise ValueError(f"measured bandwidth must be positive, not {measured_gb_s}")
    return scan_gb_s / measured_gb_s


def top_k_overlap(reference: Sequence[Sequence[int]], candidate: Sequence[Sequence[int]]) -> float:
    """The mean share of each reference top-k list found (in any order) in the candidate's.

    Args:
        reference: per query, the rows of the exact top k (float32).
        candidate: per query, the rows an approximate index returned, aligned.

    Returns:
        A fraction in [0, 1]; 1 when every reference row is found for every query.

    Raises:
        ValueError: when the two differ in length or hold no query.
    """
    if len(reference) != len(candidate):
        raise ValueError(f"{len(reference)} reference lists for {len(candidate)} candidates")
    shares = [
        len(set(map(int, exact)) & set(map(int, approximate))) / len(exact)
        for exact, approximate in zip(reference, candidate, strict=True)
        if len(exact)
    ]
    if not shares:
        raise ValueError("an overlap of no queries")
    return sum(shares) / len(shares)


def requests_per_second(requests: int, seconds: float) -> float:
    """Requests answered per wall-clock second."""
    if seconds <= 0:
        raise ValueError(f"a rate needs a positive time, not {seconds}")
    return requests / seconds


def fmt(value: float | None, digits: int = 1, suffix: str = "") -> str:
    """A figure for a table; "-" when it was not measured."""
    if value is None:
        return "-"
    return f"{value:,.{digits}f}{suffix}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A GitHub-flavoured Markdown table, columns padded so it also reads as plain text.

    The first column is left-aligned, the others (figures) right-aligned.

    Raises:
        ValueError: a row whose length differs from the header's.
    """
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"row {list(row)} has {len(row)} cells for {len(headers)} columns")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        padded = [
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join(
        "-" * (w + 1) + ":" if i else ":" + "-" * (w + 1) for i, w in enumerate(widths)
    )
    return "\n".join([line(headers), rule + "|", *(line(r) for r in rows)])
