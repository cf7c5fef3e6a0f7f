"""The usage table's key layout, shared by its writer (the chat service's meter), its readers
(the chat service's usage report) and the operator CLI (`engageiq tenants usage`).

Every counter is added atomically by the chat service:
  pk=<tenant>#USAGE      sk=<yyyy-mm>            the month: requests, inputTokens, outputTokens
  pk=<tenant>#USAGE      sk=<yyyy-mm-dd>         one day of it: the same three counters
  pk=<tenant>#CITATIONS  sk=<yyyy-mm>#<fileId>   answers that cited the file: citations, title
A month's item and its days are one Query on their partition (sort keys beginning with the
month: "2026-12" sorts before "2026-12-01"), and its cited files another; never a Scan.
Months and days are UTC, both taken from the same instant (`current_month`, `current_day`), so
a turn's tokens land in the month whose days they are added to."""

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


def _utc(now: datetime | None) -> datetime:
    """`now` in UTC (default: the current instant); a naive datetime is taken as UTC already.
    Without it, an instant with another offset counted in its local day and month."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def current_month(now: datetime | None = None) -> str:
    """`yyyy-mm` of `now` (default: the current instant), in UTC."""
    return _utc(now).strftime("%Y-%m")


def current_day(now: datetime | None = None) -> str:
    """`yyyy-mm-dd` of `now` (default: the current instant), in UTC."""
    return _utc(now).strftime("%Y-%m-%d")
