"""The pieces the unauthenticated lookups share (`engageiq_chat.public_lookup`): the cache
expires and stays bounded, the buckets refill at their rate and never past their burst, and
per-key buckets forget the least recently seen key first."""

from __future__ import annotations

from engageiq_chat.public_lookup import BucketsPerKey, ExpiringCache, TokenBucket


def test_the_cache_expires_and_drops_the_least_recently_stored_first() -> None:
    cache: ExpiringCache[int] = ExpiringCache(seconds=10, max_entries=2)
    cache.put("a", 1, now=0)
    cache.put("b", 2, now=1)
    assert (cache.get("a", now=9.9), cache.get("a", now=10)) == (1, None)
    cache.put("c", 3, now=2)  # a third entry: "a" goes
    assert [cache.get(k, now=3) for k in "abc"] == [None, 2, 3]


def test_a_bucket_refills_at_its_rate_up_to_its_burst() -> None:
    bucket = TokenBucket(rate=2, burst=3, now=0)
    assert [bucket.take(now=0) for _ in range(4)] == [True, True, True, False]
    assert [bucket.take(now=0.5) for _ in range(2)] == [True, False]  # one token in 0.5 s
    assert sum(bucket.take(now=100) for _ in range(10)) == 3  # never more than the burst


def test_buckets_per_key_are_separate_and_bounded() -> None:
    buckets = BucketsPerKey(rate=1, burst=1, max_keys=2)
    assert (buckets.take("x", now=0), buckets.take("x", now=0)) == (True, False)
    assert buckets.take("y", now=0)  # another key has its own
    buckets.take("z", now=0)  # a third key: "x", the least recently seen, is forgotten
    assert buckets.take("x", now=0)
