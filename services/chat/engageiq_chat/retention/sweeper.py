"""`RetentionSweeper`: the chat service applies every tenant's retention policy itself, in
every environment (decision 0122), as a background task that lives as long as the app.

At start-up and then every `ENGAGEIQ_RETENTION_SWEEP_SECONDS` (0: never), each replica asks
for the sweep's lease, one item in the tenants table taken with a conditional put; the one
that gets it runs the sweep (`RetentionSweep.apply_all`, as of now), within a budget that
ends before its lease does. The lease is not released: it is the schedule too, so however
many replicas run, the sweep runs about once a period, and a crashed holder's lease lapses
by itself (the next replica to ask after its expiry takes it)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final

import anyio
import anyio.abc
import structlog

from engageiq_chat.retention.sweep import RetentionReport, RetentionSweep, SweepBudget
from engageiq_chat.storage import ConditionFailed, DynamoTables, values

log = structlog.get_logger(__name__)

LEASE_KEY: Final = {"pk": "RETENTION#SWEEP", "sk": "LEASE"}
"""The tenants table's lease item: `holder` (a replica's id) and `until` (epoch milliseconds:
DynamoDB numbers from boto3 are whole or Decimal, and periods may be below a second)."""
LEASE_SHARE: Final = 0.9
"""Of the period, how long a lease lasts: its holder's next tick finds it expired and renews
it, even with timer jitter."""
RUN_SHARE: Final = 0.8
"""Of the period, how long a run may start new work: it ends before its lease does, so two
replicas never sweep at once."""
MAX_RUN_SECONDS: Final = 900.0
"""A run starts no new conversation after this long, whatever the period."""
RUN_CONVERSATIONS: Final = 2000
"""Conversations deleted per run at most; a backlog is worked off over runs."""


class SweepLease:
    """Who may sweep now, across replicas: a conditional put of `LEASE_KEY`."""

    def __init__(
        self,
        tables: DynamoTables,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._tables = tables
        self.holder = holder or uuid.uuid4().hex
        self._clock = clock

    async def acquire(self, seconds: float) -> bool:
        """Take the lease for `seconds` if nobody holds it (never taken, or expired); False
        when another replica holds it. Storage failures raise."""
        now = round(self._clock() * 1000)
        until = now + round(seconds * 1000)
        try:
            await self._tables.call_as_service(
                "put_item",
                TableName=self._tables.tenants,
                Item=values({**LEASE_KEY, "holder": self.holder, "until": until}),
                ConditionExpression="attribute_not_exists(pk) OR #until <= :now",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues=values({":now": now}),
            )
        except ConditionFailed:
            return False
        return True


class RetentionSweeper:
    def __init__(
        self,
        sweep: RetentionSweep,
        lease: SweepLease,
        period: float,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.sweep = sweep
        self.lease = lease
        self.period = period
        self._clock = clock

    async def sweep_once(self) -> list[RetentionReport] | None:
        """One run if this replica gets the lease: the reports per tenant, or None when
        another replica holds it."""
        if not await self.lease.acquire(self.period * LEASE_SHARE):
            return None
        budget = SweepBudget(
            conversations=RUN_CONVERSATIONS,
            deadline=time.monotonic() + min(self.period * RUN_SHARE, MAX_RUN_SECONDS),
        )
        return await self.sweep.apply_all(self._clock(), budget)

    async def serve(
        self, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Sweep at once (start-up), then every period, until cancelled; period 0: never."""
        task_status.started()
        if self.period <= 0:
            return
        while True:
            try:
                await self.sweep_once()
            except Exception:
                # DynamoDB unreachable for a moment: the next tick tries again.
                log.exception("retention_sweep_failed")
            await anyio.sleep(self.period)
