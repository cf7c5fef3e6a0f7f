"""`record_audit`: one audit entry from a Litestar handler of either service (decision 0118).

The actor is the request's verified `TenantContext` (user id and email), the tenant its tenant;
the request id is the one in the response's `X-Request-Id`; the source IP is what the edge
reports (`source_ip`), the user agent the request's, cut to 512 characters.

Which address is the caller's (decision 0118): `X-Forwarded-For` is a list every hop appends
to, and its leftmost part is whatever the client sent, so it is never read from the left.
- Cloud: the services answer only CloudFront (the origin guard), and CloudFront sets
  `CloudFront-Viewer-Address` (`ip:port`, the address that connected to it) itself, replacing
  any such header from the viewer; the managed origin request policy AllViewerExceptHostHeader
  forwards it. It is taken, and nothing else: without it the address is left empty rather than
  guessed from a hop count in `X-Forwarded-For` that App Runner's own proxy may change.
- Local: the edge (`engageiq.local.edge`) adds its own `X-Forwarded-For` line after the
  client's, with the peer it saw: the last value of the last line. A request straight to a
  service (tests) has none: the connection's peer address."""

from __future__ import annotations

import ipaddress
from typing import Any, Final

import anyio
from litestar import Litestar, Request
from litestar.types import Scope

from engageiq_tenancy.audit.actions import AuditAction, AuditOutcome
from engageiq_tenancy.audit.entries import (
    MAX_TEXT_CHARS,
    AuditActor,
    AuditSource,
    AuditTarget,
    Detail,
)
from engageiq_tenancy.audit.trail import AuditTrail, AuditUnavailable
from engageiq_tenancy.auth import provide_tenant
from engageiq_tenancy.requests import request_id_of

AUDIT_STATE_KEY: Final = "engageiq_audit"
"""Where `TenancyPlugin` leaves the service's `AuditTrail` in the app's state."""
VIEWER_ADDRESS_HEADER: Final = b"cloudfront-viewer-address"
FORWARDED_FOR_HEADER: Final = b"x-forwarded-for"


def audit_trail_of(app: Litestar) -> AuditTrail:
    """The service's trail (`TenancyPlugin` puts it in the app's state). AuditUnavailable if
    the app has none: an audited action must not go ahead unrecorded."""
    trail = app.state.get(AUDIT_STATE_KEY)
    if not isinstance(trail, AuditTrail):
        raise AuditUnavailable("no audit trail in this app")
    return trail


def _address(text: str) -> str:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return ""


def source_ip(scope: Scope, *, behind_cloudfront: bool) -> str:
    """The caller's IP address as the edge reports it, or "" when it cannot be trusted."""
    headers: list[tuple[bytes, bytes]] = list(scope.get("headers", []))
    if behind_cloudfront:
        for name, value in headers:
            if name.lower() == VIEWER_ADDRESS_HEADER:
                host, _, port = value.decode("latin-1").rpartition(":")
                return _address(host if port.isdigit() else value.decode("latin-1"))
        return ""
    forwarded = [v for k, v in headers if k.lower() == FORWARDED_FOR_HEADER]
    if forwarded:
        return _address(forwarded[-1].decode("latin-1").split(",")[-1])
    client = scope.get("client")
    return _address(str(client[0])) if client else ""


def request_source(request: Request[Any, Any, Any]) -> AuditSource:
    """Request id, source IP and user agent of `request`."""
    settings = request.app.state.get("settings")
    behind_cloudfront = settings is not None and not settings.is_local
    return AuditSource(
        request_id=request_id_of(request.scope),
        source_ip=source_ip(request.scope, behind_cloudfront=behind_cloudfront),
        user_agent=request.headers.get("user-agent", "")[:MAX_TEXT_CHARS],
    )


async def record_audit(
    request: Request[Any, Any, Any],
    action: AuditAction,
    target: AuditTarget,
    outcome: AuditOutcome = AuditOutcome.SUCCEEDED,
    detail: Detail | None = None,
) -> dict[str, Any]:
    """Append one entry for the verified caller of `request` to their tenant's chain; the entry
    as stored. `detail` is a small flat mapping of str -> str | int | bool | None (never
    secrets, never message text). Raises AuditUnavailable (503 `audit_unavailable`) when the
    entry cannot be written."""
    tenant = provide_tenant(request.scope)
    trail = audit_trail_of(request.app)
    source = request_source(request)

    def write() -> dict[str, Any]:
        return trail.record(
            tenant.tenant_id,
            AuditActor.user(tenant.user_id, tenant.username),
            action,
            target,
            outcome,
            detail,
            source,
        )

    return await anyio.to_thread.run_sync(write)
