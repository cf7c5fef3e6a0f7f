"""The answer benchmark's conflict set (decision 0111) measures what it says: each pair is a
verified current version and a stale or unverified older one, each figure is written by its
own version only, and dev and test hold whole pairs."""

from __future__ import annotations

from bench.answer_quality_corpus.conflicts import CONFLICT_QUESTIONS, PAIRS, freshness_by_file
from bench.answer_quality_corpus.gold import holds
from engageiq_tenancy.governance import Freshness


def test_each_pair_is_a_verified_version_and_an_older_one_with_another_figure() -> None:
    for pair in PAIRS:
        current, older = pair.current, pair.older
        assert current.freshness is Freshness.VERIFIED
        assert older.freshness in {Freshness.STALE, Freshness.UNVERIFIED}
        assert holds(current.text, current.fact)
        assert holds(older.text, older.fact)
        assert not holds(current.text, older.fact)
        assert not holds(older.text, current.fact)
    assert {p.older.freshness for p in PAIRS} == {Freshness.STALE, Freshness.UNVERIFIED}


def test_splits_hold_whole_pairs_and_both_are_used() -> None:
    assert {q.split for q in CONFLICT_QUESTIONS} == {"dev", "test"}
    assert all(q.split == q.pair.split for q in CONFLICT_QUESTIONS)
    names = [v.name for p in PAIRS for v in (p.current, p.older)]
    assert len(names) == len(set(names)) == len(freshness_by_file())
