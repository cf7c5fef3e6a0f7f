"""Operator actions written to the tenant's audit log before their effect (decision 0119),
through `OperatorAudit` (decision 0118: the operator named by the AWS caller identity ARN).

    with recorded(OperatorAudit(target), slug, AuditAction.TENANT_SUSPENDED, tenant_target(slug)):
        ...  # the effect

If the entry cannot be written, `AuditUnavailable` leaves the command (exit 1,
`audit_unavailable`) before it changes anything; if the effect fails, a `failed` entry
follows with its code (best effort: a warning if that one cannot be written either)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from engageiq.provisioning.audit_log import OperatorAudit
from engageiq_tenancy.audit import AuditAction, AuditOutcome, AuditTarget, AuditUnavailable
from engageiq_tenancy.audit.entries import Detail
from engageiq_tenancy.audit.write_ahead import error_code
from engageiq_tenancy.operation_errors import ProvisioningError

log = structlog.get_logger(__name__)


def tenant_target(slug: str, name: str = "") -> AuditTarget:
    """The tenant itself as an entry's target."""
    return AuditTarget("tenant", slug, name)


def user_target(email: str) -> AuditTarget:
    """A user as the CLI names them: by email (an invitation precedes their id)."""
    return AuditTarget("user", email, email)


@contextmanager
def recorded(
    audit: OperatorAudit,
    slug: str,
    action: AuditAction,
    target: AuditTarget,
    detail: Detail | None = None,
) -> Iterator[None]:
    """`succeeded` before the body (the effect), `failed` after it if the body raises."""
    audit.record(slug, action, target, AuditOutcome.SUCCEEDED, detail)
    try:
        yield
    except BaseException as exc:
        code = exc.code if isinstance(exc, ProvisioningError) else error_code(exc)
        try:
            audit.record(
                slug, action, target, AuditOutcome.FAILED, {**(detail or {}), "error": code}
            )
        except AuditUnavailable:
            log.warning("audit_failure_unrecorded", action=action.value)
        raise
