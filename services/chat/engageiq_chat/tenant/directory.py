"""`TenantDirectory`: the caller's own tenant record (branding) and a month's usage, read from
the tenants and usage tables (layout: `engageiq_tenancy.usage_keys`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import anyio
import msgspec
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.items import from_item, serialize
from engageiq_tenancy.keys import tenant_partition
from engageiq_tenancy.retention import RetentionPolicy, policy_key
from engageiq_tenancy.tenant_gate import StorageUnavailable
from engageiq_tenancy.tenant_ids import KEY_DELIMITER
from engageiq_tenancy.tenants import Branding, TenantRecord, record_from_item, record_key
from engageiq_tenancy.usage_keys import CITATIONS_ENTITY, USAGE_ENTITY

TOP_DOCUMENTS = 10
# Bounds the Query for the most cited files: a month's distinct cited files, 1 MB a page.
CITATION_PAGES = 5


class DailyTokens(msgspec.Struct, rename="camel"):
    date: str
    """YYYY-MM-DD (UTC)."""
    tokens: int
    """Input plus output tokens of that day's answers."""


class CitedDocument(msgspec.Struct, rename="camel"):
    file_id: str
    title: str
    """The file's name when it was last cited (it may since have been deleted)."""
    citations: int
    """How many saved answers this month cited the file."""


def _typed(key: dict[str, str]) -> dict[str, Any]:
    return {k: {"S": v} for k, v in key.items()}


def _tokens(item: dict[str, Any]) -> int:
    """A counter item's tokens: input plus output, the unit of budgets and of the chart."""
    return int(item.get("inputTokens", 0)) + int(item.get("outputTokens", 0))


@dataclass(frozen=True, slots=True)
class MonthUsage:
    """A month's counters and its days that had usage (oldest first), read together."""

    requests: int
    input_tokens: int
    output_tokens: int
    daily: list[DailyTokens]


class TenantDirectory:
    """Reads and writes the caller's own tenant record; boto3 runs in worker threads."""

    def __init__(self, dynamodb: Any, tenants_table: str, usage_table: str) -> None:
        self._dynamodb = dynamodb
        self._tenants = tenants_table
        self._usage = usage_table

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        function = getattr(self._dynamodb, method)
        try:
            result: dict[str, Any] = await anyio.to_thread.run_sync(lambda: function(**kwargs))
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable() from exc
        return result

    async def record(self, tenant: TenantContext) -> TenantRecord:
        answer = await self._call(
            "get_item", TableName=self._tenants, Key=_typed(record_key(tenant)), ConsistentRead=True
        )
        if "Item" not in answer:
            raise ApiError(Errors.TENANT_RECORD_NOT_FOUND)
        return record_from_item(from_item(answer["Item"]))

    async def set_branding(self, tenant: TenantContext, branding: Branding) -> None:
        await self._call(
            "update_item",
            TableName=self._tenants,
            Key=_typed(record_key(tenant)),
            UpdateExpression="SET branding = :b",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":b": {"M": {k: {"S": str(v)} for k, v in msgspec.to_builtins(branding).items()}}
            },
        )

    async def set_retention(self, tenant: TenantContext, retention: RetentionPolicy) -> None:
        """Store the tenant's retention policy (checked by the caller: `validate_retention`),
        and, in the same transaction, whether the periodic sweep has work for the tenant (its
        `policy_key` item exists only while the policy is not the default)."""
        listed = _typed(policy_key(tenant.tenant_id))
        await self._call(
            "transact_write_items",
            TransactItems=[
                {
                    "Update": {
                        "TableName": self._tenants,
                        "Key": _typed(record_key(tenant)),
                        "UpdateExpression": "SET retention = :r",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {
                            ":r": serialize(msgspec.to_builtins(retention))
                        },
                    }
                },
                {"Delete": {"TableName": self._tenants, "Key": listed}}
                if retention.empty
                else {"Put": {"TableName": self._tenants, "Item": listed}},
            ],
        )

    async def month_usage(self, tenant: TenantContext, month: str) -> MonthUsage:
        """The month's counters and its days, read together: one strongly consistent Query of
        the usage partition for the sort keys beginning with `month` (the month's item, then
        its days; layout: `engageiq_tenancy.usage_keys`). One read, so the total and the days
        that add up to it are of the same moment."""
        items = await self._query(tenant_partition(tenant, USAGE_ENTITY), month, 1, consistent=True)
        counters = next((i for i in items if i["sk"] == month), {})
        daily = [
            DailyTokens(date=str(i["sk"]), tokens=_tokens(i))
            for i in items
            if str(i["sk"]).startswith(f"{month}-")
        ]
        return MonthUsage(
            requests=int(counters.get("requests", 0)),
            input_tokens=int(counters.get("inputTokens", 0)),
            output_tokens=int(counters.get("outputTokens", 0)),
            daily=daily,
        )

    async def _query(
        self, pk: str, prefix: str, max_pages: int, *, consistent: bool = False
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        for _ in range(max_pages):
            request: dict[str, Any] = {
                "TableName": self._usage,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
                "ConsistentRead": consistent,
            }
            if start:
                request["ExclusiveStartKey"] = start
            answer = await self._call("query", **request)
            items += [from_item(i) for i in answer.get("Items", [])]
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        return items

    async def top_documents(self, tenant: TenantContext, month: str) -> list[CitedDocument]:
        """The month's most cited files (a bounded Query over the month's cited files)."""
        items = await self._query(
            tenant_partition(tenant, CITATIONS_ENTITY), f"{month}{KEY_DELIMITER}", CITATION_PAGES
        )
        cited = [
            CitedDocument(
                file_id=str(i["sk"]).split(KEY_DELIMITER, 1)[1],
                title=str(i.get("title", "")),
                citations=int(i.get("citations", 0)),
            )
            for i in items
        ]
        cited.sort(key=lambda d: (-d.citations, d.title, d.file_id))
        return cited[:TOP_DOCUMENTS]
