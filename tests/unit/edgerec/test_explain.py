import numpy as np
import pytest

from edgerec.explain import closest_inputs


def test_each_item_is_explained_by_the_input_pointing_the_same_way():
    embeddings = np.array(
        [[1, 0], [0, 1], [10, 1], [1, 10], [0.9, 0.1]],  # inputs 0 and 1; items 2, 3, 4
        dtype=np.float32,
    )

    closest = closest_inputs(embeddings, [0, 1], [2, 3, 4])

    assert closest.tolist() == [0, 1, 0]


def test_a_long_vector_does_not_win_every_comparison():
    embeddings = np.array([[100, 100], [0, 1], [0.1, 1]], dtype=np.float32)

    assert closest_inputs(embeddings, [0, 1], [2]).tolist() == [1]


def test_nothing_to_explain_gives_an_empty_answer_and_no_inputs_is_an_error():
    embeddings = np.eye(3, dtype=np.float32)

    assert closest_inputs(embeddings, [0], []).size == 0
    with pytest.raises(ValueError, match="liked item"):
        closest_inputs(embeddings, [], [1])
