"""`GET /api/tenant/audit` (newest first, filtered, cursor-paged) and
`GET /api/tenant/audit/export` (JSON Lines, oldest first): tenant admins read their own
tenant's audit log (decision 0118). The tenant is the token's; members get 403 `forbidden`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Final

import anyio
import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Stream

from engageiq_tenancy.audit import (
    AuditAction,
    AuditEntryView,
    AuditQuery,
    AuditTarget,
    entry_view,
)
from engageiq_tenancy.audit.requests import audit_trail_of, record_audit
from engageiq_tenancy.auth import requires_tenant_admin
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.cursors import decode_cursor, encode_cursor
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER

_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
# ASCII only: str.isdigit also takes "²" (which int() refuses: a 500) and other scripts' digits.
_SEQ: Final = re.compile(r"[1-9][0-9]{0,11}")
_ACTIONS: Final = frozenset(a.value for a in AuditAction)
EXPORT_BATCH: Final = 200
"""Entries per chunk of the export stream (one Query page's worth)."""
MAX_ACTOR_CHARS: Final = 320
"""The longest email address (RFC 3696 with its erratum), and more than any ARN we write."""

_ERRORS: Final = (
    Errors.INVALID_AUDIT_FILTER,
    Errors.INVALID_REQUEST,
    Errors.FORBIDDEN.documented(note="you are not a tenant admin"),
    Errors.AUDIT_UNAVAILABLE.documented(doc="the audit log could not be read"),
)


class AuditLogPage(msgspec.Struct, rename="camel"):
    entries: list[AuditEntryView]
    """Newest first."""
    next_cursor: str | None
    """Pass as `cursor` for older entries; null when there are none. A page can be shorter
    than `limit` and still have one: a request reads at most 2,000 entries."""


def _day(name: str, value: str | None) -> date | None:
    if value is None or value == "":
        return None
    try:
        if not _DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            Errors.INVALID_AUDIT_FILTER,
            reason=f"`{name}` must be a date like 2026-12-06 (YYYY-MM-DD, UTC), not '{value}'.",
        ) from None


def audit_query(
    actor: str | None, action: str | None, since: str | None, until: str | None
) -> AuditQuery:
    """The filters of a request; ApiError `invalid_audit_filter` with a sentence if malformed."""
    if actor is not None and len(actor.strip()) > MAX_ACTOR_CHARS:
        raise ApiError(
            Errors.INVALID_AUDIT_FILTER,
            reason=f"`actor` is at most {MAX_ACTOR_CHARS} characters: a user id or an email.",
        )
    if action and action not in _ACTIONS:
        raise ApiError(
            Errors.INVALID_AUDIT_FILTER,
            reason=f"'{action[:64]}' is not an audited action; docs/audit.md lists them.",
        )
    first, last = _day("since", since), _day("until", until)
    if first is not None and last is not None and first > last:
        raise ApiError(Errors.INVALID_AUDIT_FILTER, reason="`since` is after `until`.")
    wanted = (actor or "").strip() or None
    return AuditQuery(actor=wanted, action=action or None, since=first, until=last)


def _before(tenant: TenantContext, cursor: str | None) -> int | None:
    if not cursor:
        return None
    fields = decode_cursor(tenant, cursor, {"b": lambda v: _SEQ.fullmatch(v) is not None})
    return int(fields["b"])


@get(
    "/api/tenant/audit",
    guards=[requires_tenant_admin],
    security=[BEARER],
    tags=["tenant"],
    responses=documented_errors(Errors.INVALID_CURSOR, *_ERRORS),
)
async def list_audit_entries(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    actor: Annotated[
        str | None, QueryParameter(description="A user id or email, an operator ARN.")
    ] = None,
    action: Annotated[str | None, QueryParameter(description="e.g. `file.deleted`.")] = None,
    since: Annotated[str | None, QueryParameter(description="YYYY-MM-DD (UTC), included.")] = None,
    until: Annotated[str | None, QueryParameter(description="YYYY-MM-DD (UTC), included.")] = None,
    cursor: Annotated[str | None, QueryParameter(max_length=512)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
) -> AuditLogPage:
    """Your organisation's audit log, newest first (tenant admins only): who did what, to
    what, when, from where, and how it ended. Entries are kept 400 days."""
    query = audit_query(actor, action, since, until)
    before = _before(tenant, cursor)
    trail = audit_trail_of(request.app)
    page = await anyio.to_thread.run_sync(
        lambda: trail.page(tenant.tenant_id, query, before=before, limit=limit)
    )
    return AuditLogPage(
        entries=[entry_view(e) for e in page.entries],
        next_cursor=(
            encode_cursor(tenant, {"b": str(page.next_before)})
            if page.next_before is not None
            else None
        ),
    )


@get(
    "/api/tenant/audit/export",
    guards=[requires_tenant_admin],
    security=[BEARER],
    tags=["tenant"],
    media_type="application/jsonl",
    responses=documented_errors(*_ERRORS),
)
async def export_audit_entries(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    since: Annotated[str | None, QueryParameter(description="YYYY-MM-DD (UTC), included.")] = None,
    until: Annotated[str | None, QueryParameter(description="YYYY-MM-DD (UTC), included.")] = None,
) -> Stream:
    """Your organisation's audit log as JSON Lines (one entry per line, oldest first, with
    `hash` and `prevHash` to check the chain), to download. The export is itself recorded
    (`audit.exported`) before it starts."""
    query = audit_query(None, None, since, until)
    trail = audit_trail_of(request.app)
    await record_audit(
        request,
        AuditAction.AUDIT_EXPORTED,
        AuditTarget("audit_log", tenant.tenant_id),
        detail={"since": since or None, "until": until or None},
    )
    encoder = msgspec.json.Encoder()

    def lines() -> Iterator[bytes]:
        # A sync generator: Litestar runs each step in a worker thread (boto3 blocks); a step
        # sends a batch of lines, not one, so a long log is not a thread hop per entry.
        batch = bytearray()
        for count, entry in enumerate(trail.export(tenant.tenant_id, query), start=1):
            batch += encoder.encode(entry_view(entry)) + b"\n"
            if count % EXPORT_BATCH == 0:
                yield bytes(batch)
                batch.clear()
        if batch:
            yield bytes(batch)

    return Stream(
        lines(),
        media_type="application/jsonl",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{tenant.tenant_id}.jsonl"',
            "Cache-Control": "no-store",
        },
    )
