"""The audit trail's hash chain against moto (decision 0118): appends, what `verify` catches
(a changed, replaced or deleted entry, the newest ones gone), what it accepts (an expired
prefix), gapless appends when writers race, paging and export with filters."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engageiq.local.aws import LocalAwsServer, aws_client, provision
from engageiq_tenancy.audit import (
    AuditAction,
    AuditActor,
    AuditOutcome,
    AuditQuery,
    AuditSource,
    AuditTarget,
    AuditTrail,
    AuditUnavailable,
)
from engageiq_tenancy.audit.entries import entry_hash, entry_key, head_key
from engageiq_tenancy.audit.trail import MAX_PAUSE_SECONDS
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.resources import AUDIT

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
ANA = AuditActor.user("u-ana", "ana@acme.example")
BEN = AuditActor.user("u-ben", "ben@acme.example")
_tenants = itertools.count()


class Clock:
    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="module")
def table(moto_server: LocalAwsServer) -> str:
    moto_server.reset()
    return provision(moto_server.endpoint_url).tables[AUDIT.logical_name]


@pytest.fixture(scope="module")
def dynamodb(moto_server: LocalAwsServer, table: str) -> Any:
    return aws_client("dynamodb", moto_server.endpoint_url)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def trail(dynamodb: Any, table: str, clock: Clock) -> AuditTrail:
    return AuditTrail(dynamodb, table, clock=clock, pause=lambda _: None)


def new_tenant() -> str:
    """Each test its own tenant: the module shares one table."""
    return f"acme{next(_tenants)}"


def append(trail: AuditTrail, tenant: str, count: int, clock: Clock | None = None) -> None:
    for n in range(count):
        trail.record(
            tenant,
            ANA if n % 2 else BEN,
            AuditAction.FILE_UPLOADED,
            AuditTarget("file", f"f{n}", f"deck {n}.pptx"),
            detail={"bytes": 1000 + n, "version": 1},
            source=AuditSource("req-1234567", "203.0.113.9", "Firefox"),
        )
        if clock is not None:
            clock.advance(minutes=1)


def stored(dynamodb: Any, table: str, tenant: str, seq: int) -> dict[str, Any]:
    item = dynamodb.get_item(TableName=table, Key=to_item(entry_key(tenant, seq)))["Item"]
    return from_item(item)


def put(dynamodb: Any, table: str, value: dict[str, Any]) -> None:
    dynamodb.put_item(TableName=table, Item=to_item(value))


def delete(dynamodb: Any, table: str, tenant: str, seq: int) -> None:
    dynamodb.delete_item(TableName=table, Key=to_item(entry_key(tenant, seq)))


def test_appends_are_chained_by_hash_and_the_head_follows(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 3)
    entries = [stored(dynamodb, table, tenant, seq) for seq in (1, 2, 3)]
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert entries[0]["prevHash"] == ""
    assert [e["prevHash"] for e in entries[1:]] == [e["hash"] for e in entries[:2]]
    assert all(entry_hash(e) == e["hash"] for e in entries)
    head = from_item(dynamodb.get_item(TableName=table, Key=to_item(head_key(tenant)))["Item"])
    assert (head["seq"], head["hash"]) == (3, entries[2]["hash"])
    first = entries[0]
    assert first["actor"] == {"kind": "user", "userId": "u-ben", "email": "ben@acme.example"}
    assert first["target"] == {"kind": "file", "id": "f0", "name": "deck 0.pptx"}
    assert (first["sourceIp"], first["userAgent"], first["requestId"]) == (
        "203.0.113.9",
        "Firefox",
        "req-1234567",
    )
    assert first["expiresAt"] == int(START.timestamp()) + 400 * 86_400
    report = trail.verify(tenant)
    assert report.intact
    assert (report.entries, report.first_seq, report.last_seq) == (3, 1, 3)


def test_an_entry_changed_behind_the_logs_back_is_named(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 5)
    changed = stored(dynamodb, table, tenant, 3)
    put(dynamodb, table, {**changed, "actor": {"kind": "user", "userId": "u-someone-else"}})
    report = trail.verify(tenant)
    assert (report.intact, report.broken_seq) == (False, 3)
    assert "changed" in report.problem


def test_an_entry_replaced_with_a_consistent_forgery_is_named(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 5)
    forged = {**stored(dynamodb, table, tenant, 2), "action": AuditAction.FILE_VERIFIED.value}
    put(dynamodb, table, {**forged, "hash": entry_hash(forged)})  # its own hash is right
    assert trail.verify(tenant).broken_seq == 2


def test_a_deleted_entry_in_the_middle_is_named(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 6)
    delete(dynamodb, table, tenant, 4)
    report = trail.verify(tenant)
    assert (report.broken_seq, report.problem) == (4, "Entry 4 is missing (deleted).")


def test_deleted_newest_entries_break_at_the_first_one_missing(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 6)
    delete(dynamodb, table, tenant, 6)
    delete(dynamodb, table, tenant, 5)
    report = trail.verify(tenant)
    assert (report.intact, report.broken_seq, report.head_seq) == (False, 5, 6)


def test_a_deleted_head_is_a_break(trail: AuditTrail, dynamodb: Any, table: str) -> None:
    tenant = new_tenant()
    append(trail, tenant, 2)
    dynamodb.delete_item(TableName=table, Key=to_item(head_key(tenant)))
    assert trail.verify(tenant).broken_seq == 3


def test_an_expired_prefix_is_accepted_and_the_chain_starts_after_it(
    trail: AuditTrail, dynamodb: Any, table: str, clock: Clock
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 3)  # expire 400 days after START
    clock.advance(days=100)
    append(trail, tenant, 2)
    clock.advance(days=301)  # past the first three's expiresAt, before the others'
    # DynamoDB deletes expired items days later: expired but present reads as gone too.
    report = trail.verify(tenant)
    assert report.intact
    assert (report.first_seq, report.expired_before) == (4, 3)
    for seq in (1, 2, 3):
        delete(dynamodb, table, tenant, seq)
    report = trail.verify(tenant)
    assert report.intact
    assert (report.entries, report.first_seq, report.last_seq) == (2, 4, 5)
    assert [e["seq"] for e in trail.page(tenant).entries] == [5, 4]


def test_oldest_entries_deleted_before_they_expired_are_a_break(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 4)
    delete(dynamodb, table, tenant, 1)
    delete(dynamodb, table, tenant, 2)
    report = trail.verify(tenant)
    assert (report.broken_seq, report.problem) == (
        2,
        "Entry 2 is missing (deleted before it expired).",
    )


def test_after_everything_expired_the_chain_starts_again(trail: AuditTrail, clock: Clock) -> None:
    tenant = new_tenant()
    append(trail, tenant, 2)
    clock.advance(days=401)
    assert trail.verify(tenant).intact
    entry = trail.record(tenant, ANA, AuditAction.SESSION_SIGNED_IN, AuditTarget("user", "u-ana"))
    assert (entry["seq"], entry["prevHash"]) == (1, "")
    assert trail.verify(tenant).intact


def test_time_never_goes_back_along_the_chain(trail: AuditTrail, clock: Clock) -> None:
    tenant = new_tenant()
    append(trail, tenant, 1)
    clock.advance(seconds=-30)  # another instance's clock, behind
    append(trail, tenant, 1)
    first, second = reversed(trail.page(tenant).entries)
    assert second["at"] == first["at"]
    assert second["expiresAt"] >= first["expiresAt"]


class RacingClient:
    """A DynamoDB client whose transactions, when `schedule` says so, let another writer
    append first (after this one read the head): a lost race, deterministically."""

    def __init__(self, inner: Any, schedule: list[bool], rival: Callable[[], None]) -> None:
        self._inner = inner
        self._schedule = schedule
        self._rival = rival
        self.lost = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def transact_write_items(self, **request: Any) -> Any:
        if self._schedule and self._schedule.pop(0):
            self._rival()
            self.lost += 1
        return self._inner.transact_write_items(**request)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(schedule=st.lists(st.booleans(), min_size=1, max_size=12))
def test_racing_writers_keep_the_chain_gapless(
    dynamodb: Any, table: str, schedule: list[bool]
) -> None:
    tenant = new_tenant()
    rival = AuditTrail(dynamodb, table)

    def rival_appends() -> None:
        rival.record(tenant, BEN, AuditAction.FILE_DELETED, AuditTarget("file", "f-rival"))

    racing = RacingClient(dynamodb, list(schedule), rival_appends)
    writer = AuditTrail(racing, table, pause=lambda _: None, attempts=len(schedule) + 1)
    appends = 3
    for _ in range(appends):
        writer.record(tenant, ANA, AuditAction.FILE_UPLOADED, AuditTarget("file", "f-mine"))
    report = writer.verify(tenant)
    assert report.intact, report.problem
    assert report.last_seq == appends + racing.lost == report.entries
    mine = [e for e in writer.export(tenant) if e["actor"]["userId"] == "u-ana"]
    assert len(mine) == appends


def losing_to_a_rival(dynamodb: Any, table: str, tenant: str, losses: int) -> RacingClient:
    """A client whose next `losses` appends each lose the race to another writer's."""
    rival = AuditTrail(dynamodb, table)

    def rival_appends() -> None:
        rival.record(tenant, BEN, AuditAction.FILE_DELETED, AuditTarget("file", "f"))

    return RacingClient(dynamodb, [True] * losses, rival_appends)


def test_a_writer_outlasts_a_busy_rival_process_with_short_pauses(
    dynamodb: Any, table: str
) -> None:
    # Another instance's writers take turns with no pause between them (a batch upload),
    # so this one loses many races in a row; each loss means the rival made progress, and
    # the writer must keep trying, briefly, rather than answer 503 (found in the
    # many-instances suite: 12 attempts with pauses up to 0.4 s starved).
    tenant = new_tenant()
    losses = 30
    racing = losing_to_a_rival(dynamodb, table, tenant, losses)
    pauses: list[float] = []
    writer = AuditTrail(racing, table, pause=pauses.append)
    writer.record(tenant, ANA, AuditAction.FILE_UPLOADED, AuditTarget("file", "f"))
    assert racing.lost == losses
    assert writer.verify(tenant).intact
    assert max(pauses) <= MAX_PAUSE_SECONDS
    assert sum(pauses) <= 3.0


def test_a_writer_that_always_loses_gives_up_with_audit_unavailable(
    dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    racing = losing_to_a_rival(dynamodb, table, tenant, 3)
    writer = AuditTrail(racing, table, pause=lambda _: None, attempts=3)
    with pytest.raises(AuditUnavailable) as refused:
        writer.record(tenant, ANA, AuditAction.FILE_UPLOADED, AuditTarget("file", "f"))
    assert (refused.value.code, refused.value.status_code) == ("audit_unavailable", 503)
    assert writer.verify(tenant).intact


def test_a_table_that_does_not_answer_is_audit_unavailable(dynamodb: Any) -> None:
    trail = AuditTrail(dynamodb, "engageiq-local-no-such-table")
    with pytest.raises(AuditUnavailable):
        trail.record(new_tenant(), ANA, AuditAction.FILE_UPLOADED, AuditTarget("file", "f"))
    with pytest.raises(ClientError):
        dynamodb.describe_table(TableName="engageiq-local-no-such-table")


@pytest.mark.parametrize(
    "detail",
    [{"nested": {"a": 1}}, {"ratio": 0.5}, {"": "x"}, {f"k{n}": n for n in range(21)}],
    ids=["nested", "float", "empty key", "too many"],
)
def test_detail_is_a_small_flat_mapping(trail: AuditTrail, detail: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="audit detail"):
        trail.record(
            new_tenant(), ANA, AuditAction.FILE_UPLOADED, AuditTarget("f", "f"), detail=detail
        )


def test_pages_newest_first_with_filters_and_cursors(trail: AuditTrail, clock: Clock) -> None:
    tenant = new_tenant()
    for day in range(4):  # BEN then ANA, on 5, 6, 7 and 8 January
        for actor, action in ((BEN, AuditAction.FILE_UPLOADED), (ANA, AuditAction.FILE_DELETED)):
            trail.record(tenant, actor, action, AuditTarget("file", f"f{day}"))
        clock.advance(days=1)
    everything = trail.page(tenant, limit=3)
    assert [e["seq"] for e in everything.entries] == [8, 7, 6]
    rest = trail.page(tenant, before=everything.next_before, limit=10)
    assert [e["seq"] for e in rest.entries] == [5, 4, 3, 2, 1]
    assert rest.next_before is None
    by_ana = trail.page(tenant, AuditQuery(actor="ANA@acme.example"))
    assert [e["seq"] for e in by_ana.entries] == [8, 6, 4, 2]
    assert [e["seq"] for e in trail.page(tenant, AuditQuery(actor="u-ben")).entries] == [7, 5, 3, 1]
    uploads = trail.page(tenant, AuditQuery(action="file.uploaded", since=date(2026, 1, 6)))
    assert [e["seq"] for e in uploads.entries] == [7, 5, 3]
    window = AuditQuery(since=date(2026, 1, 6), until=date(2026, 1, 7))
    assert [e["seq"] for e in trail.page(tenant, window).entries] == [6, 5, 4, 3]
    assert [e["seq"] for e in trail.export(tenant, window)] == [3, 4, 5, 6]
    assert trail.page(new_tenant()).entries == []  # another tenant: nothing


def test_outcome_and_operator_and_system_actors_are_stored(trail: AuditTrail) -> None:
    tenant = new_tenant()
    arn = "arn:aws:sts::123456789012:assumed-role/Ops/ana"
    trail.record(
        tenant,
        AuditActor.operator(arn),
        AuditAction.TENANT_SUSPENDED,
        AuditTarget("tenant", tenant),
    )
    trail.record(
        tenant,
        AuditActor.system("retention"),
        AuditAction.RETENTION_DELETED,
        AuditTarget("conversation", "c1"),
        AuditOutcome.FAILED,
    )
    newest, oldest = trail.page(tenant).entries
    assert oldest["actor"] == {"kind": "operator", "operator": arn}
    assert (newest["actor"], newest["outcome"]) == (
        {"kind": "system", "system": "retention"},
        "failed",
    )
    assert trail.page(tenant, AuditQuery(actor="retention")).entries == [newest]


def test_the_newest_entry_replaced_consistently_is_caught_by_the_head(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    tenant = new_tenant()
    append(trail, tenant, 3)
    forged = {**stored(dynamodb, table, tenant, 3), "outcome": "denied"}
    put(dynamodb, table, {**forged, "hash": entry_hash(forged)})
    report = trail.verify(tenant)
    assert (report.broken_seq, report.problem) == (
        3,
        "Entry 3 is not the newest entry the chain recorded.",
    )


def test_an_entry_copied_from_another_tenants_chain_is_named(
    trail: AuditTrail, dynamodb: Any, table: str
) -> None:
    ours, theirs = new_tenant(), new_tenant()
    append(trail, ours, 2)
    append(trail, theirs, 2)
    copied = {**stored(dynamodb, table, theirs, 2), **entry_key(ours, 2)}
    put(dynamodb, table, copied)
    assert trail.verify(ours).broken_seq == 2


def test_one_processs_writers_of_a_tenant_take_turns_instead_of_racing(
    dynamodb: Any, table: str
) -> None:
    """A batch upload is many appends at once in one process: with one attempt each, every
    one still lands, because they wait for their turn rather than lose a race for the head."""
    tenant = new_tenant()
    trail = AuditTrail(dynamodb, table, attempts=1)
    with ThreadPoolExecutor(max_workers=8) as pool:
        stored_seqs = list(
            pool.map(
                lambda n: trail.record(
                    tenant, BEN, AuditAction.FILE_UPLOADED, AuditTarget("file", f"f{n}")
                )["seq"],
                range(16),
            )
        )
    assert sorted(stored_seqs) == list(range(1, 17))
    assert trail.verify(tenant).intact
