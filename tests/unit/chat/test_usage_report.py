"""GET /api/tenant/usage: this month's tokens per day and most cited documents, counted where
the chat service meters usage and saves answers, read with Queries of the caller's tenant."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import anyio
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_chat.tenant.directory import MonthUsage, TenantDirectory
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.usage_keys import current_day, current_month
from tests.support.chat import (
    ChatHarness,
    ScriptedProvider,
    chat,
    cites,
    dynamodb,
    service_settings,
)
from tests.support.governance import govern_file, put_collection, put_file_record


@dataclass
class FixedPassages:
    """A retriever answering every question with the same passages."""

    passages: list[Passage] = field(default_factory=list)

    async def retrieve(
        self, tenant: TenantContext, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        return self.passages[:limit]


PRICING = Passage("file-pricing", "pricing.pdf", "Pro costs 30 EUR.", "page 2")
PRICING_TOO = Passage("file-pricing", "pricing.pdf", "Enterprise is quoted.", "page 3")
BATTLECARD = Passage("file-battle", "battlecard.docx", "We beat them on support.")


@pytest.fixture
def retriever() -> FixedPassages:
    return FixedPassages([PRICING, PRICING_TOO, BATTLECARD])


@pytest.fixture
def client(harness: ChatHarness, retriever: FixedPassages) -> Iterator[TestClient[Litestar]]:
    # The answer cites every passage it was given (indices past them are no source).
    harness.provider = ScriptedProvider(tokens=("One", " two.", cites(0, 1, 2)))
    harness.retriever = retriever
    with TestClient(harness.app()) as test_client:
        yield test_client


def usage(client: TestClient[Litestar], headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/tenant/usage", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_tokens_per_day_add_up_to_the_month_and_cited_files_are_counted(
    harness: ChatHarness, client: TestClient[Litestar], retriever: FixedPassages
) -> None:
    acme = harness.headers("acme", "rep-1")
    chat(client, acme, "What does Pro cost?")
    chat(client, acme, "And Enterprise?")
    retriever.passages = [BATTLECARD]
    chat(client, harness.headers("acme", "rep-2"), "How do we beat them?")

    report = usage(client, acme)

    assert report["daily"] == [{"date": current_day(), "tokens": report["tokens"]}]
    assert report["tokens"] > 0
    # An answer citing two passages of one file counts once for that file.
    assert report["topDocuments"] == [
        {"fileId": "file-battle", "title": "battlecard.docx", "citations": 3},
        {"fileId": "file-pricing", "title": "pricing.pdf", "citations": 2},
    ]


def test_passages_retrieved_but_not_cited_are_not_counted(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    harness.provider = ScriptedProvider(tokens=("We win on support.", cites(2)))
    with TestClient(harness.app()) as only_battlecard:
        chat(only_battlecard, harness.headers("acme", "rep-1"), "How do we beat them?")
    assert usage(client, harness.headers("acme", "rep-1"))["topDocuments"] == [
        {"fileId": "file-battle", "title": "battlecard.docx", "citations": 1}
    ]


def test_a_file_an_audience_hides_is_not_among_the_top_documents(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    put_collection(harness.resources, "acme", "battle", users=("rep-1",))
    put_file_record(harness.resources, "acme", "file-battle", "battlecard.docx")
    govern_file(harness.resources, "acme", "file-battle", collection_ids=("battle",))
    chat(client, harness.headers("acme", "rep-1"), "What does Pro cost?")  # rep-1 may cite it

    def cited(user: str) -> set[str]:
        return {d["fileId"] for d in usage(client, harness.headers("acme", user))["topDocuments"]}

    assert cited("rep-2") == {"file-pricing"}
    assert cited("rep-1") == {"file-pricing", "file-battle"}


def test_another_tenant_sees_none_of_it(harness: ChatHarness, client: TestClient[Litestar]) -> None:
    chat(client, harness.headers("acme", "rep-1"), "What does Pro cost?")
    report = usage(client, harness.headers("globex", "rep-1"))
    assert (report["tokens"], report["daily"], report["topDocuments"]) == (0, [], [])


def test_only_this_months_days_and_files_are_reported(harness: ChatHarness) -> None:
    services = ChatServices.build(service_settings(harness.resources), ChatSettings())
    tenant = TenantContext("acme", "rep-1", "rep-1", frozenset({Role.MEMBER}))
    now = datetime.now(UTC)
    last_month = now.replace(day=1) - timedelta(days=1)

    async def spend() -> None:
        await services.usage.record(tenant, 100, 50, now=last_month)
        await services.usage.count_citations(tenant, [("file-old", "old.pdf")], now=last_month)
        await services.usage.record(tenant, 7, 3, now=now)
        await services.usage.record(tenant, 1, 1, now=now)

    anyio.run(spend)
    with TestClient(harness.app()) as client:
        report = usage(client, harness.headers("acme", "rep-9"))
    assert report["daily"] == [{"date": current_day(now), "tokens": 12}]
    assert report["topDocuments"] == []
    assert report["month"] == current_month(now)


class RecordingDynamo:
    """The DynamoDB client, recording which operations are called."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.operations: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.operations.append(name)
        return getattr(self.client, name)


def test_the_report_reads_by_key_and_query_never_scan(harness: ChatHarness) -> None:
    resources = harness.resources
    recording = RecordingDynamo(dynamodb(resources))
    directory = TenantDirectory(recording, resources.tables["tenants"], resources.tables["usage"])
    tenant = TenantContext("acme", "rep-1", "rep-1", frozenset({Role.MEMBER}))
    month = current_month()

    async def read() -> None:
        await directory.month_usage(tenant, month)
        await directory.top_documents(tenant, month)

    anyio.run(read)
    assert set(recording.operations) == {"query"}


# Turns around two month ends, stamped in several offsets: the meter's days and months are UTC.
OFFSETS = [timezone(timedelta(hours=h)) for h in (-10, -8, 0, 1, 5.5, 14)]
STARTS = [datetime(2026, 11, 30, 20, tzinfo=UTC), datetime(2026, 12, 31, 20, tzinfo=UTC)]


def test_the_days_add_up_to_the_months_total_across_month_ends_and_offsets(
    harness: ChatHarness,
) -> None:
    services = ChatServices.build(service_settings(harness.resources), ChatSettings())
    directory = TenantDirectory(
        dynamodb(harness.resources),
        harness.resources.tables["tenants"],
        harness.resources.tables["usage"],
    )
    tenant_id = f"gen{uuid.uuid4().hex[:8]}"
    tenant = TenantContext(tenant_id, "rep-1", "rep-1", frozenset({Role.MEMBER}))
    generate = random.Random(24)  # noqa: S311 - test data, seeded to repeat
    turns = [
        (
            (start + timedelta(minutes=generate.randrange(0, 8 * 60))).astimezone(
                generate.choice(OFFSETS)
            ),
            generate.randrange(0, 5000),
            generate.randrange(0, 2000),
        )
        for start in STARTS
        for _ in range(40)
    ]
    expected: dict[str, int] = {}
    for moment, input_tokens, output_tokens in turns:
        day = moment.astimezone(UTC).strftime("%Y-%m-%d")
        expected[day] = expected.get(day, 0) + input_tokens + output_tokens

    async def spend_and_read() -> dict[str, MonthUsage]:
        for moment, input_tokens, output_tokens in turns:
            await services.usage.record(tenant, input_tokens, output_tokens, now=moment)
        months = ("2026-11", "2026-12", "2027-01")
        return {m: await directory.month_usage(tenant, m) for m in months}

    report = anyio.run(spend_and_read)
    for month, usage in report.items():
        days = {d.date: d.tokens for d in usage.daily}
        assert days == {d: t for d, t in expected.items() if d.startswith(f"{month}-")}
        assert sum(days.values()) == usage.input_tokens + usage.output_tokens
        assert usage.requests == sum(1 for moment, _, _ in turns if current_month(moment) == month)
    # The generated turns did cross both month ends, in UTC.
    assert all(report[m].daily for m in report)
