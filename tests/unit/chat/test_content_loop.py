"""The content loop in the chat app (decision 0111), in process against moto: a thumbs-down
with a reason raises one content issue for the cited files' owners and the admins, who resolve
it; each finished turn records citations and unanswered questions for the content health."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.content.signals import could_not_answer
from engageiq_chat.context.retrieval import Passage
from engageiq_chat.messages.model import Citation, MessageStatus, Role, StoredMessage
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_chat.turns.turn import ChatTurns
from engageiq_tenancy.content_health import ContentHealth
from engageiq_tenancy.context import Role as TenantRole
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import FILE_TAG, FILES_ENTITY, tenant_partition
from tests.support.chat import (
    ChatHarness,
    ScriptedProvider,
    chat,
    cites,
    dynamodb,
    service_settings,
)
from tests.support.governance import govern_file, mark_stale, put_collection
from tests.unit.chat.test_citations import Passages

PRICING = Passage(
    "pricing-file", "pricing.md", "Pro costs 30 EUR per seat.", "Pricing", "2026-11-01"
)
SECURITY = Passage("security-file", "security.md", "SSO is included in Pro.", "", "2026-10-01")
UPLOADERS = {"pricing-file": "alice", "security-file": "bob", "unused-file": "alice"}
ACME = TenantContext("acme", "operator", "operator", frozenset())


def put_file(harness: ChatHarness, file_id: str, name: str, uploaded_by: str) -> None:
    """A ready file record, as the files catalog writes it (the fields this loop reads)."""
    dynamodb(harness.resources).put_item(
        TableName=harness.resources.tables["files"],
        Item={
            "pk": {"S": tenant_partition(ACME, FILES_ENTITY)},
            "sk": {"S": f"{FILE_TAG}#{file_id}"},
            "id": {"S": file_id},
            "name": {"S": name},
            "status": {"S": "ready"},
            "createdAt": {"S": "2026-06-01T00:00:00.000Z"},
            "updatedAt": {"S": "2026-06-01T00:00:00.000Z"},
            "uploadedBy": {"S": uploaded_by},
        },
    )


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    for file_id, uploader in UPLOADERS.items():
        put_file(harness, file_id, file_id.replace("-file", ".md"), uploader)
    harness.retriever = Passages(PRICING, SECURITY)
    harness.provider = ScriptedProvider(
        tokens=("Pro costs 30 EUR", cites(0), " and includes SSO", cites(1), ".")
    )
    with TestClient(harness.app()) as test_client:
        yield test_client


def admin(harness: ChatHarness, user: str = "boss") -> dict[str, str]:
    claims = harness.tokens.claims("acme", sub=user, cognito__groups=["acme--tenant_admin"])
    return {"Authorization": f"Bearer {harness.tokens.mint(claims)}"}


def issues(
    client: TestClient[Litestar], headers: dict[str, str], status: str = "open"
) -> list[dict[str, Any]]:
    response = client.get("/api/content-issues", params={"status": status}, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["issues"]
    return found


def rate(
    client: TestClient[Litestar], headers: dict[str, str], meta: dict[str, Any], **body: Any
) -> None:
    path = (
        f"/api/conversations/{meta['conversationId']}/messages/"
        f"{meta['assistantMessageId']}/feedback"
    )
    response = client.put(path, json=body, headers=headers)
    assert response.status_code == 200, response.text


def resolve(
    client: TestClient[Litestar], headers: dict[str, str], issue_id: str, note: str = "Fixed"
) -> Any:
    return client.post(
        f"/api/content-issues/{issue_id}/resolve", json={"note": note}, headers=headers
    )


def eventually(read: Callable[[], Any], ready: Callable[[Any], bool]) -> Any:
    """Signals land after the stream ends, in a task of their own: poll briefly."""
    deadline = time.monotonic() + 10
    while True:
        value = read()
        if ready(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_a_thumbs_down_with_a_reason_reaches_the_owners_and_is_resolved_once(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    rep = harness.headers("acme", "rep")
    meta = chat(client, rep, "What does Pro cost?")[0].data
    rate(client, rep, meta, rating="down", reason="Pro is 35 EUR since December")

    (issue,) = issues(client, harness.headers("acme", "alice"))
    assert issue["id"] == meta["assistantMessageId"]
    assert (issue["status"], issue["askedBy"], issue["reason"]) == (
        "open",
        "rep",
        "Pro is 35 EUR since December",
    )
    assert issue["question"] == "What does Pro cost?"
    assert issue["answer"] == "Pro costs 30 EUR[1] and includes SSO[2]."
    assert issue["files"] == [
        {"fileId": "pricing-file", "name": "pricing.md", "versionDate": "2026-11-01"},
        {"fileId": "security-file", "name": "security.md", "versionDate": "2026-10-01"},
    ]
    assert issue["ownerIds"] == ["alice", "bob"]
    assert "resolvedAt" not in issue
    assert len(issues(client, harness.headers("acme", "bob"))) == 1
    assert len(issues(client, admin(harness))) == 1
    # Neither the rater nor another member: the issue is for the people who fix the content.
    assert issues(client, rep) == []
    assert issues(client, harness.headers("acme", "carol")) == []
    assert issues(client, harness.headers("globex", "alice")) == []

    # Rating again updates the one issue of this answer.
    rate(client, rep, meta, rating="down", reason="Pro is 35 EUR; SSO costs extra")
    (updated,) = issues(client, admin(harness))
    assert (updated["id"], updated["reason"]) == (issue["id"], "Pro is 35 EUR; SSO costs extra")

    carol = resolve(client, harness.headers("acme", "carol"), issue["id"])
    assert (carol.status_code, carol.json()["code"]) == (404, "content_issue_not_found")
    too_long = resolve(client, harness.headers("acme", "bob"), issue["id"], "x" * 1001)
    assert (too_long.status_code, too_long.json()["code"]) == (400, "resolution_note_too_long")
    done = resolve(client, harness.headers("acme", "bob"), issue["id"], "Price list updated")
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["resolvedBy"], done.json()["resolution"]) == (
        "resolved",
        "bob",
        "Price list updated",
    )
    again = resolve(client, admin(harness), issue["id"])
    assert (again.status_code, again.json()["code"]) == (409, "content_issue_resolved")
    for unknown in ("no-such-issue", "not%20an%20id"):
        missing = resolve(client, admin(harness), unknown)
        assert (missing.status_code, missing.json()["code"]) == (404, "content_issue_not_found")

    assert issues(client, harness.headers("acme", "alice")) == []
    (resolved,) = issues(client, harness.headers("acme", "alice"), "resolved")
    assert resolved["resolvedBy"] == "bob"
    # A later change of rating leaves the resolved issue as it is.
    rate(client, rep, meta, rating="up")
    rate(client, rep, meta, rating="down", reason="Still wrong")
    assert issues(client, admin(harness)) == []
    assert issues(client, admin(harness), "resolved")[0]["reason"] == (
        "Pro is 35 EUR; SSO costs extra"
    )
    bad = client.get("/api/content-issues", params={"status": "closed"}, headers=rep)
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid_request")


def test_an_issue_citing_a_restricted_file_is_shown_only_to_those_who_may_see_it(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    # pricing.md is in a collection only alice may see; security.md (bob's) is open.
    put_collection(harness.resources, "acme", "deals", users=["alice"])
    govern_file(harness.resources, "acme", "pricing-file", collection_ids=["deals"])
    alice = harness.headers("acme", "alice")
    meta = chat(client, alice, "What does Pro cost?")[0].data
    rate(client, alice, meta, rating="down", reason="Wrong price")

    # Bob owns a cited file, but the answer quotes the restricted one: no trace of the issue.
    bob = harness.headers("acme", "bob")
    assert issues(client, bob) == []
    refused = resolve(client, bob, meta["assistantMessageId"])
    assert (refused.status_code, refused.json()["code"]) == (404, "content_issue_not_found")
    # Alice (the owner of pricing.md, who may see both) and admins see it whole.
    for reader in (alice, admin(harness)):
        (issue,) = issues(client, reader)
        assert [f["fileId"] for f in issue["files"]] == ["pricing-file", "security-file"]
        assert issue["answer"] == "Pro costs 30 EUR[1] and includes SSO[2]."
    done = resolve(client, alice, meta["assistantMessageId"], "New price list")
    assert done.status_code == 200, done.text
    assert issues(client, bob, "resolved") == []


def test_a_resolution_needs_a_note(harness: ChatHarness, client: TestClient[Litestar]) -> None:
    rep = harness.headers("acme", "rep")
    meta = chat(client, rep, "What does Pro cost?")[0].data
    rate(client, rep, meta, rating="down", reason="Wrong price")
    path = f"/api/content-issues/{meta['assistantMessageId']}/resolve"
    alice = harness.headers("acme", "alice")
    for body in ({}, {"note": ""}, {"note": "  \u200b\n "}):
        refused = client.post(path, json=body, headers=alice)
        assert (refused.status_code, refused.json()["code"]) == (400, "resolution_note_required")
        assert "1 to 1000" in refused.json()["message"]
    assert len(issues(client, alice)) == 1  # still open
    assert resolve(client, alice, meta["assistantMessageId"], " Fixed ").json()["resolution"] == (
        "Fixed"
    )


def test_taking_the_thumbs_down_back_withdraws_the_issue_and_the_count(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    rep = harness.headers("acme", "rep")
    meta = chat(client, rep, "What does Pro cost?")[0].data
    rate(client, rep, meta, rating="down")  # without a reason: counted, no issue
    assert issues(client, admin(harness)) == []
    health = client.get("/api/tenant/content-health", headers=admin(harness)).json()
    assert {(f["fileId"], f["thumbsDown"]) for f in health["mostThumbsDown"]} == {
        ("pricing-file", 1),
        ("security-file", 1),
    }
    rate(client, rep, meta, rating="down", reason="Wrong price")
    assert len(issues(client, admin(harness))) == 1
    rate(client, rep, meta, rating="up")
    assert issues(client, admin(harness)) == []
    health = client.get("/api/tenant/content-health", headers=admin(harness)).json()
    assert health["mostThumbsDown"] == []


def test_content_health_counts_citations_stale_files_and_unanswered_questions(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    mark_stale(dynamodb(harness.resources), harness.resources.tables["files"], ACME, "pricing-file")
    rep = harness.headers("acme", "rep")
    chat(client, rep, "What does Pro cost?")
    boss = admin(harness)

    def report() -> dict[str, Any]:
        response = client.get("/api/tenant/content-health", headers=boss)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    health = eventually(report, lambda h: bool(h["staleCited"]))
    assert health["staleCited"] == [
        {"fileId": "pricing-file", "name": "pricing.md", "citations": 1, "reviewBy": "2026-01-31"}
    ]
    assert health["unverifiedMostCited"] == [
        {"fileId": "security-file", "name": "security.md", "citations": 1}
    ]
    assert [f["fileId"] for f in health["neverCited"]] == ["unused-file"]

    # Nothing retrieved: the content could not answer. Asked twice, worded apart.
    harness_retriever: Passages = harness.retriever  # type: ignore[assignment]
    harness_retriever.passages = []
    chat(client, rep, "Do we ship to Mars?")
    chat(client, harness.headers("acme", "carol"), "do we ship to mars")
    health = eventually(report, lambda h: h["unanswered"] and h["unanswered"][0]["count"] == 2)
    (question,) = health["unanswered"]
    assert (question["question"], question["count"]) == ("do we ship to mars", 2)

    forbidden = client.get("/api/tenant/content-health", headers=rep)
    assert (forbidden.status_code, forbidden.json()["code"]) == (403, "forbidden")


@pytest.mark.parametrize("provider_pause", [0.0, 0.05])
def test_a_client_gone_after_the_first_delta_still_counts_the_answers_citations(
    harness: ChatHarness, provider_pause: float
) -> None:
    """Without a pause the model is done before the client leaves (the answer is saved
    complete while the worker is cancelled); with one the client leaves mid-answer (saved
    incomplete). Either way the signals are recorded where the answer is saved, once."""
    for file_id, uploader in UPLOADERS.items():
        put_file(harness, file_id, file_id.replace("-file", ".md"), uploader)
    provider = ScriptedProvider(
        tokens=("Pro costs 30 EUR", cites(0), " and includes SSO", cites(1), "."),
        pause=provider_pause,
    )
    services = ChatServices.build(
        service_settings(harness.resources), ChatSettings(), provider=provider
    )
    services = dataclasses.replace(services, retriever=Passages(PRICING, SECURITY))
    rep = TenantContext("acme", "rep", "rep", frozenset({TenantRole.MEMBER}))

    async def ask_and_leave() -> ContentHealth:
        turn = await ChatTurns(services).start(rep, "What does Pro cost?", None)
        stream = turn.events()
        seen = b""
        async for chunk in stream:
            seen += chunk
            if b"event: citation" in seen and b"event: delta" in chunk:
                break  # the client stops reading after the first delta (once a source came)
        await stream.aclose()
        assert turn.worker is not None
        await asyncio.gather(turn.worker, return_exceptions=True)
        deadline = time.monotonic() + 10
        while True:
            await services.content.signals.settled()
            report = await services.content.health.report(rep)
            cited = {f.file_id for f in report.unverified_most_cited}
            if "pricing-file" in cited or time.monotonic() > deadline:
                return report
            await asyncio.sleep(0.05)

    report = asyncio.run(ask_and_leave())
    assert [(f.file_id, f.citations) for f in report.unverified_most_cited][:1] == [
        ("pricing-file", 1)
    ]
    assert "pricing-file" not in {f.file_id for f in report.never_cited}


def test_could_not_answer_is_a_finished_answer_without_passages_or_citations() -> None:
    def answer(status: MessageStatus, *cited: str) -> StoredMessage:
        return StoredMessage(
            id="a",
            conversation_id="c",
            role=Role.ASSISTANT,
            content="...",
            created_at="",
            status=status,
            route="general",
            citations=[Citation(source_id=f, title=f) for f in cited],
        )

    assert could_not_answer(answer(MessageStatus.COMPLETE), passages=0)
    assert could_not_answer(
        answer(MessageStatus.COMPLETE), passages=3
    )  # "the documents do not say"
    assert not could_not_answer(answer(MessageStatus.COMPLETE, "f"), passages=3)
    # Cut off or failed: not an answer yet, so not a gap in the content.
    assert not could_not_answer(answer(MessageStatus.INCOMPLETE), passages=0)
    assert not could_not_answer(answer(MessageStatus.FAILED), passages=0)
