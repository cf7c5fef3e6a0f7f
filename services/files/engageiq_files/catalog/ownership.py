"""Who may change a file: the person who uploaded it, or a tenant admin of its tenant.

Other tenants never get this far (their lookups answer 404 like a missing id). Within the
tenant the file's existence is already known to everyone (it is in the listing), so a refusal
here is an honest 403. The rules of every mutating route are in docs/authorisation.md."""

from __future__ import annotations

from engageiq_files.catalog.records import FileRecord
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError


def may_change(tenant: TenantContext, record: FileRecord) -> bool:
    """True for the uploader and for tenant admins. A record without an uploader (written
    before uploaders were recorded) can only be changed by tenant admins."""
    if tenant.has_role(Role.TENANT_ADMIN):
        return True
    return bool(record.uploaded_by) and record.uploaded_by == tenant.user_id


def require_change_right(tenant: TenantContext, record: FileRecord, action: str) -> None:
    """Raise 403 `forbidden` unless `tenant` may `action` (e.g. "delete") this file."""
    if not may_change(tenant, record):
        raise ApiError(Errors.NOT_YOUR_FILE, name=record.name, action=action)
