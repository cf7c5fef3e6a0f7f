"""Who may change a file: its owner (the uploader, unless a tenant admin reassigned it) or a
tenant admin of its tenant. One right for every change (decision 0111): replacing it with a
new version, restoring it, deleting it, completing its direct upload, putting it into
collections and verifying it. Reassigning the owner is the admins' alone.

Other tenants never get this far (their lookups answer 404 like a missing id), nor do callers
the file's audiences hide (`access.find_file`). Within the audience the file's existence is
already known (it is in the listing), so a refusal here is an honest 403. The rules of every
mutating route are in docs/authorisation.md."""

from __future__ import annotations

from engageiq_files.catalog.records import FileRecord
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError


def is_steward(tenant: TenantContext, owner_id: str) -> bool:
    """True for the owner `owner_id` and for tenant admins. An empty owner (a file stored
    before uploaders were recorded, never reassigned) leaves tenant admins only."""
    if tenant.has_role(Role.TENANT_ADMIN):
        return True
    return bool(owner_id) and owner_id == tenant.user_id


def may_change(tenant: TenantContext, record: FileRecord) -> bool:
    """True for the file's owner (`FileRecord.owner_id`) and for tenant admins."""
    return is_steward(tenant, record.owner_id)


def require_change_right(tenant: TenantContext, record: FileRecord, action: str) -> None:
    """Raise 403 `forbidden` (`NOT_FILE_STEWARD`) unless `tenant` may `action` (e.g.
    "delete") this file."""
    if not may_change(tenant, record):
        raise ApiError(Errors.NOT_FILE_STEWARD, name=record.name, action=action)


def still_steward(tenant: TenantContext, record: FileRecord, action: str) -> None:
    """The right checked again on the record a conditional write is about to change (an
    owner reassigned meanwhile is honoured). Only a current version carries the document's
    owner; an older version's right was checked on its current version
    (`access.require_steward`)."""
    if record.superseded_by is None:
        require_change_right(tenant, record, action)
