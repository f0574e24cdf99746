"""Why an item was recommended: which of the liked items it is most like."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatMatrix = npt.NDArray[np.float32]


def closest_inputs(
    item_embeddings: FloatMatrix, input_rows: Sequence[int], item_rows: Sequence[int]
) -> npt.NDArray[np.intp]:
    """For each of `item_rows`, the position in `input_rows` of the most similar liked item.

    Similarity is the cosine of the item (query-tower) embeddings, so a popular item with a
    long vector does not win every comparison.

    Returns:
        An array aligned with `item_rows`, each value an index into `input_rows`.

    Raises:
        ValueError: when `input_rows` is empty.
    """
    if len(input_rows) == 0:
        raise ValueError("at least one liked item is needed to explain a recommendation")
    if len(item_rows) == 0:
        return np.empty(0, dtype=np.intp)
    inputs = _unit_rows(item_embeddings[np.asarray(input_rows, dtype=np.intp)])
    items = _unit_rows(item_embeddings[np.asarray(item_rows, dtype=np.intp)])
    return np.asarray(np.argmax(items @ inputs.T, axis=1), dtype=np.intp)


def _unit_rows(rows: FloatMatrix) -> FloatMatrix:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return np.asarray(rows / np.maximum(norms, np.float32(1e-12)), dtype=np.float32)
