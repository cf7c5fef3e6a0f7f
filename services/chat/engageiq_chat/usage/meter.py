"""`UsageMeter`: monthly counters per tenant (requests, input and output tokens), each turn
added with one atomic UpdateItem ADD, and the budget check made before any model call.

The check reads the counters, then the model runs: concurrent turns of one tenant can each
pass and overshoot the budget by at most their own answers. That is deliberate (a hard
reservation would need a write per request before the model call, on the latency path);
see docs/decisions/0025-chat-usage-budgets.md.

The counters of a tenant are one item that every turn of every user of the tenant reads: a hot
key. Each process therefore keeps the month's totals for a few seconds, refreshed for free by
its own writes (UpdateItem returns the new totals, other instances' spend included)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from engageiq_chat.storage import DynamoTables, values
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.items import from_item
from engageiq_tenancy.usage_keys import (
    citation_key,
    current_day,
    current_month,
    daily_usage_key,
    usage_key,
)


@dataclass(frozen=True, slots=True)
class MonthlyUsage:
    month: str
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


def seconds_until_next_month(moment: datetime) -> int:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    start = datetime(year, month, 1, tzinfo=UTC)
    return max(1, int((start - moment).total_seconds() + 0.999))


class BudgetExceeded(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(Errors.BUDGET_EXCEEDED, headers={"Retry-After": str(retry_after)})


# How long a process trusts the totals it last saw; bounds how late it notices other
# instances' spend (the budget is a soft limit either way).
CACHE_SECONDS = 5.0


class UsageMeter:
    def __init__(self, tables: DynamoTables, cache_seconds: float = CACHE_SECONDS) -> None:
        self._tables = tables
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, MonthlyUsage]] = {}

    def _key(self, tenant: TenantContext, month: str) -> dict[str, Any]:
        # The layout is the tenancy library's: GET /api/tenant/usage reads the same item.
        return values(usage_key(tenant, month))

    async def current(self, tenant: TenantContext, now: datetime | None = None) -> MonthlyUsage:
        month = current_month(now)
        cached = self._cache.get(tenant.tenant_id)
        if cached and cached[0] > time.monotonic() and cached[1].month == month:
            return cached[1]
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.usage,
            Key=self._key(tenant, month),
            ConsistentRead=True,
        )
        return self._remember(tenant, month, from_item(answer.get("Item", {})))

    def _remember(self, tenant: TenantContext, month: str, item: dict[str, Any]) -> MonthlyUsage:
        usage = MonthlyUsage(
            month=month,
            requests=item.get("requests", 0),
            input_tokens=item.get("inputTokens", 0),
            output_tokens=item.get("outputTokens", 0),
        )
        self._cache[tenant.tenant_id] = (time.monotonic() + self._cache_seconds, usage)
        return usage

    @staticmethod
    def check(usage: MonthlyUsage, budget: int, now: datetime | None = None) -> None:
        """Raise BudgetExceeded (429, Retry-After: until the month rolls over) if spent."""
        if usage.tokens >= budget:
            raise BudgetExceeded(seconds_until_next_month(now or datetime.now(UTC)))

    async def record(
        self,
        tenant: TenantContext,
        input_tokens: int,
        output_tokens: int,
        now: datetime | None = None,
    ) -> None:
        """Add one request and its tokens to this month's and this day's counters (atomic ADDs,
        sent together: the day's counter feeds GET /api/tenant/usage's `daily`)."""
        moment = now or datetime.now(UTC)
        month = current_month(moment)
        input_tokens, output_tokens = max(0, input_tokens), max(0, output_tokens)
        monthly = self._tables.call(
            tenant,
            "update_item",
            TableName=self._tables.usage,
            Key=self._key(tenant, month),
            UpdateExpression="ADD requests :one, inputTokens :input, outputTokens :output",
            ExpressionAttributeValues=values(
                {":one": 1, ":input": input_tokens, ":output": output_tokens}
            ),
            ReturnValues="UPDATED_NEW",
        )
        daily = self._tables.call(
            tenant,
            "update_item",
            TableName=self._tables.usage,
            Key=values(daily_usage_key(tenant, current_day(moment))),
            # The same counters as the month's item, so operators' `tenants usage` and the
            # admin API read days and months alike.
            UpdateExpression="ADD requests :one, inputTokens :input, outputTokens :output",
            ExpressionAttributeValues=values(
                {":one": 1, ":input": input_tokens, ":output": output_tokens}
            ),
        )
        answer: dict[str, Any]
        answer, _ = await asyncio.gather(monthly, daily)
        self._remember(tenant, month, from_item(answer.get("Attributes", {})))

    async def count_citations(
        self, tenant: TenantContext, cited: Sequence[tuple[str, str]], now: datetime | None = None
    ) -> None:
        """Add one to this month's counter of each distinct cited file (`(file_id, title)`):
        one small UpdateItem per file, sent together; feeds `topDocuments`."""
        month = current_month(now)
        titles = dict(cited)
        await asyncio.gather(
            *(
                self._tables.call(
                    tenant,
                    "update_item",
                    TableName=self._tables.usage,
                    Key=values(citation_key(tenant, month, file_id)),
                    UpdateExpression="ADD citations :one SET title = :title",
                    ExpressionAttributeValues=values({":one": 1, ":title": title[:200]}),
                )
                for file_id, title in titles.items()
            )
        )
