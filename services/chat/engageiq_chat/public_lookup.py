"""What the chat service's unauthenticated lookups share (public branding by slug, sign-in
routing by email domain): an expiring, bounded cache in front of a reader whose reads are
bounded by token buckets, so anonymous callers can neither grow memory nor turn each request
into a DynamoDB read."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringCache(Generic[V]):
    """At most `max_entries` values, each kept `seconds`; the least recently stored go first.
    Times are the caller's clock (seconds, monotonic)."""

    def __init__(self, seconds: float, max_entries: int) -> None:
        self._seconds = seconds
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()

    def get(self, key: str, now: float) -> V | None:
        """The value stored for `key` if it has not expired at `now`, else None."""
        entry = self._entries.get(key)
        if entry is None or entry[0] <= now:
            return None
        return entry[1]

    def put(self, key: str, value: V, now: float) -> V:
        """Store `value` until `now + seconds`; returns it."""
        self._entries[key] = (now + self._seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)
        return value


class TokenBucket:
    """`rate` tokens a second up to `burst`; starts full. `take` is False when none is left."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self._rate = rate
        self._burst = burst
        self._tokens = burst
        self._refilled = now

    def take(self, now: float) -> bool:
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class BucketsPerKey:
    """One `TokenBucket` per key (a client's address), at most `max_keys` remembered: the
    least recently seen are forgotten first (a forgotten key starts full again, which an
    attacker with many addresses gains nothing from: the process's own bucket still holds)."""

    def __init__(self, rate: float, burst: float, max_keys: int) -> None:
        self._rate = rate
        self._burst = burst
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def take(self, key: str, now: float) -> bool:
        bucket = self._buckets.pop(key, None) or TokenBucket(self._rate, self._burst, now)
        self._buckets[key] = bucket
        while len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return bucket.take(now)
