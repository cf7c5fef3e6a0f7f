"""The usage table's key layout, shared by its writer (the chat service's meter), its readers
(the chat service's usage report) and the operator CLI (`engageiq tenants usage`).

Every counter is added atomically by the chat service:
  pk=<tenant>#USAGE      sk=<yyyy-mm>            the month: requests, inputTokens, outputTokens
  pk=<tenant>#USAGE      sk=<yyyy-mm-dd>         one day of it: the same three counters
  pk=<tenant>#CITATIONS  sk=<yyyy-mm>#<fileId>   answers that cited the file: citations, title
A month's days and its cited files are each one Query on their partition, never a Scan.
Months and days are UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import object_id, tenant_partition
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

USAGE_ENTITY = "USAGE"
CITATIONS_ENTITY = "CITATIONS"


def usage_key(tenant: TenantContext, month: str) -> dict[str, str]:
    """The month's counters: `{"pk": "<tenant>#USAGE", "sk": "<yyyy-mm>"}`."""
    return {"pk": tenant_partition(tenant, USAGE_ENTITY), "sk": month}


def daily_usage_key(tenant: TenantContext, day: str) -> dict[str, str]:
    """One day's counters: `{"pk": "<tenant>#USAGE", "sk": "<yyyy-mm-dd>"}`."""
    return {"pk": tenant_partition(tenant, USAGE_ENTITY), "sk": day}


def citation_key(tenant: TenantContext, month: str, file_id: str) -> dict[str, str]:
    """The month's citations of one file: `{"pk": "<tenant>#CITATIONS",
    "sk": "<yyyy-mm>#<fileId>"}`. Raises InvalidObjectId for a malformed file id."""
    return {
        "pk": tenant_partition(tenant, CITATIONS_ENTITY),
        "sk": f"{month}{KEY_DELIMITER}{object_id(file_id)}",
    }


def current_month(now: datetime | None = None) -> str:
    """`yyyy-mm` of `now` (default: the current instant), in UTC."""
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def current_day(now: datetime | None = None) -> str:
    """`yyyy-mm-dd` of `now` (default: the current instant), in UTC."""
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d")
