"""The tenant record: status, plan, budget and branding, one item per tenant in the tenants
table. Operators write it (provisioning); services only read their caller's own record."""

from __future__ import annotations

import enum
from typing import Any, Final

import msgspec

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.tenant_ids import validate_tenant_id

DEFAULT_MONTHLY_TOKEN_BUDGET: Final = 2_000_000


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETING = "deleting"


class Branding(msgspec.Struct, rename="camel", omit_defaults=True):
    display_name: str = ""
    primary_color: str = "#1f6feb"
    logo_url: str | None = None


class TenantRecord(msgspec.Struct, rename="camel", kw_only=True):
    tenant_id: str
    name: str
    status: TenantStatus = TenantStatus.ACTIVE
    plan: str = "standard"
    monthly_token_budget: int = DEFAULT_MONTHLY_TOKEN_BUDGET
    branding: Branding = msgspec.field(default_factory=Branding)
    created_at: str = ""


def _record_key(tenant_id: str) -> dict[str, str]:
    return {"pk": f"TENANT#{validate_tenant_id(tenant_id)}", "sk": "PROFILE"}


def record_key(tenant: TenantContext) -> dict[str, str]:
    """The caller's own tenant record (what services read)."""
    return _record_key(tenant.tenant_id)


def operator_record_key(tenant_id: str) -> dict[str, str]:
    """A tenant record addressed by an operator tool (provisioning), never by a request."""
    return _record_key(tenant_id)


def record_to_item(record: TenantRecord) -> dict[str, Any]:
    """A plain-attribute item (for boto3's resource-free `TypeSerializer` users: strings,
    numbers and maps only)."""
    item: dict[str, Any] = msgspec.to_builtins(record)
    return {**operator_record_key(record.tenant_id), **item}


def record_from_item(item: dict[str, Any]) -> TenantRecord:
    data = {k: v for k, v in item.items() if k not in ("pk", "sk")}
    return msgspec.convert(data, TenantRecord, strict=False)
