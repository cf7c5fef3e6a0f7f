"""The tenant's tamper-evident audit log (decision 0118): who did what, when, from where.

- `AuditAction`, `AuditOutcome`: what was done and how it ended (the one list of actions).
- `AuditTarget`, `AuditActor`, `AuditSource`: what it was done to, by whom, from where.
- `AuditTrail`: appends to a tenant's hash chain (sync boto3), pages, exports and verifies it.
- `AuditUnavailable`: the entry could not be written (503 `audit_unavailable`).
- In a Litestar handler: `engageiq_tenancy.audit.requests.record_audit`."""

from engageiq_tenancy.audit.actions import AuditAction, AuditOutcome
from engageiq_tenancy.audit.chain import ChainReport, check_chain
from engageiq_tenancy.audit.entries import (
    AuditActor,
    AuditEntryView,
    AuditSource,
    AuditTarget,
    entry_view,
)
from engageiq_tenancy.audit.trail import AuditPage, AuditQuery, AuditTrail, AuditUnavailable

__all__ = [
    "AuditAction",
    "AuditActor",
    "AuditEntryView",
    "AuditOutcome",
    "AuditPage",
    "AuditQuery",
    "AuditSource",
    "AuditTarget",
    "AuditTrail",
    "AuditUnavailable",
    "ChainReport",
    "check_chain",
    "entry_view",
]
