"""`FilesRetriever`: the per-tenant search over the tenant's files (the `engageiq_search`
library's documented retrieval API, reading the index the files service builds) as the chat
service's `Retriever`."""

from __future__ import annotations

from typing import Protocol

import anyio
import structlog

from engageiq_chat.context.retrieval import Passage
from engageiq_search import Passage as FilePassage
from engageiq_search import S3Retriever
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.settings import ServiceSettings

log = structlog.get_logger(__name__)


class FileSearch(Protocol):
    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[FilePassage]: ...


def _passage(found: FilePassage) -> Passage:
    return Passage(
        source_id=found.file_id,
        title=found.file_name,
        text=found.text,
        location=found.location,
        uploaded_at=found.uploaded_at,
    )


# The search reads its index pointer with boto3 in worker threads. Bounded, so a burst of
# turns starting together does not flood the process with GIL-holding threads while other
# streams are relaying tokens (see storage._THREADS).
MAX_CONCURRENT_SEARCHES = 8


class FilesRetriever:
    def __init__(self, search: FileSearch) -> None:
        self._search = search
        self._slots = anyio.Semaphore(MAX_CONCURRENT_SEARCHES)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> FilesRetriever:
        # Reads with the chat service's tenant-scoped clients (STS session name "chat").
        return cls(S3Retriever.from_settings(settings, service="chat"))

    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        """The tenant's best passages, of the files `only` lets through."""
        try:
            async with self._slots:
                found = await self._search.retrieve(tenant, query, limit, only)
        except Exception:
            # An answer without documents beats no answer: the turn goes on, the log says why.
            log.warning("retrieval_failed", exc_info=True)
            return []
        return [_passage(p) for p in found]
