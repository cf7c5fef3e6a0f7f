"""Chunk vectors as int8 with a scale per chunk (`engageiq_search.vectors`): the round trip's
error bound and dense scores against the float dot product."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from engageiq_search.vectors import SCORE_BLOCK_ROWS, dense_scores, quantize

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32)


def unit_rows(rows: int, dimension: int, seed: int = 106) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((rows, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


@given(arrays(np.float32, st.tuples(st.integers(1, 8), st.integers(1, 16)), elements=finite))
def test_each_component_comes_back_within_half_a_step(vectors: np.ndarray) -> None:
    codes, scales = quantize(vectors)
    assert codes.dtype == np.int8
    assert codes.shape == vectors.shape
    assert scales.dtype == np.float32
    assert scales.shape == (len(vectors),)
    restored = codes.astype(np.float32) * scales[:, None]
    # Half a step, plus float32 rounding of the division and the scale.
    bound = scales[:, None] * 0.5 + np.abs(vectors) * 1e-6 + 1e-30
    assert (np.abs(restored - vectors) <= bound).all()
    assert (np.abs(codes) <= 127).all()


def test_a_zero_row_has_scale_zero_and_codes_zero() -> None:
    codes, scales = quantize(np.array([[0.0, 0.0], [0.5, -1.0]], dtype=np.float32))
    assert scales[0] == 0
    assert not codes[0].any()
    assert codes[1].tolist() == [64, -127]


@pytest.mark.parametrize(
    "vectors",
    [np.zeros(3, np.float32), np.array([[np.nan, 1.0]], np.float32)],
)
def test_quantize_refuses_what_is_not_a_matrix_of_numbers(vectors: np.ndarray) -> None:
    with pytest.raises(ValueError, match="vectors"):
        quantize(vectors)


@pytest.mark.parametrize("rows", [0, 1, SCORE_BLOCK_ROWS - 1, SCORE_BLOCK_ROWS, 2500])
def test_dense_scores_equal_the_float_dot_product(rows: int) -> None:
    vectors = unit_rows(rows, 256)
    query = unit_rows(1, 256, seed=7)[0]
    codes, scales = quantize(vectors)
    scores = dense_scores(query, codes, scales)
    assert scores.dtype == np.float32
    assert scores.shape == (rows,)
    # Within sum(|query|) * scale / 2 of the exact product: < 0.01 for unit vectors of 256.
    exact = vectors @ query
    assert np.allclose(scores, exact, atol=np.abs(query).sum() * scales.max(initial=0) / 2)


def test_a_vector_scores_highest_against_itself() -> None:
    vectors = unit_rows(300, 64)
    codes, scales = quantize(vectors)
    for row in (0, 150, 299):
        assert int(np.argmax(dense_scores(vectors[row], codes, scales))) == row


def test_dense_scores_refuse_shapes_that_do_not_agree() -> None:
    codes, scales = quantize(unit_rows(4, 8))
    with pytest.raises(ValueError, match="do not agree"):
        dense_scores(np.zeros(9, np.float32), codes, scales)
    with pytest.raises(ValueError, match="do not agree"):
        dense_scores(np.zeros(8, np.float32), codes, scales[:3])


@given(
    scores=st.lists(
        st.sampled_from([-np.inf, -1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0]), min_size=1, max_size=60
    ),
    wanted=st.integers(1, 70),
)
def test_the_best_dense_rows_are_the_highest_scores_ties_in_row_order(
    scores: list[float], wanted: int
) -> None:
    """`_top` over dense scores (a partition of the values, decision 0127) against sorting
    every row: the same rows in the same order, rows the caller may not see (-inf) never,
    ties (the values above repeat often) cut in row order."""
    from engageiq_search.tenant_index import _top

    array = np.array(scores, dtype=np.float32)
    expected = sorted(
        (row for row, score in enumerate(scores) if score > -np.inf),
        key=lambda row: (-scores[row], row),
    )[:wanted]

    assert [row for (_, row), _ in _top(0, array, wanted, floor=-np.inf)] == expected
