"""One files instance's index machinery against the shared moto (its own clients, cache and
builder): what the index tests play several instances with."""

from __future__ import annotations

from typing import Any

import msgspec

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileRecord, FileStatus, new_file_id, now_iso
from engageiq_files.ingestion.chunking import Chunk
from engageiq_files.search.builder import TenantIndexBuilder
from engageiq_files.uploads.store import FileStore, chunks_object_key, file_object_key
from engageiq_search.index_store import IndexStore
from engageiq_search.service import TenantSearch
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients

ACME = TenantContext("acme", "u1", "rep", frozenset({Role.MEMBER}))


class Instance:
    """What one files instance holds for index builds (its own clients, cache and builder)."""

    def __init__(self, settings: ServiceSettings, build_process: Any = None) -> None:
        clients = TenantClients.from_settings(settings, "files")
        self.catalog = FileCatalog(clients, settings.table("files"))
        self.store = FileStore(clients, settings.bucket("uploads"))
        self.indexes = IndexStore(clients, settings.table("files"), self.store)
        self.builder = TenantIndexBuilder(
            self.catalog, self.store, self.indexes, TenantSearch(self.indexes), build_process
        )

    def chunked_file(self, text: str) -> str:
        """A file as ingestion leaves it before the index build: `processing`, chunks stored."""
        file_id = new_file_id()
        key = chunks_object_key(ACME, file_id)
        chunks = msgspec.json.encode([Chunk(0, "", text, 0, len(text))])
        self.store.put_bytes(ACME, key, chunks, "application/json")
        self.catalog.create(
            ACME,
            FileRecord(
                id=file_id,
                name=f"{file_id}.txt",
                status=FileStatus.PROCESSING,
                object_key=file_object_key(ACME, file_id),
                created_at=now_iso(),
                chunks_key=key,
                chunk_count=1,
            ),
        )
        return file_id

    def status(self, file_id: str) -> FileStatus:
        record = self.catalog.get(ACME, file_id)
        assert record is not None
        return record.status
