"""`GET/PATCH /api/tenant` (branding) and `GET /api/tenant/usage`.

The web app reads branding for everyone in a tenant; only tenant admins change it. Usage is
this month's counters (written by the chat service) against the tenant's budget."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from engageiq_chat.services import ChatServices
from engageiq_chat.tenant.directory import CitedDocument, DailyTokens, TenantDirectory
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.write_ahead import recorded, records_denial
from engageiq_tenancy.auth import requires_tenant_admin
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.retention import (
    UNCHANGED,
    InvalidRetention,
    RetentionPolicy,
    validate_retention,
)
from engageiq_tenancy.tenants import (
    Branding,
    InvalidBranding,
    TenantRecord,
    clean_name,
    validate_branding,
)
from engageiq_tenancy.usage_keys import current_month


class TenantView(msgspec.Struct, rename="camel"):
    tenant_id: str
    name: str
    plan: str
    status: str
    branding: Branding
    retention: RetentionPolicy
    """How long conversations are kept and deleted files stay recoverable (decision 0122)."""


class RetentionPatch(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    conversations_days: int | msgspec.UnsetType | None = msgspec.UNSET
    """30, 90 or 365; null: kept for ever. Omitted: unchanged."""
    deleted_files_days: int | msgspec.UnsetType | None = msgspec.UNSET
    """7, 30 or 90 (the default); null is refused (the bucket keeps deleted files 90 days at
    most, for every tenant). Omitted: unchanged."""


class BrandingPatch(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    display_name: str | msgspec.UnsetType = msgspec.UNSET
    primary_color: str | msgspec.UnsetType = msgspec.UNSET
    logo_url: str | msgspec.UnsetType | None = msgspec.UNSET
    retention: RetentionPatch | msgspec.UnsetType = msgspec.UNSET
    """Tenant admins' retention settings (decision 0122); omitted fields keep their value."""


class UsageView(msgspec.Struct, rename="camel"):
    month: str
    """YYYY-MM (UTC): the period of every figure below."""
    requests: int
    input_tokens: int
    output_tokens: int
    tokens: int
    monthly_token_budget: int
    remaining_tokens: int
    daily: list[DailyTokens]
    """The month's days that had usage, oldest first (days without usage are left out); read
    with the month's counters in one read, in the same unit: their tokens add up to `tokens`."""
    top_documents: list[CitedDocument]
    """The month's most cited files, most first (at most 10)."""


def _view(record: TenantRecord) -> TenantView:
    return TenantView(
        record.tenant_id,
        record.name,
        record.plan,
        record.status,
        record.branding,
        record.retention,
    )


def _retention(record: TenantRecord, patch: RetentionPatch) -> RetentionPolicy:
    """The record's policy with `patch` applied; 400 `invalid_retention` for a value outside
    the allowed set."""
    changes = {k: v for k, v in msgspec.structs.asdict(patch).items() if v is not msgspec.UNSET}
    try:
        validate_retention(
            changes.get("conversations_days", UNCHANGED),
            changes.get("deleted_files_days", UNCHANGED),
        )
    except InvalidRetention as exc:
        raise ApiError.relaying(exc.code, exc.message) from None
    return msgspec.structs.replace(record.retention, **changes)


class TenantController(Controller):
    path = "/api/tenant"
    tags = ("tenant",)
    security = ({"BearerToken": []},)

    @get("/", responses=documented_errors(Errors.TENANT_RECORD_NOT_FOUND))
    async def get_tenant(
        self, tenant: NamedDependency[TenantContext], tenants: NamedDependency[TenantDirectory]
    ) -> TenantView:
        """Your organisation's name, plan, branding and retention settings."""
        return _view(await tenants.record(tenant))

    @patch(
        "/",
        guards=[
            records_denial(AuditAction.TENANT_BRANDING_CHANGED, "tenant"),
            requires_tenant_admin,
        ],
        responses=documented_errors(
            Errors.INVALID_DISPLAY_NAME,
            Errors.INVALID_COLOR,
            Errors.BRAND_COLOUR_LOW_CONTRAST,
            Errors.INVALID_LOGO_URL,
            Errors.INVALID_RETENTION,
            Errors.INVALID_REQUEST,
            Errors.FORBIDDEN.documented(note="you are not a tenant admin"),
            Errors.TENANT_SUSPENDED,
            Errors.TENANT_RECORD_NOT_FOUND,
            Errors.AUDIT_UNAVAILABLE,
        ),
    )
    async def update_branding(
        self,
        request: Request[Any, Any, Any],
        tenant: NamedDependency[TenantContext],
        tenants: NamedDependency[TenantDirectory],
        data: JSONBody[BrandingPatch],
    ) -> TenantView:
        """Change branding or retention (tenant admins only). Omitted fields keep their value.
        A colour the web app could not draw readably (below 3:1 against the light page, WCAG
        2.1 1.4.11) is refused with `brand_colour_low_contrast`, whose message names its
        ratio. `retention`: `conversationsDays` 30, 90, 365 or null (kept for ever),
        `deletedFilesDays` 7, 30 or 90 (the default, never null); anything else is
        `invalid_retention` (decision 0122)."""
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        retention_patch = changes.pop("retention", None)
        try:
            validate_branding(
                changes.get("display_name"), changes.get("primary_color"), changes.get("logo_url")
            )
        except InvalidBranding as exc:
            raise ApiError.relaying(exc.code, exc.message) from None
        if "display_name" in changes:
            changes["display_name"] = clean_name(changes["display_name"])
        record = await tenants.record(tenant)
        retention = record.retention
        if retention_patch is not None:
            retention = _retention(record, retention_patch)
        branding = msgspec.structs.replace(record.branding, **changes)
        target = AuditTarget("tenant", tenant.tenant_id, record.name)
        if changes:
            # The entry names the fields changed, not their values (a logo URL is the tenant's).
            changed = {"fields": ",".join(sorted(changes))}
            async with recorded(request, AuditAction.TENANT_BRANDING_CHANGED, target, changed):
                await tenants.set_branding(tenant, branding)
        if retention != record.retention:
            policy = {
                "conversationsDays": retention.conversations_days,
                "deletedFilesDays": retention.deleted_files_days,
            }
            async with recorded(request, AuditAction.TENANT_RETENTION_CHANGED, target, policy):
                await tenants.set_retention(tenant, retention)
        return _view(msgspec.structs.replace(record, branding=branding, retention=retention))

    @get("/usage", responses=documented_errors(Errors.TENANT_RECORD_NOT_FOUND))
    async def get_usage(
        self,
        tenant: NamedDependency[TenantContext],
        tenants: NamedDependency[TenantDirectory],
        chat: NamedDependency[ChatServices],
    ) -> UsageView:
        """This month's requests and tokens against the monthly budget, its tokens per day, and
        its most cited documents: only those the caller may see (decision 0111: a file an
        audience hides leaves no trace, not even its name). Tenant members may read it; the
        web app shows it to admins."""
        month = current_month()
        record, usage, top, view = await asyncio.gather(
            tenants.record(tenant),
            tenants.month_usage(tenant, month),
            tenants.top_documents(tenant, month),
            chat.knowledge.view(tenant),
        )
        top = [d for d in top if view.may_see_file(tenant, d.file_id)]
        used = usage.input_tokens + usage.output_tokens
        return UsageView(
            month=month,
            requests=usage.requests,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            tokens=used,
            monthly_token_budget=record.monthly_token_budget,
            remaining_tokens=max(0, record.monthly_token_budget - used),
            daily=usage.daily,
            top_documents=top,
        )
