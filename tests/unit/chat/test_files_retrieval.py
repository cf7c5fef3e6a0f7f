"""The files service's passages become chat passages; a failing search never fails a turn."""

from __future__ import annotations

import asyncio

from engageiq_chat.context.files_retrieval import FilesRetriever
from engageiq_chat.context.retrieval import Passage
from engageiq_search import Passage as FilePassage
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import Role, TenantContext

ACME = TenantContext("acme", "u1", "u1", frozenset({Role.MEMBER}))


class FakeSearch:
    def __init__(self, found: list[FilePassage] | None = None) -> None:
        self.found = found
        self.asked: list[tuple[str, str, int]] = []
        self.filters: list[FileFilter] = []

    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[FilePassage]:
        self.asked.append((tenant.tenant_id, query, limit))
        self.filters.append(only)
        if self.found is None:
            raise RuntimeError("index unreadable")
        return self.found


def test_file_passages_are_mapped_with_their_location() -> None:
    search = FakeSearch(
        [
            FilePassage(
                file_id="f1",
                file_name="prices.pdf",
                location="page 3",
                text="Pro: 30 EUR",
                score=2.5,
                uploaded_at="2027-01-15T09:30:00.000Z",
            ),
            FilePassage(
                file_id="f2", file_name="faq.docx", location="", text="SSO included", score=1.0
            ),
        ]
    )
    found = asyncio.run(FilesRetriever(search).retrieve(ACME, "price", 5))
    assert found == [
        Passage(
            "f1",
            "prices.pdf",
            "Pro: 30 EUR",
            location="page 3",
            uploaded_at="2027-01-15T09:30:00.000Z",
        ),
        Passage("f2", "faq.docx", "SSO included"),
    ]
    assert search.asked == [("acme", "price", 5)]


def test_a_failing_search_means_no_passages() -> None:
    assert asyncio.run(FilesRetriever(FakeSearch(None)).retrieve(ACME, "price", 5)) == []


def test_the_scope_and_the_hidden_files_reach_the_search() -> None:
    search = FakeSearch([])
    retriever = FilesRetriever(search)
    scoped = FileFilter(frozenset({"f1"}), frozenset({"f2"}))
    asyncio.run(retriever.retrieve(ACME, "price", 5, scoped))
    asyncio.run(retriever.retrieve(ACME, "price", 5))
    assert search.filters == [scoped, EVERY_FILE]
