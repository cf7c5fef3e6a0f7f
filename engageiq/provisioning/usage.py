"""`TenantUsage`: a tenant's chat usage for operators, read with GetItem and Query on the usage
table (never a scan), in the layout the chat service writes (services/chat/.../usage/meter.py):

- the month:  pk = "<tenant>#USAGE", sk = "<yyyy-mm>"     (`engageiq_tenancy.usage_keys.usage_key`)
- each day:   pk = "<tenant>#USAGE", sk = "<yyyy-mm-dd>"  (the per-day counters of the web app's
  usage chart), with the same counters: requests, inputTokens, outputTokens.

`day_items` is the one place that reads the per-day layout; when the chat service's per-day
writer lands, it must use (or this must import) the same key function."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from engageiq.provisioning.targets import Target
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.operation_errors import InvalidInput
from engageiq_tenancy.usage_keys import current_month, usage_key

_MONTH: Final = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
COUNTERS: Final = ("requests", "inputTokens", "outputTokens")


@dataclass(frozen=True, slots=True)
class Counters:
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @classmethod
    def of(cls, item: dict[str, Any]) -> Counters:
        return cls(
            int(item.get("requests", 0)),
            int(item.get("inputTokens", 0)),
            int(item.get("outputTokens", 0)),
        )

    def as_json(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "inputTokens": self.input_tokens,
            "outputTokens": self.output_tokens,
            "tokens": self.tokens,
        }


def validate_month(month: str | None) -> str:
    """YYYY-MM (default: the current month, UTC); InvalidInput("invalid_month") otherwise."""
    if month is None:
        return current_month()
    if not _MONTH.fullmatch(month):
        raise InvalidInput("invalid_month", f"'{month}' is not a month; write it as YYYY-MM.")
    return month


def operator_context(slug: str) -> TenantContext:
    """The key functions take a TenantContext; an operator acts on the tenant named."""
    return TenantContext(tenant_id=slug, user_id="operator", username="operator", roles=frozenset())


def usage_partition(slug: str) -> str:
    return usage_key(operator_context(slug), "0000-00")["pk"]


class TenantUsage:
    def __init__(self, target: Target) -> None:
        self.dynamodb = target.client("dynamodb")
        self.table = target.tables["usage"]

    def month(self, slug: str, month: str) -> Counters:
        answer = self.dynamodb.get_item(
            TableName=self.table,
            Key=to_item(usage_key(operator_context(slug), month)),
            ConsistentRead=True,
        )
        return Counters.of(from_item(answer.get("Item", {})))

    def day_items(self, slug: str, month: str) -> list[dict[str, Any]]:
        """The per-day items of `month`, oldest first: one Query on the tenant's partition."""
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :month)",
            "ExpressionAttributeValues": to_item(
                {":pk": usage_partition(slug), ":month": f"{month}-"}
            ),
            "ConsistentRead": True,
        }
        while True:
            page = self.dynamodb.query(**request)
            items += [from_item(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return items
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def days(self, slug: str, month: str) -> list[tuple[str, Counters]]:
        return [(item["sk"], Counters.of(item)) for item in self.day_items(slug, month)]

    def last_activity(self, slug: str) -> str | None:
        """The latest day with usage (or month, for counters without days): one Query, newest
        first, one item ("2026-11-29" sorts after its month's "2026-11")."""
        page = self.dynamodb.query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": usage_partition(slug)}),
            ScanIndexForward=False,
            Limit=1,
        )
        return str(from_item(page["Items"][0])["sk"]) if page["Items"] else None
