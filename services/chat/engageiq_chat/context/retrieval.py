"""The retrieval interface: what prompt building needs from a search. The files service's
search plugs in through `files_retrieval.FilesRetriever`; `NoRetriever` retrieves nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import Freshness


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
    freshness: Freshness = Freshness.UNVERIFIED
    """Whether the file is verified as current (decision 0111); set after retrieval from the
    tenant's `KnowledgeView` (`knowledge.trust.governed_passages`)."""
    verified_at: str | None = None
    """When the file was last verified (ISO 8601); None when never."""
    review_by: str | None = None
    """The day (`YYYY-MM-DD`) the verification holds until; None when never verified."""


class Retriever(Protocol):
    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        """Passages of `tenant`'s own documents only, best first, of the files `only` lets
        through (a conversation's scope, never a file the caller may not see)."""
        ...


class NoRetriever:
    """Retrieves nothing (tests and benchmarks that leave documents out)."""

    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        return []
