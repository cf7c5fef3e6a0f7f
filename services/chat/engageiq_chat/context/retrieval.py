"""The retrieval interface: what prompt building needs from a search. The files service's
search plugs in through `files_retrieval.FilesRetriever`; `NoRetriever` retrieves nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from engageiq_tenancy.context import TenantContext


@dataclass(frozen=True, slots=True)
class Passage:
    """A piece of one of the tenant's documents, relevant to the question."""

    source_id: str
    title: str
    text: str
    location: str = ""
    """Where in the document: a page ("page 3") or a heading, when the source has one."""
    uploaded_at: str = ""
    """When the cited version of the document was uploaded (ISO 8601), when known."""


class Retriever(Protocol):
    async def retrieve(self, tenant: TenantContext, query: str, limit: int) -> list[Passage]:
        """Passages of `tenant`'s own documents only, best first."""
        ...


class NoRetriever:
    """Retrieves nothing (tests and benchmarks that leave documents out)."""

    async def retrieve(self, tenant: TenantContext, query: str, limit: int) -> list[Passage]:
        return []
