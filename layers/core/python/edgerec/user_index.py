"""Exact nearest users by float32 dot product, fast: an int8 prefilter, then float32 on a few.

A brute-force float32 scan of a large user table is bound by memory bandwidth. The int8
index (`edgerec.compact_index`) scores every user from under half the bytes, with
bounded error; only the rows that bound cannot rule out (a few hundred) are scored in
float32, so the answer is the float32 scan's answer (the same users, in the same order, up
to float32 rounding of scores within a few ulps of each other).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from edgerec.compact_index import Int8UserIndex
from edgerec.observability import logger
from edgerec.retrieval import (
    FloatMatrix,
    FloatVector,
    RowVector,
    nearest_users,
    take_in_turn,
    top_k,
)

# Below this size the float32 table stays in cache and one scan of it is as fast as the
# prefilter plus the float32 pass over the candidates (docs/performance.md).
PREFILTER_FROM_BYTES = 8 * 2**20


def wants_prefilter(embeddings: FloatMatrix, from_bytes: int = PREFILTER_FROM_BYTES) -> bool:
    """Whether a float32 table this large is searched faster through the int8 prefilter."""
    return bool(embeddings.size) and embeddings.size * 4 >= from_bytes


@dataclass(frozen=True)
class UserIndex:
    """A catalog's user embeddings (candidate tower), with the prefilter when it pays."""

    embeddings: FloatMatrix  # (users, dimensions) float32
    prefilter: Int8UserIndex | None

    @classmethod
    def build(
        cls, embeddings: FloatMatrix, prefilter_from_bytes: int = PREFILTER_FROM_BYTES
    ) -> UserIndex:
        """Index `embeddings`; with the int8 prefilter when the float32 table takes
        `prefilter_from_bytes` or more.

        Raises:
            ValueError: when the table is not 2-D or holds a value that is not finite.
        """
        return cls(
            embeddings=embeddings,
            prefilter=(
                Int8UserIndex.from_embeddings(embeddings)
                if wants_prefilter(embeddings, prefilter_from_bytes)
                else None
            ),
        )

    def nearest(self, query: FloatVector, k: int) -> tuple[RowVector, FloatVector]:
        """The `k` users with the largest float32 dot product with `query`, most similar
        first, as `edgerec.retrieval.nearest_users` finds them.

        Returns:
            (rows of the embeddings, similarities).
        """
        query = np.asarray(query, dtype=np.float32)
        if self.prefilter is None or not np.isfinite(query).all():
            return nearest_users(self.embeddings, query, k)
        candidates = self.prefilter.candidate_rows(query[None, :], k)[0]
        return self._rerank(candidates, query, k)

    def nearest_of_each(self, queries: FloatMatrix, k: int) -> RowVector:
        """The `k` users nearest any row of `queries`: the first of each row's ranking, then the
        second of each, and so on, each user once (`take_in_turn`), from one prefilter pass.

        A mean query finds users near all the rows at once, which misses the people who liked
        only one of three different picks; this finds them.
        """
        queries = np.asarray(queries, dtype=np.float32)
        if self.prefilter is None or not np.isfinite(queries).all():
            rankings = [nearest_users(self.embeddings, query, k)[0] for query in queries]
        else:
            candidates = self.prefilter.candidate_rows(queries, k)
            rankings = [
                self._rerank(rows, query, k)[0]
                for rows, query in zip(candidates, queries, strict=True)
            ]
        return take_in_turn(rankings, k)

    def _rerank(
        self, candidates: RowVector, query: FloatVector, k: int
    ) -> tuple[RowVector, FloatVector]:
        """The `k` best of `candidates` (ascending rows) by the float32 dot product."""
        positions, similarities = top_k(self.embeddings[candidates] @ query, k)
        return candidates[positions], similarities


class BackgroundUserIndex:
    """A catalog's user index whose int8 prefilter is built off the request path.

    Until the prefilter is ready, `current()` is the float32 scan, which finds the same
    users. The build starts on first use, in a thread: the first request builds it while it
    waits for DynamoDB, rather than before.
    """

    def __init__(self, embeddings: FloatMatrix) -> None:
        self._embeddings = embeddings
        self._index = UserIndex(embeddings, prefilter=None)
        self._builder: threading.Thread | None = None
        self._lock = threading.Lock()
        self.failure: Exception | None = None

    def current(self) -> UserIndex:
        """The index to search now; starts the prefilter's build on the first call."""
        index = self._index
        if self._builder is None and wants_prefilter(self._embeddings):
            with self._lock:
                if self._builder is None:
                    self._builder = threading.Thread(
                        target=self._build, name="user-prefilter", daemon=True
                    )
                    self._builder.start()
        return index

    def ready(self, timeout: float | None = None) -> UserIndex:
        """The index once its prefilter is built (or known not to be wanted)."""
        self.current()
        if self._builder is not None:
            self._builder.join(timeout)
        return self._index

    def _build(self) -> None:
        try:
            self._index = UserIndex.build(self._embeddings)
        except ValueError as error:  # a table that cannot be quantised: the scan goes on
            self.failure = error
            logger.warning("user prefilter not built; the float32 scan answers", exc_info=error)
