"""`TenantIndexBuilder`: brings a tenant's index up to date after its files change: new files
become a new segment, deleted and superseded ones are marked dead in the manifest, and the
merge policy keeps the segment count bounded (decision 0100).

Two ways in:

- `apply(tenant, changed)`: the common case (an ingestion finished, a file was deleted). Only
  the changed files' records are read, so a change costs the same in a tenant of 10 files as
  in one of 5,000. The writer reads the pointer, then the records, and always publishes
  (conditional on the pointer still naming its base manifest), so a concurrent writer that
  read a record before it changed either published before this one read the pointer (and is
  corrected here) or fails its publish and starts again (`IndexStore`).
- `rebuild(tenant, generation)`: a full reconcile of every file of the catalog against the
  index, for changes whose files are not named (version switches, the reaper) and for a
  tenant's first index or its migration from the formats before segments. A caller notes its
  change first (`IndexStore.note_change`, which returns the new generation); requests
  coalesce within this process and across instances: one returns as soon as a full reconcile
  read after its note was published, whoever published it.

Either way a file becomes `ready` only once a published index contains it, so "ready" always
means "searchable"; and a writer that loses the race marks its own files `ready` once the
index covers them, since the winner may die between publishing and marking."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Final

import anyio
import anyio.to_thread
import msgspec
import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileRecord, FileStatus
from engageiq_files.catalog.versions import superseded_in_build, versions_of
from engageiq_files.ingestion.chunking import Chunk
from engageiq_files.search.build_process import (
    NO_EMBEDDER,
    IndexBuildFailed,
    IndexBuildProcess,
)
from engageiq_files.uploads.store import FileStore
from engageiq_search.crash_points import crash_point, crash_stage
from engageiq_search.embedder import embedder_for
from engageiq_search.index_store import IndexPointer, IndexStore
from engageiq_search.manifest import IndexManifest, SegmentEntry
from engageiq_search.merge_policy import merge_due, reembed_due
from engageiq_search.segment import IndexedChunk, Segment
from engageiq_search.service import TenantSearch
from engageiq_search.tenant_index import IndexPart, TenantIndex
from engageiq_tenancy.context import TenantContext

log = structlog.get_logger(__name__)
_chunks_decoder = msgspec.json.Decoder(list[Chunk])
MAX_MERGES_PER_CHANGE: Final = 4
"""Merges run after one change at most (a merge can fill the next tier, which merges in
turn); more wait for the next change, so one message never holds the tenant's queue long."""


@dataclass
class _TenantBuilds:
    lock: anyio.Lock = field(default_factory=anyio.Lock)


class TenantIndexBuilder:
    def __init__(
        self,
        catalog: FileCatalog,
        store: FileStore,
        indexes: IndexStore,
        search: TenantSearch,
        build_process: IndexBuildProcess | None = None,
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._indexes = indexes
        self._search = search
        self._build_process = build_process or IndexBuildProcess()
        # What the build process embeds with: a stand-in for it (tests) embeds nothing.
        choice = (
            self._build_process.embedder
            if isinstance(self._build_process, IndexBuildProcess)
            else NO_EMBEDDER
        )
        embedder = embedder_for(choice)
        self._embedder_id = embedder.id if embedder is not None else ""
        """The id segments' vectors must carry; others are embedded again
        (`_reembed_blocking`)."""
        self._tenants: dict[str, _TenantBuilds] = {}

    async def apply(self, tenant: TenantContext, changed: Collection[str]) -> None:
        """Return once the published index reflects the current records of `changed` (file
        ids: searchable ones in it, others not) and those still `processing` are `ready`;
        then merge segments if the policy asks for it. Raises IndexBuildFailed when the build
        process fails, and boto3's errors."""
        state = self._tenants.setdefault(tenant.tenant_id, _TenantBuilds())
        async with state.lock:
            # A new generation names what this change writes, so that a later publish can
            # tell what a killed writer left from what one in flight is writing.
            await anyio.to_thread.run_sync(self._indexes.note_change, tenant)
            while True:
                outcome = await anyio.to_thread.run_sync(self._apply_blocking, tenant, changed)
                if not isinstance(outcome, _Raced):
                    break
            self._remember(tenant, *outcome)
            await self._merge(tenant)

    async def rebuild(
        self, tenant: TenantContext, generation: int, file_ids: Collection[str] = ()
    ) -> None:
        """Return once a full reconcile read at `generation` or later (the generation
        `IndexStore.note_change` returned for the caller's change) is published and each of
        `file_ids` still `processing` is marked `ready`; then merge if the policy asks for
        it. Publishes until that holds: a publish that loses the race re-reads the pointer
        (the winner's reconcile may cover it). Raises IndexBuildFailed when the build process
        fails, and boto3's errors."""
        state = self._tenants.setdefault(tenant.tenant_id, _TenantBuilds())
        async with state.lock:
            while True:
                pointer = await anyio.to_thread.run_sync(self._indexes.pointer, tenant)
                if pointer.built_generation >= generation:
                    break  # reconciled by this process or another instance after our change
                published = await anyio.to_thread.run_sync(self._reconcile_blocking, tenant)
                if not isinstance(published, _Raced):
                    self._remember(tenant, *published)
            if file_ids:
                await anyio.to_thread.run_sync(self._mark_ready, tenant, file_ids)
            await self._merge(tenant)

    async def _merge(self, tenant: TenantContext) -> None:
        """Merges the policy asks for. A merge that fails is logged and left to the next
        change: the change itself is published and its files are `ready` (a caller that took
        the failure for its own would fail a file that is searchable)."""
        for _ in range(MAX_MERGES_PER_CHANGE):
            try:
                merged = await anyio.to_thread.run_sync(self._merge_blocking, tenant)
            except (IndexBuildFailed, BotoCoreError, ClientError) as exc:
                log.warning("index_merge_failed", error=repr(exc))
                return
            if merged is None:
                break
            self._remember(tenant, *merged)
        # One re-embedding per change at most (merge_policy.REEMBED_CHUNKS): a contextual
        # model embeds a few chunks a second, and the tenant's next upload waits for it.
        try:
            reembedded = await anyio.to_thread.run_sync(self._reembed_blocking, tenant)
        except (IndexBuildFailed, BotoCoreError, ClientError) as exc:
            log.warning("index_reembed_failed", error=repr(exc))
            return
        if reembedded is not None:
            self._remember(tenant, *reembedded)

    def _mark_ready(self, tenant: TenantContext, file_ids: Collection[str]) -> None:
        # Safe without re-reading the index: the published build read the generation after
        # these files' changes were noted, and each file's chunks were stored before that
        # note, so the build's (consistent) listing had them. Conditional: a file deleted or
        # failed meanwhile stays as it is.
        for file_id in file_ids:
            self._catalog.update(
                tenant, file_id, expect_status=FileStatus.PROCESSING, status=FileStatus.READY
            )

    def _base(self, tenant: TenantContext) -> tuple[IndexPointer, IndexManifest | None] | None:
        """The pointer and the manifest it names (None for none, or a pre-segment blob);
        None if that manifest was replaced since the pointer was read."""
        pointer = self._indexes.pointer(tenant)
        if not pointer.segmented:
            return pointer, None
        assert pointer.key is not None
        manifest = self._indexes.manifest(tenant, pointer.key)
        return None if manifest is None else (pointer, manifest)

    def _apply_blocking(
        self, tenant: TenantContext, changed: Collection[str]
    ) -> _Published | _Raced:
        """One attempt of `apply`: `_RACED` if another publish got there first."""
        found = self._base(tenant)
        if found is None:
            return _RACED
        pointer, base = found
        if base is None:
            # No index yet, or one from before segments: a full reconcile creates or
            # migrates it.
            return self._publish_changes(tenant, pointer, IndexManifest(), self._listing(tenant))
        files: dict[str, FileRecord] = {}
        for file_id in changed:
            record = self._catalog.get(tenant, file_id)
            if record is None:
                continue
            files[file_id] = record
            if record.replaces and record.status is FileStatus.PROCESSING:
                # A new version: the versions it replaces leave the index in the same publish.
                files |= {v.id: v for v in versions_of(self._catalog, tenant, record.document)}
        considered = set(changed) | files.keys()
        return self._publish_changes(tenant, pointer, base, list(files.values()), considered)

    def _reconcile_blocking(self, tenant: TenantContext) -> _Published | _Raced:
        """Publish a manifest reconciling every file of the catalog with the index: what a
        tenant indexed before segments (or not at all) gets as its first manifest, all its
        files in one segment (the migration)."""
        found = self._base(tenant)
        if found is None:
            return _RACED
        pointer, base = found
        return self._publish_changes(
            tenant, pointer, base or IndexManifest(), self._listing(tenant)
        )

    def _listing(self, tenant: TenantContext) -> list[FileRecord]:
        # Consistent: a file whose change was noted before the pointer was read must be
        # listed, or the reconcile would miss it (decision 0076).
        return list(self._catalog.all_files(tenant, consistent=True))

    def _publish_changes(
        self,
        tenant: TenantContext,
        pointer: IndexPointer,
        base: IndexManifest,
        records: list[FileRecord],
        considered: set[str] | None = None,
    ) -> _Published | _Raced:
        """Publish `base` brought up to date for `records`: their searchable files not yet
        indexed as one new segment, the indexed files of `considered` (every indexed file
        when None: a full reconcile) that are no longer searchable marked dead."""
        files = [
            f
            for f in records
            if f.chunks_key and f.status in (FileStatus.PROCESSING, FileStatus.READY)
        ]
        # Only current versions are searchable (decision 0052).
        superseded = superseded_in_build(files)
        searchable = {f.id: f for f in files if f.superseded_by is None and f.id not in superseded}
        indexed = base.live_files()
        gone = {f for f in indexed if considered is None or f in considered} - searchable.keys()
        entries = [entry.with_dead(gone) for entry in base.segments]
        # A segment whose every file is dead is dropped now, not left to a merge.
        entries = [e for e in entries if not set(e.files) <= set(e.dead)]
        written: list[str] = []
        new_files = [f for f in searchable.values() if f.id not in indexed]
        segment: Segment | None = None
        if new_files:
            chunks, counts = self._gather_chunks(tenant, new_files)
            if counts:
                blob = self._build_process.build(chunks)
                key = self._indexes.put_segment(tenant, blob, pointer.generation)
                written.append(key)
                segment = Segment.from_bytes(blob)
                entries.append(
                    SegmentEntry(key, counts, bytes=len(blob), embedder=_embedder_id(segment))
                )
        manifest = IndexManifest(segments=entries)
        full = considered is None
        published = self._indexes.publish(tenant, manifest, pointer, written, full=full)
        if published is None:
            log.info("index_publish_superseded", generation=pointer.generation)
            return _RACED
        for f in files:
            if f.status is FileStatus.PROCESSING:
                self._catalog.update(
                    tenant, f.id, expect_status=FileStatus.PROCESSING, status=FileStatus.READY
                )
        for old, current in superseded.items():
            self._catalog.update(tenant, old, supersededBy=current)
        log.info(
            "index_published",
            generation=pointer.generation,
            full=full,
            segments=len(entries),
            new_chunks=len(segment) if segment else 0,
        )
        return published, manifest, {written[0]: segment} if segment else {}

    def _merge_blocking(self, tenant: TenantContext) -> _Published | None:
        """Merge the segments the policy names (`merge_policy.merge_due`) into one, if any;
        None when none is due or another publish got there first (the next change
        retries). The merge publishes at the generation the index already covers: it
        changes how chunks are stored, not which are searchable."""
        pointer = self._indexes.pointer(tenant)
        if not pointer.segmented or pointer.key is None:
            return None
        manifest = self._indexes.manifest(tenant, pointer.key)
        if manifest is None or not (due := merge_due(manifest.segments, self._embedder_id)):
            return None
        blobs: list[tuple[bytes, list[str]]] = []
        for entry in due:
            blob = self._store.get_bytes(tenant, entry.key)
            if blob is None:
                return None  # replaced meanwhile
            blobs.append((blob, entry.dead))
        merged = self._build_process.merge(blobs)
        key = self._indexes.put_segment(tenant, merged, pointer.generation)
        crash_point("merge_written")  # tests only: the faults suite's kill points
        segment = Segment.from_bytes(merged)
        files = {f: n for e in due for f, n in e.files.items() if f not in e.dead}
        replaced = {entry.key for entry in due}
        entries = [e for e in manifest.segments if e.key not in replaced]
        entries.append(SegmentEntry(key, files, bytes=len(merged), embedder=_embedder_id(segment)))
        result = IndexManifest(segments=entries)
        with crash_stage("merge"):
            published = self._indexes.publish(tenant, result, pointer, [key])
        if published is None:
            return None
        # Written at the generation published, so the sweep of older objects leaves them.
        self._indexes.delete_replaced(tenant, replaced)
        log.info("index_segments_merged", merged=len(due), chunks=len(segment))
        return published, result, {key: segment}

    def _reembed_blocking(self, tenant: TenantContext) -> _Published | None:
        """Move some live files of a segment embedded otherwise than `ENGAGEIQ_EMBEDDER` says
        into a new segment embedded as it says (`merge_policy.reembed_due`; the old segment
        keeps them as dead, or leaves the manifest when none is left); None when none is
        stale or another publish got there first. Publishes at the generation the index
        already covers, as a merge does."""
        pointer = self._indexes.pointer(tenant)
        if not pointer.segmented or pointer.key is None:
            return None
        manifest = self._indexes.manifest(tenant, pointer.key)
        if manifest is None or (plan := reembed_due(manifest.segments, self._embedder_id)) is None:
            return None
        entry, moved = plan
        blob = self._store.get_bytes(tenant, entry.key)
        if blob is None:
            return None
        kept = sorted(set(entry.files) - set(moved))
        # The moved files are embedded again: one file may exceed REEMBED_CHUNKS (a long
        # PDF), and e5 needs seconds a chunk, so the time limit grows as a build's does.
        rewritten = self._build_process.merge(
            [(blob, kept)], embedded_chunks=sum(entry.files[f] for f in moved)
        )
        key = self._indexes.put_segment(tenant, rewritten, pointer.generation)
        segment = Segment.from_bytes(rewritten)
        old = entry.with_dead(set(moved))
        entries = [e for e in manifest.segments if e.key != entry.key]
        if old.live_chunks:
            entries.append(old)
        files = {f: entry.files[f] for f in moved}
        entries.append(
            SegmentEntry(key, files, bytes=len(rewritten), embedder=_embedder_id(segment))
        )
        result = IndexManifest(segments=entries)
        published = self._indexes.publish(tenant, result, pointer, [key])
        if published is None:
            return None
        if not old.live_chunks:
            self._indexes.delete_replaced(tenant, [entry.key])
        log.info("index_segment_reembedded", files=len(moved), chunks=len(segment))
        return published, result, {key: segment}

    def _remember(
        self,
        tenant: TenantContext,
        pointer: IndexPointer,
        manifest: IndexManifest,
        new: dict[str, Segment],
    ) -> None:
        """Prime this process's cache with the index just published, when every segment it
        lists is at hand (the cached index's or just written); otherwise readers load it."""
        previous = self._search.cached(tenant)
        held = dict(new)
        if previous is not None:
            held |= {part.key: part.segment for part in previous.index.parts}
        if any(entry.key not in held for entry in manifest.segments):
            self._search.forget(tenant)
            return
        index = TenantIndex(
            [IndexPart(e.key, held[e.key], frozenset(e.dead)) for e in manifest.segments]
        )
        self._search.remember(tenant, pointer, index)

    def _gather_chunks(
        self, tenant: TenantContext, files: list[FileRecord]
    ) -> tuple[list[IndexedChunk], dict[str, int]]:
        """The chunks of `files` read from S3, and each file's chunk count (a file deleted
        meanwhile is left out: no index entry may point to missing data)."""
        gathered: list[IndexedChunk] = []
        counts: dict[str, int] = {}
        for f in files:
            assert f.chunks_key is not None
            blob = self._store.get_bytes(tenant, f.chunks_key)
            if blob is None:
                continue
            chunks = _chunks_decoder.decode(blob)
            gathered += [
                IndexedChunk(f.id, f.name, c.location, c.text, f.created_at) for c in chunks
            ]
            counts[f.id] = len(chunks)
        return gathered, counts


_Published = tuple[IndexPointer, IndexManifest, dict[str, Segment]]


class _Raced:
    """Another publish got there first: read the pointer again."""


_RACED: Final = _Raced()


def _embedder_id(segment: Segment) -> str:
    return segment.vectors.embedder_id if segment.vectors is not None else ""
