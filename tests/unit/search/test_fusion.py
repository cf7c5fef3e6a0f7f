"""Reciprocal rank fusion (`engageiq_search.fusion`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engageiq_search.fusion import reciprocal_rank_fusion

rankings = st.lists(st.lists(st.integers(0, 30), max_size=12), min_size=1, max_size=4)
weights_of = st.floats(0, 3, allow_nan=False)


@given(rankings, st.integers(0, 40), st.integers(0, 100), st.data())
def test_the_result_is_distinct_items_of_the_rankings(
    given_rankings: list[list[int]], limit: int, k: int, data: st.DataObject
) -> None:
    weights = data.draw(st.lists(weights_of, min_size=len(given_rankings), max_size=4))
    weights = weights[: len(given_rankings)]
    fused = reciprocal_rank_fusion(given_rankings, k=k, weights=weights, limit=limit)
    everything = {item for ranking in given_rankings for item in ranking}
    assert len(fused) == len(set(fused)) == min(limit, len(everything))
    assert set(fused) <= everything


@given(rankings, st.integers(0, 30), st.integers(0, 100))
def test_an_item_first_in_every_ranking_is_first(
    given_rankings: list[list[int]], item: int, k: int
) -> None:
    with_first = [[item, *(i for i in ranking if i != item)] for ranking in given_rankings]
    assert reciprocal_rank_fusion(with_first, k=k, limit=5)[0] == item


def test_agreement_outranks_one_ranker_alone() -> None:
    # 7 is second in both; 1 and 2 are first in one ranking each and absent from the other.
    assert reciprocal_rank_fusion([[1, 7, 3], [2, 7, 4]], limit=3) == [7, 1, 2]


def test_a_weight_favours_its_ranking() -> None:
    assert reciprocal_rank_fusion([[1, 2], [2, 1]], weights=(1.0, 2.0), limit=2) == [2, 1]
    assert reciprocal_rank_fusion([[1, 2], [2, 1]], weights=(1.0, 0.5), limit=2) == [1, 2]


def test_ties_go_to_the_better_rank_then_the_earlier_ranking() -> None:
    assert reciprocal_rank_fusion([[1, 2], [2, 1]], limit=2) == [1, 2]


def test_a_repeated_item_counts_at_its_first_place() -> None:
    assert reciprocal_rank_fusion([[5, 5, 5, 6]], limit=2) == [5, 6]
    one = reciprocal_rank_fusion([[5, 6], [6]], limit=2)
    assert one == reciprocal_rank_fusion([[5, 6, 6], [6, 6]], limit=2)


@pytest.mark.parametrize(
    ("k", "limit", "weights"),
    [(-1, 3, None), (60, -1, None), (60, 3, (1.0,)), (60, 3, (1.0, -0.5))],
)
def test_bad_arguments_are_refused(k: int, limit: int, weights: tuple[float, ...] | None) -> None:
    with pytest.raises(ValueError, match="must"):
        reciprocal_rank_fusion([[1], [2]], k=k, weights=weights, limit=limit)
