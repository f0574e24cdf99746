"""A compact user index: int8 embeddings with one float32 scale per user row.

Each row is stored as round(row / scale) with scale = max|row| / 127, so every component is
within scale / 2 of the original. NumKong's int8 dot-product kernels (see `choose_kernels`)
score every user against a query quantised the same way; their packed layout takes under half
of float32's bytes, so a large table can stay in a server's L3 cache where the float32 one
does not.

It serves as an exact prefilter (`candidate_rows`): the error of every approximate score has
a bound, so the rows whose approximate score comes within twice that bound of the k-th best
surely hold the k best by the float32 dot product, and only those few hundred are scored in
float32 (`edgerec.user_index`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numkong as nk
import numpy as np
import numpy.typing as npt

from edgerec.retrieval import FloatMatrix, FloatVector, RowVector

Int8Matrix = npt.NDArray[np.int8]

# NumKong dispatches to the widest kernels the CPU has. Its AVX-512 and AMX kernels pack a
# 64-dimension int8 row into more bytes than its AVX2 ones, and the scan is bound by reading
# the packed rows, so the narrower layout answers faster (docs/performance.md).
_WIDE_X86_KERNELS = (
    "skylake", "icelake", "genoa", "turin", "sapphire", "sapphireamx", "graniteamx", "diamond",
)  # fmt: skip
KERNEL_CHOICES = ("compact", "native")


def choose_kernels(preference: str) -> None:
    """Set which NumKong kernels this process uses: "compact" turns off the AVX-512 and AMX
    families where the CPU has them (AVX2, AVX-VNNI and ARM kernels stay); "native" leaves
    NumKong's own choice. Every kernel computes the same integers; only speed differs.

    NumKong's choice is global to the process, so only an entry point calls this, before it
    builds an index.

    Raises:
        ValueError: `preference` is not one of `KERNEL_CHOICES`.
    """
    if preference not in KERNEL_CHOICES:
        raise ValueError(
            f"unknown NumKong kernel choice {preference!r}; known: {', '.join(KERNEL_CHOICES)}"
        )
    if preference == "native":
        return
    available = nk.get_capabilities()
    for kernels in _WIDE_X86_KERNELS:
        if available.get(kernels):
            nk.disable_capability(kernels)


_INT8_MAX = 127
_MAGNITUDE_MASK = np.uint32(0x7FFF_FFFF)
_INFINITY_BITS = np.uint32(0x7F80_0000)
# Rows quantised at a time: 4096 x 64 float32 is 1 MiB, which stays in a core's L2 cache.
_BLOCK_ROWS = 4096
# Quantising multiplies by a float32 reciprocal of the scale, which moves row / scale by a
# few ulps (under 2e-5 of a step at 127) before it is rounded; the bound on each component's
# error allows half a step plus this fraction of one, far more than that.
_ROUNDING_ALLOWANCE = 2.0**-10
# Relative allowance for float32 rounding in the approximate scores and in the float32 scan
# the candidates must agree with (a 64-term float32 dot product is within ~4e-6 of exact).
_FLOAT_ALLOWANCE = 2.0**-16


def quantise(user_embeddings: FloatMatrix) -> tuple[Int8Matrix, FloatVector]:
    """int8 codes and per-row scales of a float32 (users, dimensions) table; a zero row has
    scale 0 and zero codes.

    Raises:
        ValueError: when the table is not 2-D or holds a value that is not finite.
    """
    if user_embeddings.ndim != 2:
        raise ValueError(f"user embeddings must be 2-D, not {user_embeddings.ndim}-D")
    users, dimensions = user_embeddings.shape
    codes = np.empty((users, dimensions), dtype=np.int8)
    scales = np.zeros(users, dtype=np.float32)
    scaled = np.empty((min(_BLOCK_ROWS, users), dimensions), dtype=np.float32)
    for start in range(0, users if dimensions else 0, _BLOCK_ROWS):
        block = np.ascontiguousarray(user_embeddings[start : start + _BLOCK_ROWS], np.float32)
        rows = len(block)
        # |x| of a float32 is its bits without the sign bit, and bits order like the values
        # (infinity and NaN above every finite one): one integer max per row, faster than
        # a float max and min, and the finiteness check besides.
        magnitude_bits = (block.view(np.uint32) & _MAGNITUDE_MASK).max(axis=1)
        if (magnitude_bits >= _INFINITY_BITS).any():
            raise ValueError("user embeddings hold a value that is not finite")
        scale = magnitude_bits.view(np.float32) / np.float32(_INT8_MAX)
        inverse = np.divide(np.float32(1), scale, out=np.zeros_like(scale), where=scale > 0)
        np.multiply(block, inverse[:, None], out=scaled[:rows])
        # Rounds half to even and saturates at 127 (see _ROUNDING_ALLOWANCE).
        nk.astype(scaled[:rows], "int8", out=codes[start : start + rows])
        scales[start : start + rows] = scale
    return codes, scales


@dataclass(frozen=True)
class Int8UserIndex:
    """User embeddings as packed int8 codes and per-row scales; row i ≈ codes[i] * scales[i].

    `component_error` bounds |row - codes * scale| in every component of every row;
    `largest_norm` is the largest Euclidean norm of a row, original or restored.
    """

    packed: nk.PackedMatrix
    scales: FloatVector  # (users,)
    dimensions: int
    component_error: float
    largest_norm: float

    @classmethod
    def from_embeddings(cls, user_embeddings: FloatMatrix) -> Int8UserIndex:
        """Quantise and pack a float32 (users, dimensions) table.

        Raises:
            ValueError: when the table is not 2-D or holds a value that is not finite.
        """
        codes, scales = quantise(user_embeddings)
        dimensions = codes.shape[1]
        largest_scale = float(scales.max()) if scales.size else 0.0
        component_error = largest_scale * (0.5 + _ROUNDING_ALLOWANCE)
        largest_norm = 0.0
        for start in range(0, codes.shape[0], _BLOCK_ROWS):
            block = np.asarray(user_embeddings[start : start + _BLOCK_ROWS], dtype=np.float32)
            squares = np.einsum("ij,ij->i", block, block)
            largest_norm = max(largest_norm, math.sqrt(float(squares.max())))
        largest_norm += component_error * math.sqrt(dimensions)
        return cls(
            packed=nk.dots_pack(codes),
            scales=scales,
            dimensions=dimensions,
            component_error=component_error,
            largest_norm=largest_norm,
        )

    @property
    def user_count(self) -> int:
        """Rows in the index."""
        return int(self.scales.shape[0])

    @property
    def nbytes(self) -> int:
        """Memory held by the index: the packed codes and the scales."""
        return int(self.packed.nbytes + self.scales.nbytes)

    def candidate_rows(self, queries: FloatMatrix, k: int) -> list[RowVector]:
        """For each row of `queries`, rows (ascending) that hold its `k` best users by the
        float32 dot product with the table this index was built from, in one pass.

        Every approximate score is within a bound of the float32 one, so each of the k best
        users scores at least the k-th best approximate score minus twice the bound.

        Raises:
            ValueError: when a query holds a value that is not finite (no bound holds then).
        """
        queries = np.asarray(queries, dtype=np.float32)
        if not np.isfinite(queries).all():
            raise ValueError("a query holds a value that is not finite")
        scores, query_scales, bounds = self._scaled_scores(queries)
        candidates = []
        for row_scores, query_scale, bound in zip(scores, query_scales, bounds, strict=True):
            # Scores are in units of the query's scale; a zero query scores every user 0.
            margin = 2.0 * bound / query_scale if query_scale > 0 else 0.0
            candidates.append(_rows_near_top(row_scores, k, margin))
        return candidates

    def _scaled_scores(self, queries: FloatMatrix) -> tuple[FloatMatrix, list[float], list[float]]:
        """(queries, users) approximate scores divided by each query's scale, the scales,
        and for each query a bound on the error of its (undivided) scores."""
        if queries.ndim != 2 or queries.shape[1] != self.dimensions:
            raise ValueError(f"queries must be (n, {self.dimensions}), not {tuple(queries.shape)}")
        query_scales = np.abs(queries).max(axis=1) / np.float32(_INT8_MAX)
        if self.user_count == 0 or self.dimensions == 0:
            shape = (len(queries), self.user_count)
            return np.zeros(shape, np.float32), query_scales.tolist(), [0.0] * len(queries)
        safe = np.where(query_scales > 0, query_scales, np.float32(1))[:, None]
        query_codes = np.rint(queries / safe).astype(np.int8)
        dots = np.asarray(nk.dots_packed(query_codes, self.packed))
        # In place, so the scores take no more cache than the dots; int32 dots are below
        # 2**24 in magnitude (64 * 127 * 127), exact in float32.
        scores = dots.view(np.float32)
        for row in range(len(dots)):
            np.multiply(dots[row], self.scales, out=scores[row], dtype=np.float32)
        # |q.u - q'.u'| <= |q| |u - u'| + |q - q'| |u'|
        row_error = self.component_error * math.sqrt(self.dimensions)
        query_norms = np.linalg.norm(queries, axis=1).tolist()
        query_errors = np.linalg.norm(queries - query_codes * safe, axis=1).tolist()
        bounds = [
            norm * row_error
            + error * self.largest_norm
            + _FLOAT_ALLOWANCE * (norm + error) * self.largest_norm
            for norm, error in zip(query_norms, query_errors, strict=True)
        ]
        return scores, query_scales.tolist(), bounds


def _rows_near_top(scores: FloatVector, k: int, margin: float) -> RowVector:
    """Rows, ascending, whose score is at least the k-th best score minus `margin`.

    A strided sample gives a floor: its j-th best score, with j chosen so that about 4k
    scores reach it. When at least k scores do (checked), the k-th best is at or above the
    floor, so the rows within `margin` of the floor hold every row within `margin` of the
    k-th best, and the true k-th best is found among those few hundred. Otherwise the
    sample's k-th best, which k scores always reach, is the floor.
    """
    n = scores.shape[0]
    if k >= n:
        return np.arange(n, dtype=np.intp)
    if k <= 0:
        return np.empty(0, dtype=np.intp)
    stride = max(1, math.isqrt(n // k))
    sample = scores[::stride]
    for rank in (min(sample.size, 4 * (k // stride + 1)), k):
        floor = np.partition(sample, sample.size - rank)[sample.size - rank]
        wide = np.flatnonzero(scores >= floor - np.float32(margin))
        near = scores[wide]
        if rank >= k or np.count_nonzero(near >= floor) >= k:
            break
    kth = np.partition(near, near.size - k)[near.size - k]
    rows: RowVector = wide[near >= kth - np.float32(margin)]
    return rows
