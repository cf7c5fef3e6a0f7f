"""`OperatorAudit`: the operator CLI's actions in the tenant's audit log, written before their
effect (decision 0119), the operator named by the AWS caller identity's ARN.

    with OperatorAudit(target).recorded(slug, AuditAction.TENANT_SUSPENDED, tenant_target(slug)):
        ...  # the effect

If the entry cannot be written the command fails with `audit_unavailable` (exit 1) before it
changes anything; if the effect fails, a `failed` entry follows (best effort)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Final

import structlog

from engageiq.provisioning.targets import Target
from engageiq_tenancy.audit import (
    AuditAction,
    AuditActor,
    AuditOutcome,
    AuditTarget,
    AuditTrail,
    AuditUnavailable,
)
from engageiq_tenancy.audit.write_ahead import error_code
from engageiq_tenancy.operation_errors import ProvisioningError

log = structlog.get_logger(__name__)

Detail = Mapping[str, str | int | bool | None]
AUDIT_UNAVAILABLE: Final = "audit_unavailable"


def tenant_target(slug: str, name: str = "") -> AuditTarget:
    """The tenant itself as an entry's target."""
    return AuditTarget("tenant", slug, name)


def user_target(email: str, user_id: str = "") -> AuditTarget:
    """A user as the CLI names them: by email (the id, when known, in `id`)."""
    return AuditTarget("user", user_id or email, email)


class OperatorAudit:
    def __init__(self, target: Target) -> None:
        self._target = target
        self._trail: AuditTrail | None = None
        self._operator: str | None = None

    @property
    def trail(self) -> AuditTrail:
        if self._trail is None:
            self._trail = AuditTrail(self._target.client("dynamodb"), self._target.tables["audit"])
        return self._trail

    def operator(self) -> str:
        """The caller identity's ARN (e.g. `arn:aws:sts::123456789012:assumed-role/Ops/ana`):
        who the entry names, from the credentials the command runs with, never an option."""
        if self._operator is None:
            arn = self._target.client("sts").get_caller_identity()["Arn"]
            self._operator = str(arn)
        return self._operator

    def record(
        self,
        slug: str,
        action: AuditAction,
        target: AuditTarget,
        outcome: AuditOutcome,
        detail: Detail | None = None,
    ) -> None:
        """One entry; raises `ProvisioningError("audit_unavailable")` if it cannot be written."""
        try:
            self.trail.record(
                slug,
                AuditActor.operator(self.operator()),
                action,
                target,
                outcome,
                dict(detail or {}),
            )
        except AuditUnavailable as exc:
            raise ProvisioningError(
                AUDIT_UNAVAILABLE,
                f"The audit log could not be written ({exc}); nothing was changed. Try again "
                "when the platform's tables answer.",
            ) from exc

    def failed(self, slug: str, action: AuditAction, target: AuditTarget, error: str) -> None:
        """A `failed` entry after the effect went wrong without raising (best effort)."""
        try:
            self.record(slug, action, target, AuditOutcome.FAILED, {"error": error})
        except ProvisioningError:
            log.warning("audit_failure_unrecorded", action=action.value)

    @contextmanager
    def recorded(
        self, slug: str, action: AuditAction, target: AuditTarget, detail: Detail | None = None
    ) -> Iterator[None]:
        """`succeeded` before the body (the effect), `failed` after it if the body raises."""
        self.record(slug, action, target, AuditOutcome.SUCCEEDED, detail)
        try:
            yield
        except BaseException as exc:
            code = exc.code if isinstance(exc, ProvisioningError) else error_code(exc)
            self.failed(slug, action, target, code)
            raise
