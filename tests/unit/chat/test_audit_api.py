"""GET /api/tenant/audit and its export (decision 0118): tenant admins read their own tenant's
log, newest first, filtered and paged; members get 403; another tenant sees nothing; a bad
filter is a 400 `invalid_audit_filter` with a sentence; the export is JSON Lines, oldest
first, and records itself with the caller, request id and source IP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_tenancy.audit import AuditAction, AuditActor, AuditTarget, AuditTrail
from engageiq_tenancy.context import Role, TenantContext, group_name
from engageiq_tenancy.cursors import encode_cursor
from tests.support.chat import ChatHarness, dynamodb

AUDIT = "/api/tenant/audit"
ANA = AuditActor.user("u-ana", "ana@acme.example")
BEN = AuditActor.user("u-ben", "ben@acme.example")


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    with TestClient(harness.app()) as test_client:
        yield test_client


@pytest.fixture
def trail(harness: ChatHarness) -> AuditTrail:
    return AuditTrail(dynamodb(harness.resources), harness.resources.tables["audit"])


def as_role(
    harness: ChatHarness, role: Role, tenant_id: str = "acme", email: str = "boss@acme.example"
) -> dict[str, str]:
    groups = [group_name(tenant_id, Role.MEMBER), group_name(tenant_id, role)]
    # No `auth_time`: no sign-in entry (decision 0119) among the ones these tests count.
    claims = harness.tokens.claims(
        tenant_id, sub="u-boss", email=email, cognito__groups=groups, auth_time=None
    )
    return {"Authorization": f"Bearer {harness.tokens.mint(claims)}"}


@pytest.fixture
def five(trail: AuditTrail) -> None:
    """acme: Ben uploads, Ana deletes, Ben uploads, Ana downloads, Ben invites; globex: one."""
    for actor, action in [
        (BEN, AuditAction.FILE_UPLOADED),
        (ANA, AuditAction.FILE_DELETED),
        (BEN, AuditAction.FILE_UPLOADED),
        (ANA, AuditAction.FILE_DOWNLOADED),
        (BEN, AuditAction.USER_INVITED),
    ]:
        trail.record("acme", actor, action, AuditTarget("file", "f1", "deck.pptx"))
    trail.record("globex", BEN, AuditAction.FILE_UPLOADED, AuditTarget("file", "g1"))


def seqs(response: object) -> list[int]:
    return [e["seq"] for e in response.json()["entries"]]  # type: ignore[attr-defined]


@pytest.mark.usefixtures("five")
def test_an_admin_pages_the_log_newest_first(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    admin = as_role(harness, Role.TENANT_ADMIN)
    first = client.get(AUDIT, params={"limit": 2}, headers=admin)
    assert first.status_code == 200, first.text
    assert seqs(first) == [5, 4]
    newest = first.json()["entries"][0]
    assert newest["actor"] == {"kind": "user", "userId": "u-ben", "email": "ben@acme.example"}
    assert (newest["action"], newest["target"], newest["outcome"]) == (
        "user.invited",
        {"kind": "file", "id": "f1", "name": "deck.pptx"},
        "succeeded",
    )
    assert newest["prevHash"] == first.json()["entries"][1]["hash"]
    cursor = first.json()["nextCursor"]
    second = client.get(AUDIT, params={"limit": 2, "cursor": cursor}, headers=admin)
    assert seqs(second) == [3, 2]
    last = client.get(AUDIT, params={"cursor": second.json()["nextCursor"]}, headers=admin)
    assert seqs(last) == [1]
    assert last.json()["nextCursor"] is None


@pytest.mark.usefixtures("five")
def test_filters_by_actor_action_and_dates(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    admin = as_role(harness, Role.TENANT_ADMIN)
    by_ana = client.get(AUDIT, params={"actor": "ANA@acme.example"}, headers=admin)
    assert seqs(by_ana) == [4, 2]
    assert seqs(client.get(AUDIT, params={"actor": "u-ben"}, headers=admin)) == [5, 3, 1]
    uploads = client.get(AUDIT, params={"action": "file.uploaded"}, headers=admin)
    assert seqs(uploads) == [3, 1]
    # The day the fixture wrote the entries, not the day the module was imported: a run that
    # crosses midnight UTC (CI did) would ask for the day before theirs.
    day = datetime.now(UTC).date()
    today = day.isoformat()
    assert seqs(client.get(AUDIT, params={"since": today, "until": today}, headers=admin)) == [
        5,
        4,
        3,
        2,
        1,
    ]
    tomorrow = (day + timedelta(days=1)).isoformat()
    assert seqs(client.get(AUDIT, params={"since": tomorrow}, headers=admin)) == []
    yesterday = (day - timedelta(days=1)).isoformat()
    assert seqs(client.get(AUDIT, params={"until": yesterday}, headers=admin)) == []


@pytest.mark.usefixtures("five")
def test_members_are_refused_and_another_tenant_sees_nothing(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    member = client.get(AUDIT, headers=harness.headers("acme"))
    assert (member.status_code, member.json()["code"]) == (403, "forbidden")
    export = client.get(f"{AUDIT}/export", headers=harness.headers("acme"))
    assert export.status_code == 403
    globex = client.get(AUDIT, headers=as_role(harness, Role.TENANT_ADMIN, "globex"))
    assert [(e["seq"], e["target"]["id"]) for e in globex.json()["entries"]] == [(1, "g1")]
    # A cursor issued to acme's admin means nothing to globex's.
    acme_admin = as_role(harness, Role.TENANT_ADMIN)
    cursor = client.get(AUDIT, params={"limit": 1}, headers=acme_admin).json()["nextCursor"]
    stolen = client.get(
        AUDIT, params={"cursor": cursor}, headers=as_role(harness, Role.TENANT_ADMIN, "globex")
    )
    assert (stolen.status_code, stolen.json()["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize("before", ["\u00b2", "\u0661\u0662", "0"])
def test_a_forged_cursor_with_odd_digits_is_a_400(
    harness: ChatHarness, client: TestClient[Litestar], before: str
) -> None:
    # A cursor is base64 JSON anyone can build for themselves (decisions 0028, 0057): "²" and
    # Arabic-Indic digits pass str.isdigit, and int("²") raises, which was a 500.
    admin = as_role(harness, Role.TENANT_ADMIN)
    caller = TenantContext(tenant_id="acme", user_id="u-boss", username="", roles=frozenset())
    forged = encode_cursor(caller, {"b": before})
    answer = client.get(AUDIT, params={"cursor": forged}, headers=admin)
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_cursor")


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"since": "06/12/2026"}, "`since` must be a date like 2026-12-06"),
        ({"until": "2026-02-30"}, "`until` must be a date like 2026-12-06"),
        ({"since": "2026-12-06T00:00"}, "`since` must be a date"),
        ({"since": "2026-12-07", "until": "2026-12-06"}, "`since` is after `until`"),
        ({"action": "file.eaten"}, "'file.eaten' is not an audited action"),
    ],
)
def test_a_malformed_filter_is_a_coded_400_with_a_sentence(
    harness: ChatHarness, client: TestClient[Litestar], params: dict[str, str], words: str
) -> None:
    for path in (AUDIT, f"{AUDIT}/export"):
        if path.endswith("export") and "action" in params:
            continue  # the export filters by dates only
        refused = client.get(path, params=params, headers=as_role(harness, Role.TENANT_ADMIN))
        assert refused.status_code == 400, refused.text
        body = refused.json()
        assert body["code"] == "invalid_audit_filter"
        assert words in body["message"]


@pytest.mark.usefixtures("five")
def test_the_export_is_json_lines_oldest_first_and_records_itself(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    admin = as_role(harness, Role.TENANT_ADMIN) | {
        "X-Forwarded-For": "203.0.113.66, 198.51.100.7",
        "User-Agent": "Audit-Test/1.0",
    }
    exported = client.get(f"{AUDIT}/export", headers=admin)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/jsonl")
    assert "attachment" in exported.headers["content-disposition"]
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert [e["seq"] for e in lines] == [1, 2, 3, 4, 5, 6]
    own = lines[-1]
    assert own["action"] == "audit.exported"
    assert own["actor"] == {"kind": "user", "userId": "u-boss", "email": "boss@acme.example"}
    assert own["requestId"] == exported.headers["x-request-id"]
    # Locally the last X-Forwarded-For value is the edge's; the leftmost is the client's say.
    assert (own["sourceIp"], own["userAgent"]) == ("198.51.100.7", "Audit-Test/1.0")
    assert own["detail"] == {"since": None, "until": None}
    assert all("expiresAt" not in e and "tenantId" not in e for e in lines)
