"""The chat service's own retention sweep (decision 0122): it runs with the app, on schedule,
one replica at a time (a lease in the tenants table that lapses when its holder dies)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial

import anyio
from litestar.testing import TestClient

from engageiq_chat.retention.sweep import RetentionReport, RetentionSweep, SweepBudget
from engageiq_chat.retention.sweeper import RetentionSweeper, SweepLease
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_chat.storage import DynamoTables
from engageiq_tenancy.retention import RetentionPolicy
from tests.support.chat import ChatHarness, dynamodb, service_settings
from tests.unit.chat.test_retention import (
    OLD,
    REP,
    age,
    ask,
    mentioning,
    set_retention,
    tenant_items,
    with_answers,
)
from tests.unit.provisioning.test_retention_cli import put_conversation


def tables(harness: ChatHarness) -> DynamoTables:
    return ChatServices.build(service_settings(harness.resources), ChatSettings()).tables


def test_the_lease_admits_one_replica_until_it_lapses(harness: ChatHarness) -> None:
    now = [1000.0]
    one, two = (SweepLease(tables(harness), name, lambda: now[0]) for name in ("one", "two"))

    async def scenario() -> list[bool]:
        taken = [await one.acquire(60), await two.acquire(60)]
        now[0] += 59
        taken.append(await two.acquire(60))
        now[0] += 1  # one's lease lapsed: it died, or it is simply the next period
        taken += [await two.acquire(60), await one.acquire(60)]
        return taken

    assert anyio.run(scenario) == [True, False, False, True, False]


class CountingSweep:
    """Stands in for `RetentionSweep`: records each run and whether two overlapped."""

    def __init__(self) -> None:
        self.runs = 0
        self.running = 0
        self.overlapped = False

    async def apply_all(
        self, as_of: datetime, budget: SweepBudget | None = None
    ) -> list[RetentionReport]:
        self.running += 1
        self.overlapped |= self.running > 1
        self.runs += 1
        assert budget is not None
        assert budget.deadline is not None
        await anyio.sleep(0.05)
        self.running -= 1
        return []


def test_two_replicas_sweep_on_schedule_never_at_once(harness: ChatHarness) -> None:
    sweep = CountingSweep()
    period = 0.3
    replicas = [
        RetentionSweeper(sweep, SweepLease(tables(harness), name), period)  # type: ignore[arg-type]
        for name in ("one", "two")
    ]

    async def serve_for(seconds: float) -> None:
        async with anyio.create_task_group() as tasks:
            for replica in replicas:
                await tasks.start(replica.serve)
            await anyio.sleep(seconds)
            tasks.cancel_scope.cancel()

    started = time.monotonic()
    anyio.run(serve_for, 1.0)
    elapsed = time.monotonic() - started
    assert not sweep.overlapped
    # At start-up, then about once a period between both replicas (not once per replica).
    assert 2 <= sweep.runs <= elapsed / (period * 0.9) + 1, sweep.runs


def test_the_service_sweeps_by_itself_at_start_up(harness: ChatHarness) -> None:
    with TestClient(with_answers(harness).app()) as client:
        old = ask(client, harness.headers(), "What does Pro cost?")["conversationId"]
        kept = ask(client, harness.headers(), "Is SSO included?")["conversationId"]
        set_retention(client, harness, conversationsDays=30)
    age(harness, REP, old)
    listed = dynamodb(harness.resources).query(
        TableName=harness.resources.tables["tenants"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "RETENTION#POLICIES"}},
    )
    assert [i["sk"]["S"] for i in listed["Items"]] == ["TENANT#acme"]

    # Another replica starts with the sweep on: no operator runs anything.
    harness.chat_settings = ChatSettings(retention_sweep_seconds=3600)
    with TestClient(harness.app()):
        deadline = time.monotonic() + 10
        while mentioning(tenant_items(harness), old) and time.monotonic() < deadline:
            time.sleep(0.1)
    assert mentioning(tenant_items(harness), old) == [], f"idle since {OLD}, still stored"
    assert mentioning(tenant_items(harness), kept)


def test_a_run_stops_at_its_budget_and_the_next_goes_on(harness: ChatHarness) -> None:
    for conversation_id in ("c-1", "c-2", "c-3"):
        put_conversation(harness.resources, conversation_id, OLD)
    sweep = RetentionSweep.with_clients(dynamodb(harness.resources), harness.resources.tables)
    policy = RetentionPolicy(conversations_days=30)

    def run() -> int:
        budget = SweepBudget(conversations=2)
        report = anyio.run(partial(sweep.run, "demo", policy, datetime.now(UTC), budget=budget))
        return report.counts.conversations

    assert [run(), run(), run()] == [2, 1, 0]


def test_a_purged_tenant_leaves_the_list_of_policies(harness: ChatHarness) -> None:
    db, table = dynamodb(harness.resources), harness.resources.tables["tenants"]
    db.put_item(
        TableName=table, Item={"pk": {"S": "RETENTION#POLICIES"}, "sk": {"S": "TENANT#ghost"}}
    )
    sweep = RetentionSweep.with_clients(db, harness.resources.tables)
    assert anyio.run(sweep.apply_all, datetime.now(UTC)) == []
    assert anyio.run(sweep.policy_tenants) == []
