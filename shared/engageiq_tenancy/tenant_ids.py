"""The one format for tenant ids, and the key delimiter they may never contain."""

from __future__ import annotations

import re
from typing import Final

KEY_DELIMITER: Final = "#"

# A tenant id is a DNS-label-like slug: it appears in DynamoDB keys, S3 prefixes, Cognito group
# names, IAM session tags and (later) subdomains, so it uses the characters all of them accept.
TENANT_ID_PATTERN: Final = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")

# Ids of things inside a tenant (conversations, files, users) end up inside keys as well.
OBJECT_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")

# Cognito `sub` values are UUIDs; user ids appear in keys, so they get the same guard.
USER_ID_PATTERN: Final = re.compile(r"[A-Za-z0-9-]{1,64}")


class InvalidTenantId(ValueError):
    """A tenant id that does not match TENANT_ID_PATTERN."""


def validate_tenant_id(value: object) -> str:
    """Return `value` if it is a well-formed tenant id, else raise InvalidTenantId."""
    if not isinstance(value, str) or TENANT_ID_PATTERN.fullmatch(value) is None:
        raise InvalidTenantId(f"not a valid tenant id: {value!r}")
    if "--" in value:
        # Reserved as a separator in derived names (for example Cognito group names).
        raise InvalidTenantId(f"tenant id may not contain '--': {value!r}")
    return value


def is_valid_tenant_id(value: object) -> bool:
    try:
        validate_tenant_id(value)
    except InvalidTenantId:
        return False
    return True
