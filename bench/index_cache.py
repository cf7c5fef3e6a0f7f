"""Benchmark: the search cache at scale - 500 tenants of mixed sizes (most small, a few with
50,000 chunks) queried in a Zipf-skewed pattern, through `TenantSearch` bounded by bytes
against the cache it replaced (64 tenants whatever their size, each load reading the whole
blob before decoding it), in the same run.

    .venv/bin/python bench/index_cache.py [--queries 4000] [--budget-mib 614 [1229 ...]] [--big 5]

Reports for each cache: hit rate, query latency p50/p99 including loads, peak RSS; and, for
the largest index alone, peak RSS during a load against the loaded index's steady size.

The store is a local directory, not S3 or moto: the blobs are read through the real
`IndexStore.load` (streamed to a temporary file in 1 MiB pieces, as `FileStore.download_to`
does from S3), but no network transfer or pointer GetItem is timed (both are the same for
either cache). Each cache runs in a fresh child process, so its peak RSS is its own. Tenants
share a few generated indexes per size class (their content does not matter to a cache, their
size does), so the data is built in ~30 s."""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path
from typing import IO, Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import anyio

from bench.retrieval import make_corpus, percentile
from engageiq_search.cache_budget import CACHE_MEMORY_FRACTION
from engageiq_search.index_store import IndexPointer, IndexStore
from engageiq_search.service import TenantSearch
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_tenancy.context import Role, TenantContext

MIB: Final = 1024 * 1024
TENANTS: Final = 500
OLD_MAX_TENANTS: Final = 64
"""The bound this change replaced (`MAX_CACHED_TENANTS`)."""
SIZE_CLASSES: Final = {
    # chunks per index: tenants of that size (before the big ones are added)
    20: 120,
    60: 110,
    150: 90,
    400: 70,
    1_000: 50,
    2_500: 30,
    6_000: 15,
    12_000: 10,
}
BIG_CHUNKS: Final = 50_000
BIG_RANKS: Final = (2, 9, 40, 150, 400, 5, 20, 80, 250, 480)
"""Popularity ranks (0 = most queried) of the big tenants, the first `--big` of them (5 by
default): large customers are both among the busiest and in the long tail."""
ZIPF_S: Final = 1.1
DEFAULT_BUDGET: Final = int(2 * 1024 * MIB * CACHE_MEMORY_FRACTION)
"""The default budget of a 2 GB instance (App Runner's `memory: 2048`)."""


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """This process's peak RSS since it started (`VmHWM`; `ru_maxrss` would carry the
    parent's peak over `exec`)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024


# The store -----------------------------------------------------------------------------------


class DiskStore:
    """A `FileStore` stand-in over a directory: a key is a file under it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    class _Missing(Exception):
        pass

    class _Exceptions:
        NoSuchKey: type[Exception]

    def s3_for(self, tenant: TenantContext) -> Any:
        exceptions = self._Exceptions()
        exceptions.NoSuchKey = self._Missing
        return type("S3", (), {"exceptions": exceptions})

    def download_to(self, tenant: TenantContext, key: str, out: IO[bytes], max_bytes: int) -> int:
        with (self.root / key).open("rb") as source:
            shutil.copyfileobj(source, out, MIB)  # 1 MiB pieces, like FileStore.download_to
        return (self.root / key).stat().st_size

    def get_bytes(self, tenant: TenantContext, key: str) -> bytes:
        return (self.root / key).read_bytes()


class DiskIndexes(IndexStore):
    """The real `IndexStore.load`; pointers from memory (every tenant's index is current)."""

    def __init__(self, root: Path, keys: dict[str, str]) -> None:
        super().__init__(None, "bench", DiskStore(root))  # type: ignore[arg-type]
        self.keys = keys

    def pointer(self, tenant: TenantContext) -> IndexPointer:
        return IndexPointer(1, 1, self.keys[tenant.tenant_id])


class WholeBlobIndexes(DiskIndexes):
    """The load this change replaced: the whole blob in memory, then decoded from it."""

    def load(
        self, tenant: TenantContext, key: str, previous: TenantIndex | None = None
    ) -> TenantIndex | None:
        store: DiskStore = self._store  # type: ignore[assignment]
        return TenantIndex.from_bytes(store.get_bytes(tenant, key))


class CountBoundedSearch(TenantSearch):
    """The cache this change replaced: least recently used out beyond 64 tenants, whatever
    their size (what `TenantSearch` did before; same pointer check, one load per tenant)."""

    def __init__(self, indexes: IndexStore) -> None:
        super().__init__(indexes, cache_bytes=0)
        self._old: OrderedDict[str, tuple[str, TenantIndex]] = OrderedDict()

    async def current(self, tenant: TenantContext) -> TenantIndex | None:
        pointer = await anyio.to_thread.run_sync(self._indexes.pointer, tenant)
        assert pointer.version is not None
        cached = self._old.get(tenant.tenant_id)
        if cached is not None and cached[0] == pointer.version:
            self._old.move_to_end(tenant.tenant_id)
            self.hits += 1
            return cached[1]
        self.loads += 1
        index = await anyio.to_thread.run_sync(self._indexes.load, tenant, pointer.version)
        assert index is not None
        self._old[tenant.tenant_id] = (pointer.version, index)
        while len(self._old) > OLD_MAX_TENANTS:
            self._old.popitem(last=False)
        return index


# Data ----------------------------------------------------------------------------------------


def tenant(tenant_id: str) -> TenantContext:
    return TenantContext(tenant_id, "u1", "rep", frozenset({Role.MEMBER}))


def build_templates(root: Path, rng: random.Random) -> tuple[dict[int, list[str]], list[str]]:
    """Index blobs per size class (3 variants of each small class, 1 of each large one) and
    the query vocabulary. Returns ({chunks: [blob name]}, words)."""
    largest = max(BIG_CHUNKS, *SIZE_CLASSES)
    texts, vocab, weights = make_corpus(largest, rng)
    templates: dict[int, list[str]] = {}
    for size in [*SIZE_CLASSES, BIG_CHUNKS]:
        variants = 3 if size <= 1_000 else 1
        for v in range(variants):
            start = rng.randrange(0, largest - size + 1)
            chunks = [
                IndexedChunk(
                    f"file-{(start + i) // 20:08d}-{v}",
                    f"Document {(start + i) // 20} v{v}.pdf",
                    f"page {i % 20 + 1}",
                    texts[start + i],
                    "2026-01-15T09:30:00Z",
                )
                for i in range(size)
            ]
            name = f"template-{size}-{v}"
            with (root / name).open("wb") as out:
                out.write(TenantIndex.build(chunks).to_bytes())
            templates.setdefault(size, []).append(name)
    words = [rng.choices(vocab, weights, k=rng.randint(2, 5)) for _ in range(2000)]
    return templates, [" ".join(w) for w in words]


def assign_tenants(
    root: Path, templates: dict[int, list[str]], big: int, rng: random.Random
) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """Tenant blobs (hard links to the templates), each tenant's chunk count, and the tenants
    in popularity order (most queried first)."""
    sizes = [size for size, count in SIZE_CLASSES.items() for _ in range(count)]
    sizes = (sizes + [20] * TENANTS)[: TENANTS - big]
    rng.shuffle(sizes)
    ranked: list[int | None] = list(sizes)
    for rank in sorted(BIG_RANKS[:big]):
        ranked.insert(rank, BIG_CHUNKS)
    keys: dict[str, str] = {}
    chunks: dict[str, int] = {}
    order: list[str] = []
    for rank, size in enumerate(ranked):
        assert size is not None
        tenant_id = f"t{rank:03d}"
        key = f"tenants/{tenant_id}/index/1"
        (root / key).parent.mkdir(parents=True)
        os.link(root / rng.choice(templates[size]), root / key)
        keys[tenant_id], chunks[tenant_id] = key, size
        order.append(tenant_id)
    return keys, chunks, order


def query_plan(order: list[str], words: list[str], n: int, rng: random.Random) -> list[Any]:
    weights = [1 / (rank + 1) ** ZIPF_S for rank in range(len(order))]
    tenants = rng.choices(order, weights, k=n)
    return [[t, rng.choice(words)] for t in tenants]


# Children ------------------------------------------------------------------------------------


def run_cache(spec: dict[str, Any]) -> dict[str, Any]:
    root = Path(spec["root"])
    keys: dict[str, str] = spec["keys"]
    search: TenantSearch
    if spec["cache"] == "count":
        search = CountBoundedSearch(WholeBlobIndexes(root, keys))
    else:
        search = TenantSearch(DiskIndexes(root, keys), cache_bytes=spec["budget"])
    latencies: list[float] = []
    started_rss = rss_bytes()

    async def queries() -> None:
        for tenant_id, query in spec["plan"]:
            t0 = time.perf_counter()
            await search.search(tenant(tenant_id), query, 5)
            latencies.append((time.perf_counter() - t0) * 1000)

    anyio.run(queries)
    held = search.cache.bytes_used if spec["cache"] == "bytes" else None
    return {
        "hits": search.hits,
        "loads": search.loads,
        "p50_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "mean_ms": statistics.fmean(latencies),
        "total_s": sum(latencies) / 1000,
        "start_rss": started_rss,
        "peak_rss": peak_rss_bytes(),
        "end_rss": rss_bytes(),
        "cached_bytes": held,
    }


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """One load of one blob in a fresh process: RSS before, after (steady) and at its peak."""
    root = Path(spec["root"])
    keys = {"big": spec["key"]}
    indexes = WholeBlobIndexes(root, keys) if spec["path"] == "whole" else DiskIndexes(root, keys)
    before = rss_bytes()
    index = indexes.load(tenant("big"), spec["key"])
    assert index is not None
    return {
        "before": before,
        "steady": rss_bytes(),
        "peak": peak_rss_bytes(),
        "estimate": index.memory_bytes,
        "blob": (root / spec["key"]).stat().st_size,
    }


def child(kind: str, spec: dict[str, Any], workdir: Path) -> dict[str, Any]:
    spec_path = workdir / f"spec-{kind}.json"
    spec_path.write_text(json.dumps(spec))
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(spec_path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out.splitlines()[-1])
    return result


# Report --------------------------------------------------------------------------------------


def mib(n: float) -> str:
    return f"{n / MIB:,.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=4000)
    parser.add_argument(
        "--budget-mib",
        type=int,
        nargs="+",
        default=[DEFAULT_BUDGET // MIB],
        help="one run of the byte-bounded cache per budget (default: a 2 GB instance's)",
    )
    parser.add_argument("--big", type=int, default=5, choices=range(len(BIG_RANKS) + 1))
    parser.add_argument("--child", nargs=2, metavar=("KIND", "SPEC"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, spec_path = args.child
        spec = json.loads(Path(spec_path).read_text())
        print(json.dumps(run_load(spec) if kind.startswith("load") else run_cache(spec)))
        return

    rng = random.Random(15)  # noqa: S311 - reproducible benchmark data, not secrets
    with tempfile.TemporaryDirectory(prefix="engageiq-bench-cache-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        templates, words = build_templates(root, rng)
        keys, chunks, order = assign_tenants(root, templates, args.big, rng)
        plan = query_plan(order, words, args.queries, rng)
        print(f"data: {len(keys)} tenants built in {time.perf_counter() - t0:.0f} s")
        sizes = sorted(chunks.values())
        total = sum((root / key).stat().st_size for key in keys.values())
        print(
            f"  chunks per tenant: median {statistics.median(sizes):,.0f}, "
            f"p90 {percentile([float(s) for s in sizes], 90):,.0f}, max {sizes[-1]:,}; "
            f"{sum(s >= BIG_CHUNKS for s in sizes)} tenants of {BIG_CHUNKS:,}+ "
            f"(popularity ranks {', '.join(str(r) for r in BIG_RANKS[: args.big])}); "
            f"all blobs {mib(total)}"
        )
        print(
            f"  {args.queries} queries, Zipf s={ZIPF_S} over tenants; "
            f"{len({t for t, _ in plan})} tenants queried at least once"
        )

        big_key = next(keys[t] for t in order if chunks[t] == BIG_CHUNKS) if args.big else None
        if big_key:
            print(f"\nload of one {BIG_CHUNKS:,}-chunk index, fresh process each:")
            for path, label in (
                ("whole", "whole blob, then decode (before)"),
                ("stream", "streamed (now)"),
            ):
                r = child(f"load-{path}", {"root": tmp, "key": big_key, "path": path}, root)
                steady, peak = r["steady"] - r["before"], r["peak"] - r["before"]
                print(
                    f"  {label:34} blob {mib(r['blob'])}, steady +{mib(steady)}, "
                    f"peak +{mib(peak)}: peak/steady {peak / steady:.2f}; "
                    f"estimate {mib(r['estimate'])} = {r['estimate'] / steady:.2f}x steady RSS"
                )

        runs: dict[str, dict[str, Any]] = {
            f"before: {OLD_MAX_TENANTS} tenants, whole-blob loads": {"cache": "count", "budget": 0}
        }
        for budget_mib in args.budget_mib:
            label = f"now: {mib(budget_mib * MIB)} budget, streamed loads"
            runs[label] = {"cache": "bytes", "budget": budget_mib * MIB}
        results: dict[str, dict[str, Any]] = {}
        for number, (label, run) in enumerate(runs.items()):
            spec = {"root": tmp, "keys": keys, "plan": plan} | run
            results[label] = child(f"cache-{number}", spec, root)
        print(f"\ncaches, same {args.queries} queries, fresh process each:")
        for label, r in results.items():
            print(
                f"  {label:44} hit rate {r['hits'] / args.queries:6.1%} "
                f"({r['loads']} loads); p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:,.0f} ms, "
                f"mean {r['mean_ms']:.1f} ms; peak RSS {mib(r['peak_rss'])} "
                f"(start {mib(r['start_rss'])})"
                + (f"; cached {mib(r['cached_bytes'])}" if r["cached_bytes"] is not None else "")
            )
        old = next(iter(results.values()))
        for label, new in list(results.items())[1:]:
            print(
                f"  ratios {label.split(' budget')[0]} budget / before: "
                f"peak RSS {new['peak_rss'] / old['peak_rss']:.2f}, "
                f"hit rate {new['hits'] / max(old['hits'], 1):.2f}, "
                f"p99 {new['p99_ms'] / old['p99_ms']:.2f}, "
                f"p50 {new['p50_ms'] / old['p50_ms']:.2f}, "
                f"total query time {new['total_s'] / old['total_s']:.2f}"
            )


if __name__ == "__main__":
    main()
