"""Trust-aware ranking (decision 0111): among passages that answer, verified content first,
then unverified, then stale; the retrieval order is kept within each."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from engageiq_tenancy.governance import TRUST_ORDER, Freshness

T = TypeVar("T")


def trusted_first(passages: Sequence[T], freshness_of: Callable[[T], Freshness]) -> list[T]:
    """`passages` (best first) stably sorted by `TRUST_ORDER` of `freshness_of(passage)`:
    when every passage has one freshness the order is exactly the input's."""
    return sorted(passages, key=lambda p: TRUST_ORDER[freshness_of(p)])
