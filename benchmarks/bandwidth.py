"""This machine's memory bandwidth on one core, measured with numpy: the ceiling of a scan.

A brute-force scan reads every user row once per query, so it can go no faster than memory
delivers bytes to one core. `python -m benchmarks.bandwidth` (started pinned to a core by
`benchmarks.serving`) times two kernels on a buffer far larger than any CPU cache and prints
the best of each as JSON:

- read: the sum of the buffer as float64 (a streaming, vectorised reduction);
- copy: `np.copyto` into a second buffer, counting bytes read plus bytes written.

The larger of the two is the measured bandwidth the scan is compared with. Neither is a
matrix-vector product, so the comparison does not measure the scan against itself.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

import numpy as np

from benchmarks.figures import bandwidth_gb_s


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    """The fastest of `repeats` timed calls (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best


def measure(megabytes: int = 512, repeats: int = 7) -> dict[str, float]:
    """Read and copy bandwidth in GB/s over buffers of `megabytes` MiB each."""
    source = np.ones(megabytes * 1024 * 1024 // 8, dtype=np.float64)
    target = np.empty_like(source)
    np.copyto(target, source)  # touch every page before timing
    read = bandwidth_gb_s(source.nbytes, best_seconds(source.sum, repeats))
    copy = bandwidth_gb_s(
        2 * source.nbytes, best_seconds(lambda: np.copyto(target, source), repeats)
    )
    return {"read_gb_s": read, "copy_gb_s": copy, "best_gb_s": max(read, copy)}


def main(argv: list[str] | None = None) -> None:
    """Print the measurement as one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--megabytes", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.megabytes, args.repeats)))


if __name__ == "__main__":
    main()
