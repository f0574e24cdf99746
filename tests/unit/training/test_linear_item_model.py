"""The closed-form item models: EASE's formula exactly, EDLAE's heavier penalty, and scores
summed over the picked items the model covers."""

from __future__ import annotations

import numpy as np
import pytest

from training.interactions import build_interactions
from training.linear_item_model import (
    fit_from_gram,
    fit_linear_item_model,
    gram_matrix,
    most_liked_items,
)


@pytest.fixture
def likes():
    rng = np.random.default_rng(3)
    users, items = [], []
    for user in range(60):
        group = user % 3
        for item in rng.choice(10, size=4, replace=False) + 10 * group:
            users.append(f"u{user}")
            items.append(f"i{item:02d}")
    users.append("u0")
    items.append("lonely")  # liked once: no co-occurrence to learn from
    return build_interactions(users, items, np.ones(len(users), dtype=np.float32))


def test_the_gram_matrix_counts_the_users_who_liked_each_pair(likes):
    items = most_liked_items(likes, max_items=100, min_likes=1)

    gram = gram_matrix(likes, items)

    liked = {(int(u), int(i)) for u, i in zip(likes.user_index, likes.item_index, strict=True)}
    a, b = int(items[0]), int(items[1])
    both = sum(1 for u in range(likes.users) if (u, a) in liked and (u, b) in liked)
    assert gram[0, 1] == gram[1, 0] == both
    assert gram[0, 0] == sum(1 for u in range(likes.users) if (u, a) in liked)


def test_ease_weights_are_the_closed_form_with_a_zero_diagonal(likes):
    items = most_liked_items(likes, max_items=100)
    gram = gram_matrix(likes, items)
    inverse = np.linalg.inv(gram + 5.0 * np.eye(items.size))
    expected = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(expected, 0.0)

    model = fit_linear_item_model(likes, items, l2=5.0)

    np.testing.assert_allclose(model.weights, expected, rtol=1e-4, atol=1e-6)
    assert not np.diag(model.weights).any()


def test_edlae_is_ease_with_the_dropout_penalty_on_each_items_own_count(likes):
    items = most_liked_items(likes, max_items=100)
    gram = gram_matrix(likes, items)
    penalty = 5.0 + 0.5 / (1 - 0.5) * np.diag(gram)
    inverse = np.linalg.inv(gram + np.diag(penalty))
    expected = -inverse / np.diag(inverse)[None, :]
    np.fill_diagonal(expected, 0.0)

    model = fit_from_gram(gram, items, l2=5.0, dropout=0.5)

    np.testing.assert_allclose(model.weights, expected, rtol=1e-4, atol=1e-6)


def test_items_liked_by_fewer_users_than_asked_are_left_out_most_liked_first(likes):
    items = most_liked_items(likes, max_items=5, min_likes=2)

    popularity = np.bincount(likes.item_index, minlength=likes.num_items)
    assert items.size == 5
    assert list(popularity[items]) == sorted(popularity[items], reverse=True)
    lonely = int(np.flatnonzero(likes.item_ids == "lonely")[0])
    assert lonely not in most_liked_items(likes, max_items=100, min_likes=2)


def test_scores_sum_the_rows_of_the_covered_picks_and_favour_the_picks_own_group(likes):
    items = most_liked_items(likes, max_items=100)
    model = fit_linear_item_model(likes, items, l2=1.0)
    rows = {item_id: row for row, item_id in enumerate(likes.item_ids.tolist())}
    lonely = rows["lonely"]
    query = np.array([[rows["i01"], rows["i02"], lonely]])

    scores = model.scores(query, likes.num_items)

    position = {int(r): p for p, r in enumerate(items)}
    expected = model.weights[position[rows["i01"]]] + model.weights[position[rows["i02"]]]
    np.testing.assert_allclose(scores[0, items], expected, rtol=1e-6)
    assert scores[0, lonely] == 0.0
    best = np.argsort(-scores[0])[:5]
    assert all(likes.item_ids[r].startswith("i0") for r in best)


def test_a_penalty_that_is_not_positive_is_refused(likes):
    with pytest.raises(ValueError, match="l2 must be > 0"):
        fit_linear_item_model(likes, most_liked_items(likes, 10), l2=0.0)
