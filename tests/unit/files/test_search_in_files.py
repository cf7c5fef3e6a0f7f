"""Search inside the files service: the search route, a separate retriever (what the chat
service does) seeing uploads and deletes at once, the tenant's storage clients, and index
builds that fail (memory, retries)."""

from __future__ import annotations

from typing import Any

import anyio
import pytest

from engageiq_files.config import FilesSettings
from engageiq_search import Passage, S3Retriever
from engageiq_search.cache_budget import default_cache_bytes
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.settings import ServiceSettings, SettingsError
from tests.unit.files.support import FilesClient


def tenant(tenant_id: str) -> TenantContext:
    return TenantContext(tenant_id, "u1", "rep", frozenset({Role.MEMBER}))


def chunk(text: str, file_id: str = "f1") -> IndexedChunk:
    return IndexedChunk(file_id, f"{file_id}.txt", "page 1", text)


def test_a_separate_retriever_sees_new_files_at_once(
    files_client: FilesClient, service_settings: ServiceSettings
) -> None:
    """What the chat service does: its own S3Retriever (own clients, own cache)."""
    retriever = S3Retriever.from_settings(service_settings)
    acme = TenantContext("acme", "u1", "rep", frozenset({Role.MEMBER}))

    def retrieve(query: str) -> list[Passage]:
        return anyio.run(retriever.retrieve, acme, query, 5)

    assert retrieve("ocelot") == []
    first = files_client.upload("acme", "a.txt", b"ocelot pricing").json()["id"]
    files_client.settle()
    assert [p.file_id for p in retrieve("ocelot")] == [first]
    second = files_client.upload("acme", "b.txt", b"ocelot discounts").json()["id"]
    files_client.settle()
    assert {p.file_id for p in retrieve("ocelot")} == {first, second}  # cache invalidated
    files_client.delete("acme", f"/api/files/{first}")
    assert [p.file_id for p in retrieve("ocelot")] == [second]
    globex = TenantContext("globex", "u2", "rep", frozenset({Role.MEMBER}))
    assert anyio.run(retriever.retrieve, globex, "ocelot", 5) == []


@pytest.mark.parametrize("query", ["", "   "])
def test_empty_queries_are_refused_or_empty(files_client: FilesClient, query: str) -> None:
    response = files_client.get("acme", "/api/files/search", q=query)
    assert response.status_code == 400 or response.json()["results"] == []


def test_search_results_carry_citation_fields(files_client: FilesClient) -> None:
    file_id = files_client.upload("acme", "sheet.md", b"# Tiers\nThe lynx tier costs 40").json()[
        "id"
    ]
    files_client.settle()
    [hit] = files_client.search("acme", "lynx")
    assert hit == {
        "fileId": file_id,
        "fileName": "sheet.md",
        "location": "Tiers",
        "text": "Tiers\nThe lynx tier costs 40",
        "score": hit["score"],
        # Added with versions (decision 0052): the cited version's upload time.
        "uploadedAt": files_client.file("acme", file_id)["createdAt"],
        # Added with governed knowledge (decision 0111): never verified.
        "freshness": "unverified",
    }


class RecordingClients:
    """TenantClients stand-in: records which tenant each client was asked for."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.asked: list[str] = []

    def client(self, t: TenantContext, name: str) -> Any:
        self.asked.append(t.tenant_id)
        return self.real


def test_storage_calls_use_the_callers_tenant_clients_and_prefix(
    files_client: FilesClient,
) -> None:
    from engageiq_files.uploads.store import FileStore

    runtime = files_client.client.app.state["files_runtime"]
    clients = RecordingClients(runtime.store.s3_for(tenant("acme")))
    store = FileStore(clients, runtime.store.bucket)  # type: ignore[arg-type]
    store.put_bytes(tenant("acme"), "tenants/acme/files/x1", b"data", "text/plain")
    assert store.get_bytes(tenant("acme"), "tenants/acme/files/x1") == b"data"
    assert set(clients.asked) == {"acme"}
    with pytest.raises(ValueError, match="outside the tenant's prefix"):
        store.get_bytes(tenant("acme"), "tenants/globex/files/x1")
    with pytest.raises(ValueError, match="outside the tenant's prefix"):
        store.delete(tenant("globex"), "tenants/acme/files/x1")
    assert store.get_bytes(tenant("acme"), "tenants/acme/files/x1") == b"data"


def test_an_index_build_that_runs_out_of_memory_fails_cleanly() -> None:
    from engageiq_files.search.build_process import IndexBuildFailed, IndexBuildProcess

    starved = IndexBuildProcess(memory_bytes=16 * 1024 * 1024)
    # ~150 MiB to build: far beyond what the forkserver's heap (the embedder's weights were
    # loaded there) leaves free for a child to use without asking for more.
    with pytest.raises(IndexBuildFailed):
        starved.build([chunk(f"word{i} term{i % 97} " * 100, f"f{i}") for i in range(8000)])
    blob = IndexBuildProcess().build([chunk("alpaca pricing")])
    assert TenantIndex.from_bytes(blob).search("alpaca", 1)[0][0].text == "alpaca pricing"


class _BrokenBuilds:
    """An index build process that fails its first `failures` builds."""

    def __init__(self, real: Any, failures: int) -> None:
        self.real = real
        self.failures = failures

    def build(self, chunks: Any) -> bytes:
        from engageiq_files.search.build_process import IndexBuildFailed

        if self.failures > 0:
            self.failures -= 1
            raise IndexBuildFailed("simulated")
        blob: bytes = self.real.build(chunks)
        return blob


def test_a_failed_index_build_is_retried_and_the_file_ends_ready(
    files_client: FilesClient,
) -> None:
    builder = files_client.client.app.state["files_runtime"].builder
    real, builder._build_process = builder._build_process, _BrokenBuilds(builder._build_process, 2)
    try:
        file_id = files_client.upload("acme", "a.txt", b"tapir pricing").json()["id"]
        files_client.settle()
    finally:
        builder._build_process = real
    assert files_client.file("acme", file_id)["status"] == "ready"
    assert [h["fileId"] for h in files_client.search("acme", "tapir")] == [file_id]


def test_an_index_build_failing_every_attempt_fails_the_file_and_keeps_the_previous_index(
    files_client: FilesClient,
) -> None:
    first = files_client.upload("acme", "a.txt", b"tapir pricing").json()["id"]
    files_client.settle()
    runtime = files_client.client.app.state["files_runtime"]
    runtime.worker._max_attempts = 2  # the last allowed attempt comes sooner
    builder = runtime.builder
    real, builder._build_process = builder._build_process, _BrokenBuilds(real_build(builder), 99)
    try:
        second = files_client.upload("acme", "b.txt", b"tapir discounts").json()["id"]
        files_client.settle()
    finally:
        builder._build_process = real
    failed = files_client.file("acme", second)
    assert failed["status"] == "failed"
    assert failed["reasonCode"] == "index_unavailable"
    assert [h["fileId"] for h in files_client.search("acme", "tapir")] == [first]


def real_build(builder: Any) -> Any:
    return builder._build_process


def test_the_budget_is_a_setting() -> None:
    settings = FilesSettings.from_env({"ENGAGEIQ_INDEX_CACHE_BYTES": "268435456"})
    assert settings.index_cache_bytes == 256 * 1024**2
    assert FilesSettings.from_env({}).index_cache_bytes == default_cache_bytes()
    with pytest.raises(SettingsError, match="ENGAGEIQ_INDEX_CACHE_BYTES"):
        FilesSettings.from_env({"ENGAGEIQ_INDEX_CACHE_BYTES": "-1"})
