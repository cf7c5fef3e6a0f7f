"""The search cache bounded by bytes (decision 0084), one load per tenant at a time, indexes
too large to cache, and loads that hold one copy of an index (decision 0083)."""

from __future__ import annotations

import gc
import io
import json
import threading
import tracemalloc
import zipfile
from pathlib import Path
from typing import IO, Any

import anyio
import msgspec
import numpy as np
import pytest
from structlog.testing import capture_logs

from engageiq_search import S3Retriever, TenantSearch, index_store
from engageiq_search.cache_budget import (
    CACHE_MEMORY_FRACTION,
    cache_bytes_from_env,
    cgroup_memory_limit,
    default_cache_bytes,
    physical_memory_bytes,
)
from engageiq_search.index_cache import CachedIndex, IndexCache
from engageiq_search.index_store import IndexPointer, IndexStore
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.settings import ServiceSettings, SettingsError


def tenant(tenant_id: str) -> TenantContext:
    return TenantContext(tenant_id, "u1", "rep", frozenset({Role.MEMBER}))


def index_of(chunks: int, words: int = 20, seed: int = 0) -> TenantIndex:
    return TenantIndex.build(
        [
            IndexedChunk(
                f"f{i // 10}",
                f"file{i // 10}.txt",
                "page 1",
                " ".join(f"w{(i * 7 + j * 13 + seed) % 997}" for j in range(words)) + " alpaca",
            )
            for i in range(chunks)
        ]
    )


# The cache ------------------------------------------------------------------------------------


def test_the_cache_evicts_least_recently_used_tenants_by_bytes() -> None:
    small, large = index_of(5), index_of(200)
    assert large.memory_bytes > 10 * small.memory_bytes
    cache = IndexCache(budget_bytes=large.memory_bytes + 3 * small.memory_bytes)
    for name in ("a", "b", "c"):
        assert cache.put(name, CachedIndex("v1", small))
    assert cache.get("a", "v1") is not None  # "a" is now the most recent
    assert cache.put("big", CachedIndex("v1", large))
    assert len(cache) == 4
    assert cache.bytes_used <= cache.budget_bytes
    assert cache.put("d", CachedIndex("v1", small))  # evicts "b", the least recent
    assert cache.peek("b") is None
    assert {n for n in ("a", "c", "d", "big") if cache.peek(n)} == {"a", "c", "d", "big"}
    assert cache.bytes_used == large.memory_bytes + 3 * small.memory_bytes
    assert cache.get("a", "v2") is None  # another version is a miss


def test_an_index_larger_than_the_budget_is_not_cached_and_evicts_nothing() -> None:
    small, large = index_of(5), index_of(200)
    cache = IndexCache(budget_bytes=large.memory_bytes - 1)
    cache.put("a", CachedIndex("v1", small))
    with capture_logs() as logs:
        assert not cache.put("big", CachedIndex("v1", large))
    assert cache.peek("a") is not None
    assert cache.peek("big") is None
    assert cache.bytes_used == small.memory_bytes
    [entry] = [e for e in logs if e["event"] == "index_too_large_to_cache"]
    assert entry["tenant_id"] == "big"
    assert entry["index_bytes"] == large.memory_bytes


def test_a_negative_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        IndexCache(-1)


# TenantSearch with the cache --------------------------------------------------------------------


class CountingIndexes:
    """An IndexStore stand-in: pointers and loads counted; loads wait for `release`."""

    def __init__(self, indexes: dict[str, TenantIndex]) -> None:
        self.indexes = indexes
        self.versions = dict.fromkeys(indexes, "1")
        self.loads: list[str] = []
        self.release = threading.Event()
        self.release.set()
        self.gone: set[str] = set()

    def pointer(self, t: TenantContext) -> IndexPointer:
        return IndexPointer(1, 1, f"tenants/{t.tenant_id}/index/{self.versions[t.tenant_id]}")

    def load(self, t: TenantContext, key: str, previous: object = None) -> TenantIndex | None:
        self.loads.append(key)
        self.release.wait()
        if key in self.gone:
            self.versions[t.tenant_id] = "2"  # replaced by a newer build meanwhile
            return None
        return self.indexes[t.tenant_id]


def test_concurrent_queries_for_one_tenant_load_its_index_once() -> None:
    indexes = CountingIndexes({"acme": index_of(50)})
    indexes.release.clear()
    search = TenantSearch(indexes, cache_bytes=10**9)  # type: ignore[arg-type]
    found: list[int] = []

    async def scenario() -> None:
        async def query() -> None:
            found.append(len(await search.search(tenant("acme"), "alpaca", 3)))

        async with anyio.create_task_group() as tasks:
            for _ in range(8):
                tasks.start_soon(query)
            await anyio.sleep(0.05)
            indexes.release.set()

    anyio.run(scenario)
    assert found == [3] * 8
    assert indexes.loads == ["tenants/acme/index/1"]


def test_an_index_too_large_to_cache_is_still_served_and_its_load_shared() -> None:
    large = index_of(200)
    indexes = CountingIndexes({"big": large, "small": index_of(5)})
    search = TenantSearch(indexes, cache_bytes=large.memory_bytes // 2)  # type: ignore[arg-type]

    async def scenario() -> list[int]:
        assert len(await search.search(tenant("small"), "alpaca", 3)) == 3
        indexes.release.clear()
        results: list[int] = []

        async def query() -> None:
            results.append(len(await search.search(tenant("big"), "alpaca", 5)))

        async with anyio.create_task_group() as tasks:
            for _ in range(4):
                tasks.start_soon(query)
            await anyio.sleep(0.05)
            indexes.release.set()
        return results

    assert anyio.run(scenario) == [5] * 4
    assert indexes.loads.count("tenants/big/index/1") == 1  # four queries, one load
    assert search.cached(tenant("big")) is None
    assert search.cached(tenant("small")) is not None  # nothing evicted for it


def test_a_replaced_blob_is_found_by_reading_the_pointer_again() -> None:
    indexes = CountingIndexes({"acme": index_of(20)})
    indexes.gone.add("tenants/acme/index/1")
    search = TenantSearch(indexes, cache_bytes=10**9)  # type: ignore[arg-type]
    assert len(anyio.run(search.search, tenant("acme"), "alpaca", 3)) == 3
    assert indexes.loads == ["tenants/acme/index/1", "tenants/acme/index/2"]
    assert search.cached(tenant("acme")) == CachedIndex(
        "tenants/acme/index/2", indexes.indexes["acme"]
    )


def test_a_stale_entry_is_dropped_before_its_successor_loads() -> None:
    old, new = index_of(20), index_of(20, seed=1)
    indexes = CountingIndexes({"acme": old})
    search = TenantSearch(indexes, cache_bytes=10**9)  # type: ignore[arg-type]
    seen_during_load: list[CachedIndex | None] = []

    def load(t: TenantContext, key: str, previous: object = None) -> TenantIndex:
        seen_during_load.append(search.cached(t))
        return old if key.endswith("/1") else new

    indexes.load = load  # type: ignore[method-assign]
    anyio.run(search.current, tenant("acme"))
    indexes.versions["acme"] = "2"
    assert anyio.run(search.current, tenant("acme")) is new
    assert seen_during_load == [None, None]  # version 1 was let go before version 2 loaded
    assert search.cache.bytes_used == new.memory_bytes


def test_a_failed_load_is_retried_by_the_next_query() -> None:
    indexes = CountingIndexes({"acme": index_of(20)})
    search = TenantSearch(indexes, cache_bytes=10**9)  # type: ignore[arg-type]
    real = indexes.load
    indexes.load = lambda t, key, previous=None: (_ for _ in ()).throw(OSError("S3 down"))  # type: ignore[method-assign]
    with pytest.raises(OSError, match="S3 down"):
        anyio.run(search.current, tenant("acme"))
    indexes.load = real  # type: ignore[method-assign]
    assert anyio.run(search.current, tenant("acme")) is indexes.indexes["acme"]
    assert search.loads == 2


# Loading with one copy ---------------------------------------------------------------------------


class FileBackedStore:
    """A FileStore stand-in serving one object from disk, as S3 would, in 1 MiB pieces."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def s3_for(self, t: TenantContext) -> Any:
        class Missing(Exception):
            pass

        class Exceptions:
            NoSuchKey = Missing

        class S3:
            exceptions = Exceptions

        return S3

    def download_to(self, t: TenantContext, key: str, out: IO[bytes], max_bytes: int) -> int:
        with self.path.open("rb") as source:
            while piece := source.read(1024 * 1024):
                out.write(piece)
        return self.path.stat().st_size

    def get_bytes(self, t: TenantContext, key: str) -> bytes:
        return self.path.read_bytes()


def test_loading_an_index_holds_about_one_copy_of_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Peak traced memory during IndexStore.load over the loaded index's own size: reading the
    whole blob and then decoding it held the blob and the index at once (>2x)."""
    # Spool to disk from the first byte: a blob the size of this test's stays in memory.
    monkeypatch.setattr(index_store, "SPOOL_MEMORY_BYTES", 1)
    blob = tmp_path / "index"
    blob.write_bytes(index_of(3000, words=120).to_bytes())
    store = IndexStore(None, "files", FileBackedStore(blob))  # type: ignore[arg-type]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        index = store.load(tenant("acme"), "tenants/acme/index/1")
        steady, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert index is not None
    assert index.search("alpaca", 1)
    assert (peak - before) / (steady - before) < 1.25


def test_the_size_estimate_covers_what_an_index_holds() -> None:
    blob = index_of(2000, words=100).to_bytes()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        index = TenantIndex.from_bytes(blob)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert held <= index.memory_bytes <= 1.15 * held


# Stored scores of the formats before segments: the reader ignores them (it tokenises the
# chunks again), so any well-formed arrays stand in for bm25s's.
_LEGACY_SCORES = {
    "data": np.ones(1, np.float32),
    "indices": np.zeros(1, np.int32),
    "indptr": np.array([0, 1]),
}


def test_format_1_indexes_are_still_read() -> None:
    """Blobs published before format 2 (one numpy.savez archive) keep answering."""
    built = index_of(30)
    meta = {"format": 1, "vocab": ["alpaca"]}
    out = io.BytesIO()
    np.savez(
        out,
        meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
        chunks=np.frombuffer(msgspec.json.encode(built.chunks), dtype=np.uint8),
        data=_LEGACY_SCORES["data"],
        indices=_LEGACY_SCORES["indices"],
        indptr=_LEGACY_SCORES["indptr"],
    )
    legacy = TenantIndex.from_bytes(out.getvalue())
    assert legacy.search("alpaca w13", 5) == built.search("alpaca w13", 5)
    assert legacy.chunks == built.chunks


def test_format_2_indexes_are_still_read() -> None:
    """Blobs published before segments (a zip of meta.json, chunks.jsonl and bm25s's score
    matrix) keep answering until the tenant's next write replaces them."""
    built = index_of(30)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("meta.json", json.dumps({"format": 2, "vocab": ["alpaca"]}))
        archive.writestr(
            "chunks.jsonl", b"\n".join(msgspec.json.encode(c) for c in built.chunks) + b"\n"
        )
        for name, array in _LEGACY_SCORES.items():
            member = io.BytesIO()
            np.save(member, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", member.getvalue())
    legacy = TenantIndex.from_bytes(out.getvalue())
    assert legacy.search("alpaca w13", 5) == built.search("alpaca w13", 5)
    assert legacy.chunks == built.chunks


def test_something_that_is_not_an_index_is_refused() -> None:
    with pytest.raises(ValueError, match="not a readable index"):
        TenantIndex.from_bytes(b"not a zip")


# The budget ------------------------------------------------------------------------------------


def test_the_budget_follows_a_cgroup_v2_limit(tmp_path: Path) -> None:
    (tmp_path / "memory.max").write_text("2147483648\n")
    assert cgroup_memory_limit(tmp_path) == 2 * 1024**3
    expected = int(min(2 * 1024**3, physical_memory_bytes()) * CACHE_MEMORY_FRACTION)
    assert default_cache_bytes(tmp_path) == expected


def test_the_budget_follows_a_cgroup_v1_limit(tmp_path: Path) -> None:
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("1073741824\n")
    assert cgroup_memory_limit(tmp_path) == 1024**3


@pytest.mark.parametrize(
    ("name", "value"),
    [("memory.max", "max\n"), ("memory/memory.limit_in_bytes", "9223372036854771712\n")],
)
def test_an_unlimited_cgroup_falls_back_to_physical_memory(
    tmp_path: Path, name: str, value: str
) -> None:
    (tmp_path / name).parent.mkdir(exist_ok=True)
    (tmp_path / name).write_text(value)
    assert cgroup_memory_limit(tmp_path) is None
    assert default_cache_bytes(tmp_path) == int(physical_memory_bytes() * CACHE_MEMORY_FRACTION)
    assert cgroup_memory_limit(tmp_path / "absent") is None


def test_the_budget_is_read_from_the_environment() -> None:
    assert cache_bytes_from_env({"ENGAGEIQ_INDEX_CACHE_BYTES": "268435456"}) == 256 * 1024**2
    assert cache_bytes_from_env({"ENGAGEIQ_INDEX_CACHE_BYTES": " "}) == default_cache_bytes()
    assert cache_bytes_from_env({}) == default_cache_bytes()
    for bad in ("-1", "lots"):
        with pytest.raises(SettingsError, match="ENGAGEIQ_INDEX_CACHE_BYTES"):
            cache_bytes_from_env({"ENGAGEIQ_INDEX_CACHE_BYTES": bad})


def test_the_chat_services_retriever_reads_the_same_budget(
    service_settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGEIQ_INDEX_CACHE_BYTES", "123456789")
    retriever = S3Retriever.from_settings(service_settings)
    assert retriever._search.cache.budget_bytes == 123_456_789
    assert (
        S3Retriever.from_settings(service_settings, cache_bytes=7)._search.cache.budget_bytes == 7
    )
