"""The audit log from the operator's side (decision 0118): the trail of a target, and
`OperatorAudit`, which records what an operator does through the CLI with the operator named
by their AWS caller identity (the ARN `aws sts get-caller-identity` prints).

Operators write with their own credentials (not the tenant role): the CLI acts on any tenant
by design. Retention of the entries it writes is `ENGAGEIQ_AUDIT_RETENTION_DAYS` from the
operator's environment, 400 days unless set (the services read the same setting from their
stack's `engageiq:serviceSettings`; set both when changing it)."""

from __future__ import annotations

import os
from typing import Any

from engageiq.provisioning.targets import Target
from engageiq_tenancy.audit import (
    AuditAction,
    AuditActor,
    AuditOutcome,
    AuditSource,
    AuditTarget,
    AuditTrail,
)
from engageiq_tenancy.audit.entries import Detail
from engageiq_tenancy.operation_errors import Conflict
from engageiq_tenancy.requests import new_request_id
from engageiq_tenancy.resources import AUDIT
from engageiq_tenancy.setting_catalog import SharedVariables

CLI_USER_AGENT = "engageiq-cli"


def audit_trail(target: Target) -> AuditTrail:
    """The audit trail of `target`'s audit table, with the operator's credentials."""
    return AuditTrail(
        target.client("dynamodb"),
        target.tables[AUDIT.logical_name],
        retention_days=SharedVariables.AUDIT_RETENTION_DAYS.read(os.environ),
    )


class OperatorAudit:
    """Records operator actions on one target. The caller identity is asked of STS once."""

    def __init__(self, target: Target, trail: AuditTrail | None = None) -> None:
        self.target = target
        self.trail = trail or audit_trail(target)
        self._actor: AuditActor | None = None
        # One id for every entry this command writes, so they can be found together.
        self.request_id = new_request_id()

    def actor(self) -> AuditActor:
        """The operator: `AuditActor.operator(<caller identity ARN>)`."""
        if self._actor is None:
            identity = self.target.client("sts").get_caller_identity()
            self._actor = AuditActor.operator(str(identity["Arn"]))
        return self._actor

    def record(
        self,
        slug: str,
        action: AuditAction,
        audit_target: AuditTarget,
        outcome: AuditOutcome = AuditOutcome.SUCCEEDED,
        detail: Detail | None = None,
    ) -> dict[str, Any]:
        """Append an entry for this operator to `slug`'s chain; the entry as stored. Raises
        AuditUnavailable (code `audit_unavailable`) when it cannot be written."""
        return self.trail.record(
            slug,
            self.actor(),
            action,
            audit_target,
            outcome,
            detail,
            AuditSource(request_id=self.request_id, user_agent=CLI_USER_AGENT),
        )


def record_operator_action(
    target: Target,
    slug: str,
    action: AuditAction,
    audit_target: AuditTarget,
    outcome: AuditOutcome = AuditOutcome.SUCCEEDED,
    detail: Detail | None = None,
) -> dict[str, Any]:
    """One operator action on `slug`, recorded in its audit log with the operator named by
    their AWS caller identity ARN; the entry as stored. For a command that records several,
    keep one `OperatorAudit`. Raises AuditUnavailable if the entry cannot be written."""
    return OperatorAudit(target).record(slug, action, audit_target, outcome, detail)


def refuse_retained_slug(target: Target, slug: str) -> None:
    """Conflict `slug_retained` when `slug` still has an audit log but no tenant: a purged
    tenant's log outlives it (decision 0118), and a new tenant under the same slug would read
    it as its own. An import (`tenants import`) of the same tenant's export may continue it."""
    if audit_trail(target).has_entries(slug):
        raise Conflict(
            "slug_retained",
            f"'{slug}' belonged to a tenant that was purged; its audit log is kept for "
            "400 days after the purge, and a new tenant must not read it. Choose another slug.",
        )
