"""Retention the tenant controls (decision 0122): tenant admins set it on `PATCH /api/tenant`,
and the sweep applied as of a future date deletes exactly the conversations idle past the
window, with every part of them, and leaves the others; a dry run changes nothing; a second
run deletes nothing."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq.local.aws import aws_client
from engageiq_chat.conversation_search.segments import decode_segment
from engageiq_chat.messages.store import MessageStore
from engageiq_chat.retention.sweep import (
    RetentionReport,
    RetentionSweep,
    SweepBudget,
    trail_audit,
)
from engageiq_tenancy.audit import AuditTrail
from engageiq_tenancy.items import from_item
from engageiq_tenancy.retention import RetentionPolicy
from tests.support.chat import ChatHarness, ScriptedProvider, cites, dynamodb, parse_sse
from tests.unit.chat.test_citations import Passages
from tests.unit.chat.test_content_loop import PRICING, SECURITY, UPLOADERS, admin, put_file

OLD = "2026-01-05T09:00:00.000000Z"
"""Last activity of the conversations made old: months before any test run."""
REP, OTHER = "user-1", "user-2"


def with_answers(harness: ChatHarness) -> ChatHarness:
    """The harness with files, passages and a provider that cites them."""
    for file_id, uploader in UPLOADERS.items():
        put_file(harness, file_id, file_id.replace("-file", ".md"), uploader)
    harness.retriever = Passages(PRICING, SECURITY)
    harness.provider = ScriptedProvider(tokens=("Pro costs 30 EUR", cites(0), "."))
    return harness


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    with TestClient(with_answers(harness).app()) as test_client:
        yield test_client


def ask(client: TestClient[Litestar], headers: dict[str, str], message: str) -> dict[str, Any]:
    response = client.post("/api/chat", json={"message": message}, headers=headers)
    assert response.status_code == 200, response.text
    events = parse_sse(response.text)[0]
    assert events[-1].event == "done", events
    meta: dict[str, Any] = events[0].data
    return meta


def tenant_items(harness: ChatHarness) -> list[dict[str, Any]]:
    """Every item of acme in the conversations and usage tables, plain."""
    items: list[dict[str, Any]] = []
    db = dynamodb(harness.resources)
    for table in ("conversations", "usage"):
        pages = db.get_paginator("scan").paginate(TableName=harness.resources.tables[table])
        for page in pages:
            items += [from_item(i) for i in page["Items"] if i["pk"]["S"].startswith("acme#")]
    return items


def mentioning(items: list[dict[str, Any]], conversation_id: str) -> list[dict[str, Any]]:
    """Items that belong to or point at the conversation (by key or by attribute)."""
    return [i for i in items if conversation_id in repr(i) and not i["sk"].startswith("CSEARCH#")]


def age(harness: ChatHarness, user_id: str, conversation_id: str) -> None:
    """Make a conversation's last activity months old."""
    dynamodb(harness.resources).update_item(
        TableName=harness.resources.tables["conversations"],
        Key={"pk": {"S": f"acme#USER#{user_id}"}, "sk": {"S": f"CONV#{conversation_id}"}},
        UpdateExpression="SET updatedAt = :old, gsi1sk = :gsk",
        ExpressionAttributeValues={
            ":old": {"S": OLD},
            ":gsk": {"S": f"{OLD}#{conversation_id}"},
        },
    )


def indexed_ids(harness: ChatHarness, user_id: str) -> set[str]:
    """The conversations the user's stored search index holds text of."""
    answer = dynamodb(harness.resources).query(
        TableName=harness.resources.tables["conversations"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :seg)",
        ExpressionAttributeValues={
            ":pk": {"S": f"acme#USER#{user_id}"},
            ":seg": {"S": "CSEARCH#SEG#"},
        },
    )
    parts: dict[str, list[tuple[int, bytes]]] = defaultdict(list)
    for item in answer["Items"]:
        _, _, segment, part = item["sk"]["S"].split("#")
        parts[segment].append((int(part), item["data"]["B"]))
    return {
        c.id
        for segment in parts.values()
        for c in decode_segment([data for _, data in sorted(segment)])
    }


def trail(harness: ChatHarness) -> AuditTrail:
    return AuditTrail(dynamodb(harness.resources), harness.resources.tables["audit"])


def audited(harness: ChatHarness, action: str) -> list[dict[str, Any]]:
    return [e for e in trail(harness).export("acme") if e["action"] == action]


def sweep(harness: ChatHarness) -> RetentionSweep:
    resources = harness.resources
    return RetentionSweep.with_clients(
        dynamodb(resources),
        resources.tables,
        objects=aws_client("s3", resources.endpoint_url),
        bucket=resources.buckets["uploads"],
        audit=trail_audit(trail(harness)),
    )


def apply(harness: ChatHarness, days_ahead: int, *, dry_run: bool = False) -> RetentionReport:
    as_of = datetime.now(UTC) + timedelta(days=days_ahead)
    return asyncio.run(sweep(harness).apply("acme", as_of, dry_run=dry_run))


def set_retention(
    client: TestClient[Litestar], harness: ChatHarness, **retention: int | None
) -> dict[str, Any]:
    response = client.patch("/api/tenant", json={"retention": retention}, headers=admin(harness))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_retention_as_of_a_future_date_deletes_exactly_the_old_conversations(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    rep, other = harness.headers(user_id=REP), harness.headers(user_id=OTHER)
    # The old conversation: remembered Idempotency-Key, rated down (a content issue), shared.
    response = client.post(
        "/api/chat",
        json={"message": "What does Pro cost per seat?"},
        headers={**rep, "Idempotency-Key": "retention-0001"},
    )
    old = parse_sse(response.text)[0][0].data
    old_id = old["conversationId"]
    rating = client.put(
        f"/api/conversations/{old_id}/messages/{old['assistantMessageId']}/feedback",
        json={"rating": "down", "reason": "Pro is 35 EUR"},
        headers=rep,
    )
    assert rating.status_code == 200, rating.text
    shared = client.post(f"/api/conversations/{old_id}/share", headers=rep)
    assert shared.status_code in (200, 201), shared.text
    kept_id = ask(client, rep, "Is SSO included?")["conversationId"]
    other_id = ask(client, other, "What does Enterprise cost?")["conversationId"]
    # The rep's stored search index now holds both of their conversations' text.
    assert client.get("/api/conversations", params={"q": "cost"}, headers=rep).status_code == 200
    assert indexed_ids(harness, REP) == {old_id, kept_id}
    age(harness, REP, old_id)
    age(harness, OTHER, other_id)
    set_retention(client, harness, conversationsDays=90)
    before = tenant_items(harness)
    assert mentioning(before, old_id)
    assert mentioning(before, other_id)

    # 90 days as of 30 days from now: everything idle since January goes, nothing else.
    preview = apply(harness, 30, dry_run=True)
    assert tenant_items(harness) == before, "a dry run changes nothing"
    report = apply(harness, 30)

    assert report.counts == preview.counts
    counts = report.counts
    assert (counts.conversations, counts.messages, counts.feedback) == (2, 4, 1)
    assert (counts.citations, counts.shares, counts.content_issues) == (2, 1, 1)
    assert (counts.idempotency_keys, counts.search_indexes) == (1, 1)
    after = tenant_items(harness)
    assert mentioning(after, old_id) == []
    assert mentioning(after, other_id) == []
    assert not [i for i in after if i["sk"].startswith("TOKEN#")], "the link's token item"
    assert indexed_ids(harness, REP) == {kept_id}
    listed = client.get("/api/conversations", headers=rep).json()["conversations"]
    assert [c["id"] for c in listed] == [kept_id]
    assert len(mentioning(after, kept_id)) == len(mentioning(before, kept_id))
    token = shared.json()["token"]
    assert client.get(f"/api/shared/{token}", headers=other).status_code == 404

    deleted = audited(harness, "retention.deleted")
    assert sorted(e["target"]["id"] for e in deleted) == sorted([old_id, other_id])
    assert {e["actor"]["kind"] for e in deleted} == {"system"}

    # Idempotent: a second run finds nothing left to delete.
    again = apply(harness, 30)
    assert again.counts.conversations == 0
    assert again.counts.messages == 0
    assert tenant_items(harness) == after
    assert len(audited(harness, "retention.deleted")) == 2


def test_a_conversation_active_since_the_scan_is_kept(
    harness: ChatHarness, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The mark re-checks the last activity: a message added after the sweep found the
    conversation due keeps it (the sweep deletes nothing newer than the cut-off)."""
    conversation = ask(client, harness.headers(), "Hello")["conversationId"]
    age(harness, REP, conversation)
    found = RetentionSweep._due

    async def found_then_answered(
        self: RetentionSweep, tenant_id: str, before: str, budget: SweepBudget | None = None
    ) -> list[Any]:
        due = await found(self, tenant_id, before, budget)
        ask_again = {"message": "And now?", "conversationId": conversation}
        assert client.post("/api/chat", json=ask_again, headers=harness.headers()).is_success
        return due

    monkeypatch.setattr(RetentionSweep, "_due", found_then_answered)
    report = asyncio.run(
        sweep(harness).run("acme", RetentionPolicy(conversations_days=30), datetime.now(UTC))
    )
    assert report.counts.conversations == 0
    listed = client.get("/api/conversations", headers=harness.headers()).json()
    assert [c["id"] for c in listed["conversations"]] == [conversation]


def test_deleted_files_are_purged_after_their_window(harness: ChatHarness) -> None:
    s3 = aws_client("s3", harness.resources.endpoint_url)
    bucket = harness.resources.buckets["uploads"]
    for key in ("tenants/acme/documents/gone", "tenants/acme/documents/live"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"v1")
        s3.put_object(Bucket=bucket, Key=key, Body=b"v2")
    s3.delete_object(Bucket=bucket, Key="tenants/acme/documents/gone")
    s3.put_object(Bucket=bucket, Key="tenants/globex/documents/gone", Body=b"theirs")
    s3.delete_object(Bucket=bucket, Key="tenants/globex/documents/gone")
    retention = sweep(harness)

    def run(days_ahead: int) -> RetentionReport:
        as_of = datetime.now(UTC) + timedelta(days=days_ahead)
        return asyncio.run(retention.run("acme", RetentionPolicy(deleted_files_days=7), as_of))

    assert run(0).counts.deleted_files == 0, "deleted today: still recoverable"
    report = run(8)
    assert (report.counts.deleted_files, report.counts.file_versions) == (1, 3)
    left = s3.list_object_versions(Bucket=bucket, Prefix="tenants/")
    keys = sorted(v["Key"] for v in [*left.get("Versions", []), *left.get("DeleteMarkers", [])])
    assert keys == ["tenants/acme/documents/live"] * 2 + ["tenants/globex/documents/gone"] * 2
    assert run(8).counts.deleted_files == 0


def test_admins_set_retention_and_bad_values_are_refused(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    assert client.get("/api/tenant", headers=harness.headers()).json()["retention"] == {
        "conversationsDays": None,
        "deletedFilesDays": 90,
    }
    body = set_retention(client, harness, conversationsDays=365, deletedFilesDays=7)
    assert body["retention"] == {"conversationsDays": 365, "deletedFilesDays": 7}
    (changed,) = audited(harness, "tenant.retention_changed")
    assert (changed["actor"]["userId"], changed["detail"]) == (
        "boss",
        {"conversationsDays": 365, "deletedFilesDays": 7},
    )
    # Omitted fields keep their value; null restores the default.
    body = set_retention(client, harness, conversationsDays=None)
    assert body["retention"] == {"conversationsDays": None, "deletedFilesDays": 7}
    assert (
        client.get("/api/tenant", headers=harness.headers()).json()["retention"]
        == (body["retention"])
    )
    for retention in (
        {"conversationsDays": 31},
        {"deletedFilesDays": 365},
        {"conversationsDays": 0},
        # The bucket keeps deleted files 90 days at most: "for ever" is not on offer.
        {"deletedFilesDays": None},
    ):
        refused = client.patch("/api/tenant", json={"retention": retention}, headers=admin(harness))
        assert refused.status_code == 400, refused.text
        assert refused.json()["code"] == "invalid_retention"
        assert refused.json()["message"] in (
            "conversationsDays must be 30, 90 or 365 days, or null (kept for ever).",
            "deletedFilesDays must be 7, 30 or 90 days.",
        )
    unknown = client.patch(
        "/api/tenant", json={"retention": {"messagesDays": 30}}, headers=admin(harness)
    )
    assert unknown.json()["code"] == "invalid_request"
    member = client.patch(
        "/api/tenant", json={"retention": {"conversationsDays": 30}}, headers=harness.headers()
    )
    assert member.status_code == 403
    assert client.get("/api/tenant", headers=harness.headers()).json()["retention"] == {
        "conversationsDays": None,
        "deletedFilesDays": 7,
    }
    assert len(audited(harness, "tenant.retention_changed")) == 2, "refusals change nothing"


def test_a_sweep_cut_short_leaves_nothing_visible_and_the_next_one_finishes(
    harness: ChatHarness, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    conversation = ask(client, harness.headers(), "What does Pro cost?")["conversationId"]
    age(harness, REP, conversation)
    policy = RetentionPolicy(conversations_days=30)

    async def killed(*_: object) -> int:
        raise RuntimeError("the sweep's process died here")

    monkeypatch.setattr(MessageStore, "purge", killed)
    with pytest.raises(RuntimeError):
        asyncio.run(sweep(harness).run("acme", policy, datetime.now(UTC)))
    # Marked, not yet purged: gone from every route, its messages still stored.
    assert client.get("/api/conversations", headers=harness.headers()).json()["conversations"] == []
    assert mentioning(tenant_items(harness), conversation)
    monkeypatch.undo()

    report = asyncio.run(sweep(harness).run("acme", policy, datetime.now(UTC)))
    assert (report.counts.conversations, report.counts.messages) == (1, 2)
    assert mentioning(tenant_items(harness), conversation) == []
