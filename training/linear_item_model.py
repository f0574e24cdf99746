"""Closed-form linear item-to-item models: EASE and its dropout-emphasised form (EDLAE).

EASE (Steck, WWW 2019) learns an item-to-item weight matrix B with a zero diagonal from the
Gram matrix G = XᵀX of the binary user x item likes: B = I - P / diag(P), P = (G + Λ)⁻¹.
EASE's penalty is Λ = λI. EDLAE (Steck, NeurIPS 2020) adds p/(1-p)·diag(G) to it, the
closed form of training with each input item dropped with probability p: it learns to predict
a user's items from a few of them, which is the question three picks ask. A person's scores
are the sum of the rows of B of the items they picked.

Both need one dense m x m inverse, so they run on the `m` most liked items only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.linalg import lapack

from training.holdout import item_popularity
from training.interactions import IndexArray, Interactions

FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class LinearItemModel:
    """Item-to-item weights over a subset of the training items.

    `weights[a, b]` is how much liking item `items[a]` says about item `items[b]`; rows and
    columns are positions in `items`, the training item rows the model covers.
    """

    items: IndexArray  # (m,) training item rows, most liked first
    weights: FloatMatrix  # (m, m), zero diagonal
    l2: float
    dropout: float

    def scores(self, liked: IndexArray, num_items: int) -> FloatMatrix:
        """Scores of every training item for each row of `liked` ((queries, k) training item
        rows): the sum of the weight rows of the liked items the model covers; 0 elsewhere.

        Returns:
            (queries, num_items) float32.
        """
        position = np.full(num_items, -1, dtype=np.int64)
        position[self.items] = np.arange(self.items.size)
        covered = position[liked]
        picks = np.zeros((liked.shape[0], self.items.size), dtype=np.float32)
        rows = np.repeat(np.arange(liked.shape[0]), liked.shape[1])
        known = covered.ravel() >= 0
        np.add.at(picks, (rows[known], covered.ravel()[known]), 1.0)
        out = np.zeros((liked.shape[0], num_items), dtype=np.float32)
        out[:, self.items] = picks @ self.weights
        return out


def most_liked_items(train: Interactions, max_items: int, min_likes: int = 2) -> IndexArray:
    """The training item rows a linear model covers: at most `max_items`, each liked by at
    least `min_likes` users (an item liked once co-occurs with nothing else's other likers),
    most liked first, ties by row."""
    popularity = item_popularity(train)
    order = np.lexsort((np.arange(popularity.size), -popularity))
    order = order[popularity[order] >= min_likes]
    return np.asarray(order[:max_items], dtype=np.int32)


def gram_matrix(train: Interactions, items: IndexArray) -> npt.NDArray[np.float64]:
    """XᵀX of the binary likes restricted to `items` (positions in `items` order): how many
    users liked both of each pair, and each item's own like count on the diagonal."""
    position = np.full(train.num_items, -1, dtype=np.int64)
    position[items] = np.arange(items.size)
    keep = position[train.item_index] >= 0
    likes = sparse.csr_matrix(
        (
            np.ones(int(keep.sum()), dtype=np.float64),
            (train.user_index[keep], position[train.item_index[keep]]),
        ),
        shape=(train.users, items.size),
    )
    return np.asarray((likes.T @ likes).toarray(), dtype=np.float64)


def fit_linear_item_model(
    train: Interactions, items: IndexArray, *, l2: float, dropout: float = 0.0
) -> LinearItemModel:
    """EASE (`dropout` 0) or EDLAE weights over `items`.

    Raises:
        ValueError: `l2` is not positive or `dropout` is not in [0, 1).
    """
    if l2 <= 0 or not 0 <= dropout < 1:
        raise ValueError(f"l2 must be > 0 and dropout in [0, 1), not {l2}, {dropout}")
    gram = gram_matrix(train, items)
    return fit_from_gram(gram, items, l2=l2, dropout=dropout)


def fit_from_gram(
    gram: npt.NDArray[np.float64], items: IndexArray, *, l2: float, dropout: float = 0.0
) -> LinearItemModel:
    """The weights for a Gram matrix already computed (it is reused across penalties)."""
    penalty = np.full(items.size, l2, dtype=np.float64)
    if dropout > 0:
        penalty += dropout / (1.0 - dropout) * np.diag(gram)
    inverse = _spd_inverse(gram + np.diag(penalty))
    weights = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(weights, 0.0)
    return LinearItemModel(items, weights.astype(np.float32), l2, dropout)


def _spd_inverse(matrix: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """The inverse of a symmetric positive definite matrix, through its Cholesky factor
    (LAPACK potrf + potri: a third of the work of a general inverse)."""
    factor, info = lapack.dpotrf(matrix, lower=False, clean=False, overwrite_a=False)
    if info != 0:
        raise np.linalg.LinAlgError(f"the penalised Gram matrix is not positive definite ({info})")
    upper, info = lapack.dpotri(factor, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"the Gram matrix's factor cannot be inverted ({info})")
    return np.asarray(np.triu(upper) + np.triu(upper, 1).T, dtype=np.float64)
