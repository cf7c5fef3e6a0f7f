"""Key builders for tenant data. Each takes the verified `TenantContext`, never a bare tenant
id, so a key can only ever name the caller's own tenant.

DynamoDB partition keys start with "<tenant_id>#", which the tenant role's IAM condition
(`dynamodb:LeadingKeys` like "${aws:PrincipalTag/tenant_id}#*") enforces a second time. S3 keys
live under "tenants/<tenant_id>/", which the role's S3 resource pattern enforces likewise."""

from __future__ import annotations

import re
from typing import Final

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.resources import TENANT_OBJECT_PREFIX
from engageiq_tenancy.tenant_ids import KEY_DELIMITER, OBJECT_ID_PATTERN

FILES_ENTITY: Final = "FILES"
"""The tenant's files partition in the files table ("<tenant>#FILES"): the files catalog's
records and the search index's pointer (`engageiq_search.index_store`) share it."""
FILE_TAG: Final = "FILE"
"""Sort key tag of a file's record in the files partition (`FILE#<fileId>`): the files catalog
writes them; the chat service and the operator CLI read them (content issues and health)."""


class InvalidObjectId(ValueError):
    """An id from a request that cannot be part of a key; treat it as 'not found'."""


def object_id(value: str) -> str:
    """Validate an id taken from a request before it becomes part of a key."""
    if OBJECT_ID_PATTERN.fullmatch(value) is None:
        raise InvalidObjectId(f"not a valid id: {value!r}")
    return value


def _join(*parts: str) -> str:
    return KEY_DELIMITER.join(parts)


def tenant_partition(tenant: TenantContext, entity: str) -> str:
    """A partition shared by the whole tenant, e.g. its files: "<tenant>#FILES"."""
    return _join(tenant.tenant_id, entity)


def user_partition(tenant: TenantContext, entity: str) -> str:
    """A partition private to the caller, e.g. their conversations: "<tenant>#USER#<user>"."""
    return _join(tenant.tenant_id, entity, tenant.user_id)


def sort_key(*parts: str) -> str:
    """A sort key from an entity tag and ids, each validated."""
    head, *ids = parts
    return _join(head, *(object_id(i) for i in ids))


IDEMPOTENCY_ENTITY: Final = "IDEM"
"""The sort key tag of a remembered `Idempotency-Key` in the caller's own partition."""
IDEMPOTENCY_KEY_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{8,128}")
"""What a client may send as an `Idempotency-Key` (a UUID, or any such token of its own)."""


class InvalidIdempotencyKey(ValueError):
    """An `Idempotency-Key` header that cannot be part of a key."""


def idempotency_sort_key(key: str) -> str:
    """ "IDEM#<key>": one remembered request of the caller, kept in their user partition
    (`user_partition`), so one user's key never meets another user's or tenant's."""
    if IDEMPOTENCY_KEY_PATTERN.fullmatch(key) is None:
        raise InvalidIdempotencyKey("not a valid idempotency key")
    return _join(IDEMPOTENCY_ENTITY, key)


def s3_tenant_prefix(tenant: TenantContext) -> str:
    """ "tenants/<tenant_id>/": everything of a tenant in the uploads bucket is below it."""
    return f"{TENANT_OBJECT_PREFIX}{tenant.tenant_id}/"


def s3_key(tenant: TenantContext, area: str, *ids: str) -> str:
    """An object key below the tenant's prefix; ids are validated, so no "../" or "/"."""
    if OBJECT_ID_PATTERN.fullmatch(area) is None:
        raise InvalidObjectId(f"not a valid area: {area!r}")
    return s3_tenant_prefix(tenant) + "/".join([area, *(object_id(i) for i in ids)])
