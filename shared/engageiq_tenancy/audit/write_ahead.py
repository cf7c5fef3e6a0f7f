"""When a handler's audited action is written to the log (decision 0119): before its effect.

    async with recorded(request, AuditAction.FILE_DELETED, AuditTarget("file", fid, name)):
        ...  # the effect

The `succeeded` entry is written once every check has passed and before the first write of
the effect; if it cannot be written, `AuditUnavailable` propagates (503 `audit_unavailable`)
and nothing has changed. If the effect then raises, a `failed` entry follows with the error's
code (best effort: a warning if that one cannot be written either, since the action's own
error is what the caller must see). So an action that happened is always in the log, and one
that failed says so after its first entry.

`denied(...)` records a refused attempt at an admin action (`records_denial(...)` is the
guard that calls it before `requires_tenant_admin`): best effort, never a 503 (the answer is
a refusal anyway), and at most once a minute per person and action per process, so a script
cannot fill the log with refusals."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any, Final

import anyio
import anyio.to_thread
import structlog
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from engageiq_tenancy.audit.actions import AuditAction, AuditOutcome
from engageiq_tenancy.audit.entries import MAX_TEXT_CHARS, AuditActor, AuditSource, AuditTarget
from engageiq_tenancy.audit.requests import audit_trail_of, record_audit, source_ip
from engageiq_tenancy.auth import Guard, tenant_of
from engageiq_tenancy.context import Role
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.requests import request_id_of

log = structlog.get_logger(__name__)

Detail = Mapping[str, str | int | bool | None]
_DENIAL_WINDOW_SECONDS: Final = 60.0
_REMEMBERED_DENIALS: Final = 10_000


def error_code(exc: BaseException) -> str:
    """What a `failed` entry says went wrong: the API's stable code, else the exception's
    type (never its message, which may quote people's text)."""
    if isinstance(exc, ApiError):
        return str(exc.code)
    return type(exc).__name__


@asynccontextmanager
async def recorded(
    request: Request[Any, Any, Any],
    action: AuditAction,
    target: AuditTarget,
    detail: Detail | None = None,
) -> AsyncIterator[None]:
    """Write `action` on `target` as `succeeded` now, run the body (the effect), and add a
    `failed` entry if the body raises. Raises `AuditUnavailable` before the body runs."""
    await record_audit(
        request, action, target, outcome=AuditOutcome.SUCCEEDED, detail=dict(detail or {})
    )
    try:
        yield
    except BaseException as exc:
        # Shielded: a request cancelled mid-effect (the client went away) still says so.
        with anyio.CancelScope(shield=True):
            await _record_failure(request, action, target, detail, exc)
        raise


async def _record_failure(
    request: Request[Any, Any, Any],
    action: AuditAction,
    target: AuditTarget,
    detail: Detail | None,
    exc: BaseException,
) -> None:
    try:
        await record_audit(
            request,
            action,
            target,
            outcome=AuditOutcome.FAILED,
            detail={**(detail or {}), "error": error_code(exc)},
        )
    except Exception as failure:  # the effect's own error is the one to answer with
        log.warning("audit_failure_unrecorded", action=action.value, error=type(failure).__name__)


class DenialThrottle:
    """At most one `denied` entry per (tenant, user, action) per minute in this process."""

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._last: OrderedDict[tuple[str, str, str], float] = OrderedDict()

    def admits(self, tenant_id: str, user_id: str, action: AuditAction) -> bool:
        key = (tenant_id, user_id, action.value)
        now = float(self._clock())
        last = self._last.get(key)
        if last is not None and now - last < _DENIAL_WINDOW_SECONDS:
            return False
        self._last[key] = now
        self._last.move_to_end(key)
        while len(self._last) > _REMEMBERED_DENIALS:
            self._last.popitem(last=False)
        return True


DENIALS: Final = DenialThrottle()


def _source(connection: ASGIConnection[Any, Any, Any, Any]) -> AuditSource:
    settings = connection.app.state.get("settings")
    return AuditSource(
        request_id=request_id_of(connection.scope),
        source_ip=source_ip(
            connection.scope, behind_cloudfront=settings is not None and not settings.is_local
        ),
        user_agent=connection.headers.get("user-agent", "")[:MAX_TEXT_CHARS],
    )


async def denied(
    connection: ASGIConnection[Any, Any, Any, Any],
    action: AuditAction,
    target: AuditTarget,
    detail: Detail | None = None,
) -> None:
    """Record a refused attempt of the connection's caller (best effort: a warning, never a
    503; at most once a minute per person and action in this process)."""
    tenant = tenant_of(connection)
    if not DENIALS.admits(tenant.tenant_id, tenant.user_id, action):
        return
    source = _source(connection)

    def write() -> object:
        return audit_trail_of(connection.app).record(
            tenant.tenant_id,
            AuditActor.user(tenant.user_id, tenant.username),
            action,
            target,
            AuditOutcome.DENIED,
            detail,
            source,
        )

    try:
        await anyio.to_thread.run_sync(write)
    except Exception as exc:  # a refusal is answered as a refusal, logged or not
        log.warning("audit_denial_unrecorded", action=action.value, error=type(exc).__name__)


def records_denial(action: AuditAction, kind: str) -> Guard:
    """A guard placed just before `requires_tenant_admin` on an audited admin action: a caller
    without the role is recorded as `denied` on `kind`, and the next guard refuses them as it
    always did (403 `forbidden`). The id in the path is not recorded: it is unchecked input
    (another tenant's id, say), and the log holds only ids of the tenant's own objects."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not tenant_of(connection).has_role(Role.TENANT_ADMIN):
            await denied(connection, action, AuditTarget(kind, ""))

    guard.__name__ = f"records_denied_{action.name.lower()}"
    return guard
