"""Incremental indexing against moto (issue "Cost that does not grow with the tenant",
decision 0100): a change builds a segment of its own files only, deletes only mark files dead,
merges keep the segment count bounded, a tenant indexed before segments is migrated by its
next write, and an instance killed in the middle of a merge loses nothing and leaves nothing
behind once the next change is published."""

from __future__ import annotations

import io
import json
import zipfile
from functools import partial
from typing import Any, cast

import anyio
import msgspec
import pytest

from engageiq_files.catalog.records import FileStatus
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.worker import IngestionWorker
from engageiq_files.search.build_process import IndexBuildFailed, IndexBuildProcess
from engageiq_search.index_store import IndexPointer, IndexStore, is_manifest_key
from engageiq_search.manifest import IndexManifest
from engageiq_search.merge_policy import SEGMENTS_PER_TIER
from engageiq_search.segment import IndexedChunk
from engageiq_tenancy.keys import s3_key, s3_tenant_prefix
from engageiq_tenancy.setting_catalog import EmbedderChoice
from engageiq_tenancy.settings import ServiceSettings
from tests.unit.files.index_instances import ACME, Instance

NO_PARSING = cast(ParserSandbox, None)
"""A job for a file already chunked never parses."""


@pytest.fixture(autouse=True)
def _local_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")


class CountingBuilds(IndexBuildProcess):
    """The real build process, recording the chunks each build and merge was given."""

    def __init__(self) -> None:
        super().__init__()
        self.built: list[list[str]] = []
        self.merges = 0

    def build(self, chunks: list[IndexedChunk]) -> bytes:
        self.built.append(sorted({c.file_id for c in chunks}))
        return super().build(chunks)

    def merge(self, segments: list[tuple[bytes, list[str]]], embedded_chunks: int = 0) -> bytes:
        self.merges += 1
        return super().merge(segments, embedded_chunks)


def add(instance: Instance, text: str) -> str:
    file_id = instance.chunked_file(text)
    anyio.run(instance.builder.apply, ACME, [file_id])
    return file_id


def manifest(indexes: IndexStore) -> tuple[IndexPointer, IndexManifest]:
    pointer = indexes.pointer(ACME)
    assert pointer.key is not None
    assert is_manifest_key(pointer.key)
    found = indexes.manifest(ACME, pointer.key)
    assert found is not None
    return pointer, found


def index_objects(instance: Instance) -> set[str]:
    s3 = instance.store.s3_for(ACME)
    listed = s3.list_objects_v2(
        Bucket=instance.store.bucket, Prefix=s3_tenant_prefix(ACME) + "index/"
    )
    return {o["Key"] for o in listed.get("Contents", [])}


def searchable(instance: Instance, query: str) -> set[str]:
    pointer = instance.indexes.pointer(ACME)
    assert pointer.key is not None
    index = instance.indexes.load(ACME, pointer.key)
    assert index is not None
    return {c.file_id for c, _ in index.search(query, 50, collapse=False)}


def assert_only_listed_objects(instance: Instance) -> None:
    pointer, current = manifest(instance.indexes)
    assert index_objects(instance) == {pointer.key, *(e.key for e in current.segments)}


def test_each_change_indexes_only_its_own_files_and_merges_keep_segments_bounded(
    service_settings: ServiceSettings,
) -> None:
    builds = CountingBuilds()
    instance = Instance(service_settings, builds)
    files = [add(instance, f"walrus pricing sheet number{n}") for n in range(3 * SEGMENTS_PER_TIER)]

    assert builds.built == [[f] for f in files]  # never the files indexed before
    assert builds.merges >= 2
    _, current = manifest(instance.indexes)
    assert len(current.segments) <= SEGMENTS_PER_TIER + 1
    assert set(current.live_files()) == set(files)
    assert searchable(instance, "walrus") == set(files)
    assert searchable(instance, "number5") == {files[5]}
    assert all(instance.status(f).value == "ready" for f in files)
    assert_only_listed_objects(instance)


def test_a_delete_marks_the_file_dead_without_building(service_settings: ServiceSettings) -> None:
    builds = CountingBuilds()
    instance = Instance(service_settings, builds)
    kept, gone = add(instance, "narwhal terms"), add(instance, "narwhal discounts")
    built = len(builds.built)

    instance.catalog.delete(ACME, gone)
    anyio.run(instance.builder.apply, ACME, [gone])

    assert len(builds.built) == built
    _, current = manifest(instance.indexes)
    assert gone in {d for e in current.segments for d in e.dead} or gone not in {
        f for e in current.segments for f in e.files
    }
    assert searchable(instance, "narwhal") == {kept}
    assert_only_listed_objects(instance)


def legacy_blob(chunks: list[IndexedChunk]) -> bytes:
    """An index as published before segments (format 2): the reader needs only its chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("meta.json", json.dumps({"format": 2, "vocab": []}))
        archive.writestr("chunks.jsonl", b"\n".join(msgspec.json.encode(c) for c in chunks))
    return out.getvalue()


def test_a_tenant_indexed_before_segments_is_served_and_migrated_by_its_next_write(
    service_settings: ServiceSettings,
) -> None:
    instance = Instance(service_settings)
    old = instance.chunked_file("okapi renewal clause")
    instance.catalog.update(ACME, old, status=FileStatus.READY)
    generation = instance.indexes.note_change(ACME)
    key = s3_key(ACME, "index", f"{generation:012d}-0123456789ab")
    instance.store.put_bytes(
        ACME, key, legacy_blob([IndexedChunk(old, f"{old}.txt", "", "okapi renewal clause")]), ""
    )
    db: Any = instance.indexes._db(ACME)
    db.update_item(
        TableName=service_settings.table("files"),
        Key={"pk": {"S": "acme#FILES"}, "sk": {"S": "INDEX"}},
        UpdateExpression="SET builtGeneration = :g, indexKey = :k",
        ExpressionAttributeValues={":g": {"N": str(generation)}, ":k": {"S": key}},
    )
    assert searchable(instance, "okapi") == {old}  # served as it is

    new = add(instance, "okapi onboarding")

    _, current = manifest(instance.indexes)
    assert len(current.segments) == 1
    assert set(current.live_files()) == {old, new}
    assert searchable(instance, "okapi") == {old, new}
    assert key not in index_objects(instance)  # the pre-segment blob is gone
    assert_only_listed_objects(instance)


class Killed(BaseException):
    """The instance dies here (what SIGKILL does to the publish that was to follow)."""


class DiesBeforePublishingAMerge(IndexBuildProcess):
    def __init__(self, indexes: IndexStore) -> None:
        super().__init__()
        self.indexes = indexes
        self.killed = False

    def merge(self, segments: list[tuple[bytes, list[str]]], embedded_chunks: int = 0) -> bytes:
        merged = super().merge(segments, embedded_chunks)
        real_publish = self.indexes.publish

        def publish(*args: Any, **kwargs: Any) -> Any:
            self.indexes.publish = real_publish  # type: ignore[method-assign]
            self.killed = True
            raise Killed

        self.indexes.publish = publish  # type: ignore[method-assign]
        return merged


def add_until_killed(instance: Instance, files: list[str]) -> None:
    """Add files one by one (each recorded before its build) until the instance dies."""
    while True:
        files.append(instance.chunked_file(f"dugong proposal {len(files)}"))
        anyio.run(instance.builder.apply, ACME, files[-1:])


def test_a_kill_in_the_middle_of_a_merge_loses_nothing_and_the_next_change_clears_it(
    service_settings: ServiceSettings,
) -> None:
    instance = Instance(service_settings)
    dying = DiesBeforePublishingAMerge(instance.indexes)
    instance.builder._build_process = dying
    files: list[str] = []
    with pytest.raises(Killed):
        add_until_killed(instance, files)
    assert dying.killed
    # The merged segment was written and never published: the index is the one before.
    assert searchable(instance, "dugong") == set(files)
    pointer, before = manifest(instance.indexes)
    orphans = index_objects(instance) - {pointer.key, *(e.key for e in before.segments)}
    assert len(orphans) == 1

    restarted = Instance(service_settings)
    files.append(add(restarted, "dugong renewal"))

    assert searchable(restarted, "dugong") == set(files)
    assert not orphans & index_objects(restarted)
    assert_only_listed_objects(restarted)


def test_the_job_delivered_again_after_a_kill_in_a_merge_finishes_it_without_a_next_change(
    service_settings: ServiceSettings,
) -> None:
    """The kill above as the queue sees it: the job whose file became `ready` died in the
    merge, so SQS delivers it again. That delivery finds the file `ready` and applies it
    again: the merged segment the kill left goes and the merge runs, even if the tenant
    never changes again (before, the job was skipped and the segment stayed)."""
    instance = Instance(service_settings)
    instance.builder._build_process = DiesBeforePublishingAMerge(instance.indexes)
    files: list[str] = []
    with pytest.raises(Killed):
        add_until_killed(instance, files)
    assert instance.status(files[-1]) is FileStatus.READY
    pointer, before = manifest(instance.indexes)
    orphans = index_objects(instance) - {pointer.key, *(e.key for e in before.segments)}
    assert len(orphans) == 1  # the merged segment, never published

    restarted = Instance(service_settings)
    worker = IngestionWorker(
        restarted.catalog, restarted.store, restarted.builder, NO_PARSING, max_bytes=1
    )
    anyio.run(partial(worker.ingest, ACME, files[-1], last_receive=False))

    _, current = manifest(restarted.indexes)
    assert len(current.segments) < len(files)  # the merge the kill cut short ran
    assert searchable(restarted, "dugong") == set(files)
    assert not orphans & index_objects(restarted)
    assert_only_listed_objects(restarted)


class MergesFail(IndexBuildProcess):
    def merge(self, segments: list[tuple[bytes, list[str]]], embedded_chunks: int = 0) -> bytes:
        raise IndexBuildFailed("simulated merge failure")


def test_a_failed_merge_fails_no_change_and_is_retried_by_the_next(
    service_settings: ServiceSettings,
) -> None:
    """A change is published and its file `ready` before any merge: a merge that fails must
    not reach the caller (the ingestion worker would fail a searchable file)."""
    instance = Instance(service_settings, MergesFail())
    files = [add(instance, f"manatee clause {n}") for n in range(SEGMENTS_PER_TIER + 2)]
    assert all(instance.status(f) is FileStatus.READY for f in files)
    assert searchable(instance, "manatee") == set(files)
    _, current = manifest(instance.indexes)
    assert len(current.segments) == len(files)  # nothing merged

    instance.builder._build_process = IndexBuildProcess()
    files.append(add(instance, "manatee renewal"))
    _, current = manifest(instance.indexes)
    assert len(current.segments) < len(files)  # the next change merged
    assert searchable(instance, "manatee") == set(files)
    assert_only_listed_objects(instance)


def test_a_change_of_embedder_reembeds_the_older_segments_over_the_next_changes(
    service_settings: ServiceSettings,
) -> None:
    """Decision 0125: segments embedded otherwise than `ENGAGEIQ_EMBEDDER` says are moved into
    segments embedded as it says, one per change, with no command; every file stays
    searchable throughout and nothing unlisted is left."""
    before = Instance(service_settings, IndexBuildProcess(embedder=EmbedderChoice("wordllama")))
    old = [add(before, "walrus pricing"), add(before, "walrus terms")]
    _, current = manifest(before.indexes)
    assert {e.embedder for e in current.segments} == {"wordllama-l2-256"}

    after = Instance(service_settings, IndexBuildProcess(embedder=EmbedderChoice("none")))
    new = add(after, "walrus discounts")
    _, current = manifest(after.indexes)
    assert sorted(e.embedder for e in current.segments) == ["", "", "wordllama-l2-256"]
    assert searchable(after, "walrus") == {*old, new}

    newer = add(after, "walrus renewals")
    _, current = manifest(after.indexes)
    assert {e.embedder for e in current.segments} == {""}
    assert set(current.live_files()) == {*old, new, newer}
    assert searchable(after, "walrus") == {*old, new, newer}
    assert_only_listed_objects(after)


class RecordsReembeddings(IndexBuildProcess):
    """The real build process with wordllama, recording the chunks each merge re-embeds."""

    def __init__(self) -> None:
        super().__init__(embedder=EmbedderChoice("wordllama"))
        self.embedded: list[int] = []

    def merge(self, segments: list[tuple[bytes, list[str]]], embedded_chunks: int = 0) -> bytes:
        self.embedded.append(embedded_chunks)
        return super().merge(segments, embedded_chunks)


def test_a_reembedding_names_the_chunks_it_embeds_for_its_time_limit(
    service_settings: ServiceSettings,
) -> None:
    """The build process's time limit grows with them (e5 needs seconds a chunk): without,
    a stale segment's long file would time out on every change and never be re-embedded."""
    before = Instance(service_settings, IndexBuildProcess(embedder=EmbedderChoice("none")))
    add(before, "narwhal pricing")
    _, current = manifest(before.indexes)
    chunks = sum(current.segments[0].files.values())
    process = RecordsReembeddings()
    after = Instance(service_settings, process)
    add(after, "narwhal terms")
    assert process.embedded == [chunks]
