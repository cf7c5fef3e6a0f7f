"""What adding a file costs as a tenant grows (run through `bench/incremental_index.py`).

Four parts, the first three each with its baseline measured in the same run:

1. **Growth.** One tenant's files are added one at a time, each as ingestion leaves it (its
   chunks in S3, its record `processing`) and then indexed by the files service's real
   `TenantIndexBuilder` (build process, moto over HTTP in its own process). For the files
   ending at each checkpoint, the median time from the change to `ready` and the files
   service's CPU per file (this process and its build processes; merges included, which run
   after `ready`) are compared with the first files of a fresh tenant measured right after.
2. **Today's design.** Before segments, every change rebuilt the whole index: the build of
   all n files' chunks (in the same build process) is measured at sampled sizes and summed
   over n = 1..N by linear interpolation, against the measured total CPU of part 1.
3. **Query latency at `--query-chunks` chunks.** The same chunks as one merged segment and
   as the most segments the merge policy allows (`SEGMENTS_PER_TIER` per tier): p50 and p99
   over 400 questions, in process.
4. **Bulk load** (`--bulk`, default 1,000): that many files arriving at once in a fresh
   tenant, indexed change after change as the ingestion worker's per-tenant order does: time
   until all are `ready`, CPU, and the service side's peak memory."""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any

import anyio
import msgspec

from bench.chat_fixture import local_platform
from engageiq.local.platform import service_environment
from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileRecord, FileStatus, new_file_id, now_iso
from engageiq_files.ingestion.chunking import Chunk
from engageiq_files.search.build_process import IndexBuildProcess
from engageiq_files.search.builder import TenantIndexBuilder
from engageiq_files.uploads.store import FileStore, chunks_object_key, file_object_key
from engageiq_search.index_store import IndexStore
from engageiq_search.merge_policy import SEGMENTS_PER_TIER, TIER_BASE
from engageiq_search.segment import IndexedChunk, Segment
from engageiq_search.service import TenantSearch
from engageiq_search.tenant_index import IndexPart, TenantIndex
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.setting_catalog import SharedVariables
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients

WINDOW = 10
"""Files measured per checkpoint (the median is reported)."""
VOCABULARY = [f"term{n}" for n in range(20_000)]


def cpu_seconds(process: IndexBuildProcess) -> float:
    """CPU of this process and of its build processes (moto, in a process of its own, is
    AWS's side and not counted)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + process.cpu_seconds


def passage(rng: random.Random) -> str:
    """About 60 words drawn with a Zipf-like skew, as prose is."""
    return " ".join(
        VOCABULARY[min(int(rng.paretovariate(1.1)) - 1, len(VOCABULARY) - 1)] for _ in range(60)
    )


class Files:
    """One files instance's index machinery: catalog, store, index store, builder."""

    def __init__(self, settings: ServiceSettings, chunks_per_file: int) -> None:
        clients = TenantClients.from_settings(settings, "files")
        self.catalog = FileCatalog(clients, settings.table("files"))
        self.store = FileStore(clients, settings.bucket("uploads"))
        self.indexes = IndexStore(clients, settings.table("files"), self.store)
        self.search = TenantSearch(self.indexes)
        # As the service builds: with the embedder `ENGAGEIQ_EMBEDDER` names (wordllama).
        self.process = IndexBuildProcess(embedder=SharedVariables.EMBEDDER.read(os.environ))
        self.builder = ReadyTimes(self.catalog, self.store, self.indexes, self.search, self.process)
        self.chunks_per_file = chunks_per_file
        self.rng = random.Random(7)  # noqa: S311 (a benchmark's corpus, not a secret)

    def chunked_file(self, tenant: TenantContext) -> str:
        file_id = new_file_id()
        key = chunks_object_key(tenant, file_id)
        texts = [passage(self.rng) for _ in range(self.chunks_per_file)]
        chunks = [Chunk(i, f"section {i}", t, 0, len(t)) for i, t in enumerate(texts)]
        self.store.put_bytes(tenant, key, msgspec.json.encode(chunks), "application/json")
        self.catalog.create(
            tenant,
            FileRecord(
                id=file_id,
                name=f"{file_id}.md",
                status=FileStatus.PROCESSING,
                object_key=file_object_key(tenant, file_id),
                created_at=now_iso(),
                chunks_key=key,
                chunk_count=len(chunks),
            ),
        )
        return file_id

    def add(self, tenant: TenantContext) -> tuple[float, float]:
        """Seconds from the change to `ready`, and CPU seconds the whole change took."""
        file_id = self.chunked_file(tenant)
        cpu = cpu_seconds(self.process)
        started = time.perf_counter()
        anyio.run(self.builder.apply, tenant, [file_id])  # as the ingestion worker does
        return self.builder.ready_at - started, cpu_seconds(self.process) - cpu


class ReadyTimes(TenantIndexBuilder):
    """The builder, noting when a change's files were marked `ready` (before any merge)."""

    ready_at = 0.0

    def _publish_changes(self, *args: Any, **kwargs: Any) -> Any:
        # Publishes, then marks the change's files `ready`; merges come after.
        published = super()._publish_changes(*args, **kwargs)
        self.ready_at = time.perf_counter()
        return published


def tenant(name: str) -> TenantContext:
    return TenantContext(name, "bench", "bench", frozenset({Role.MEMBER}))


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def growth(files: Files, total: int, checkpoints: list[int]) -> tuple[float, float]:
    """Part 1; returns the CPU seconds of the big tenant's changes, in all and in the build
    processes."""
    big = tenant("big")
    ready: list[float] = []
    cpu: list[float] = []
    started = time.monotonic()
    print(f"1. Growth: one tenant to {total} files of {files.chunks_per_file} chunks")
    print("   file  to ready (ms)  fresh  ratio | CPU/file (ms)  fresh  ratio | segments")
    building = 0.0
    for n in range(1, total + 1):
        before = files.process.cpu_seconds
        seconds, used = files.add(big)
        building += files.process.cpu_seconds - before
        ready.append(seconds)
        cpu.append(used)
        if n in checkpoints:
            fresh = tenant(f"fresh-{n}")
            base = [files.add(fresh) for _ in range(WINDOW)]
            window = slice(max(0, n - WINDOW), n)
            r, f = median_ms(ready[window]), median_ms([b[0] for b in base])
            c, fc = median_ms(cpu[window]), median_ms([b[1] for b in base])
            cached = files.search.cached(big)
            segments = len(cached.index.parts) if cached else -1
            print(
                f"  {n:5d}  {r:12.0f}  {f:5.0f}  {r / f:4.2f}x | {c:13.0f}  {fc:5.0f}  "
                f"{c / fc:4.2f}x | {segments}",
                flush=True,
            )
        elif n % 500 == 0:
            print(f"  ({n} files, {time.monotonic() - started:.0f} s)", flush=True)
    return sum(cpu), building


def todays_design(files: Files, total: int, measured_cpu: float, building: float) -> None:
    """Part 2: every change rebuilt the index of all the tenant's chunks. Its total is the
    measured total with the segment builds and merges replaced by whole builds (the service's
    own work per change, reads and publishing, taken as equal)."""
    rng = random.Random(11)  # noqa: S311
    all_chunks = [
        IndexedChunk(f"f{n}", f"f{n}.md", f"section {i}", passage(rng), "")
        for n in range(total)
        for i in range(files.chunks_per_file)
    ]
    sizes = sorted({max(1, total * k // 5) for k in range(1, 6)})
    costs: dict[int, float] = {}
    for size in sizes:
        before = cpu_seconds(files.process)
        files.process.build(all_chunks[: size * files.chunks_per_file])
        costs[size] = cpu_seconds(files.process) - before
    points = [(0, 0.0), *sorted(costs.items())]
    whole = 0.0
    for n in range(1, total + 1):
        for (a, ca), (b, cb) in itertools.pairwise(points):
            if a <= n <= b:
                whole += ca + (cb - ca) * (n - a) / (b - a)
                break
    print(f"2. Today's design: a whole rebuild per change, measured at {sizes} files:")
    print("   " + ", ".join(f"{n}: {c:.2f} s" for n, c in costs.items()))
    before = measured_cpu - building + whole
    print(
        f"   total CPU for {total} files: whole rebuilds {before:,.0f} s (builds interpolated) "
        f"vs segments {measured_cpu:,.0f} s (measured, {building:,.0f} s of it building and "
        f"merging): {before / measured_cpu:,.1f}x"
    )


def worst_case_sizes(chunks: int) -> list[int]:
    """Segment sizes the policy can leave at worst: `SEGMENTS_PER_TIER` in each tier, at each
    tier's smallest size, the rest in the largest tier."""
    sizes: list[int] = []
    level = 0
    while sum(sizes) + SEGMENTS_PER_TIER * TIER_BASE**level <= chunks:
        sizes += [TIER_BASE**level] * SEGMENTS_PER_TIER
        level += 1
    sizes[-1] += chunks - sum(sizes)
    return sizes


def timed(search: Callable[[str], object], questions: list[str]) -> tuple[float, float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        search(question)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99) - 1]


def query_latency(chunks: int) -> None:
    rng = random.Random(5)  # noqa: S311
    texts = [passage(rng) for _ in range(chunks)]
    all_chunks = [
        IndexedChunk(f"f{n // 10}", f"f{n // 10}.md", f"section {n % 10}", t, "")
        for n, t in enumerate(texts)
    ]
    merged = TenantIndex([IndexPart("one", Segment.build(all_chunks))])
    sizes = worst_case_sizes(chunks)
    parts = []
    start = 0
    for n, size in enumerate(sizes):
        parts.append(IndexPart(str(n), Segment.build(all_chunks[start : start + size])))
        start += size
    split = TenantIndex(parts)
    questions = [" ".join(rng.sample(VOCABULARY[:3000], 4)) for _ in range(400)]
    for index in (merged, split):  # warm both
        for q in questions[:20]:
            index.search(q, 5)
    one = timed(lambda q: merged.search(q, 5), questions)
    many = timed(lambda q: split.search(q, 5), questions)
    print(f"3. Query latency at {chunks:,} chunks (BM25, 4-word questions, k=5):")
    print(f"   one merged segment: p50 {one[0]:.2f} ms, p99 {one[1]:.2f} ms")
    print(
        f"   {len(sizes)} segments (the policy's worst case): p50 {many[0]:.2f} ms "
        f"({many[0] / one[0]:.2f}x), p99 {many[1]:.2f} ms ({many[1] / one[1]:.2f}x)"
    )


def bulk_load(files: Files, count: int) -> None:
    """Part 4: `count` files arrive at once in a fresh tenant (all chunked, `processing`), and
    are indexed one change after another, as the ingestion worker's per-tenant FIFO order does
    (parsing, per file and the same at any tenant size, is not included)."""
    tenant_ = tenant("bulk")
    ids = [files.chunked_file(tenant_) for _ in range(count)]
    cpu = cpu_seconds(files.process)
    started = time.perf_counter()
    for file_id in ids:
        anyio.run(files.builder.apply, tenant_, [file_id])
    elapsed = time.perf_counter() - started
    ready = sum(
        1 for f in files.catalog.all_files(tenant_, consistent=True) if f.status is FileStatus.READY
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"4. Bulk load: {count} files at once into a fresh tenant: {ready} ready in "
        f"{elapsed:.0f} s ({elapsed / count * 1000:.0f} ms a file), CPU "
        f"{cpu_seconds(files.process) - cpu:.0f} s; peak RSS of the service side {peak:.0f} MiB "
        "(this process; build processes are bounded apart)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--checkpoints", default="10,1000,5000")
    parser.add_argument("--chunks-per-file", type=int, default=10)
    parser.add_argument("--query-chunks", type=int, default=50_000)
    parser.add_argument("--skip-growth", action="store_true")
    parser.add_argument("--skip-query", action="store_true")
    parser.add_argument("--bulk", type=int, default=1000, help="files of part 4 (0: skip)")
    args = parser.parse_args()
    checkpoints = [int(v) for v in args.checkpoints.split(",") if int(v) <= args.files]
    started = time.monotonic()
    if not args.skip_query:
        query_latency(args.query_chunks)
    if not args.skip_growth:
        with local_platform() as platform:
            env = service_environment(platform.resources)
            os.environ.update({k: v for k, v in env.items() if k.startswith(("AWS_", "ENGAGEIQ_"))})
            os.environ["ENGAGEIQ_LOG_LEVEL"] = "WARNING"
            files = Files(ServiceSettings.from_env(), args.chunks_per_file)
            if args.bulk:
                bulk_load(files, args.bulk)
            if args.files:
                measured, building = growth(files, args.files, checkpoints)
                todays_design(files, args.files, measured, building)
    print(f"({time.monotonic() - started:.0f} s)")
