"""Opaque paging cursors, bound to the caller they were issued to (both services use these).

A cursor is DynamoDB's LastEvaluatedKey minus everything the server derives from the verified
caller: only sort-key values travel, base64url-encoded JSON, plus `o`, a digest of the tenant
and user the cursor was issued to. On the way back the digest must be the caller's, each value
is checked against the shape the listing produces, and the partition key is rebuilt from the
token. So a cursor of another tenant or user is refused (400 `invalid_cursor`, decision 0028),
and an edited one can only ever point inside the caller's own partition.

The digest is not a signature (decision 0057): anyone can compute it for themselves, which
gains nothing, since the partition never comes from the cursor. It keeps ids out of URLs."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Final

from engageiq_tenancy.context import TenantContext

MAX_CURSOR_CHARS: Final = 512
_OWNER: Final = "o"


class InvalidCursor(ValueError):
    """A cursor not issued to this caller by this listing, or edited. The services answer it
    with 400 `invalid_cursor` (engageiq_tenancy.errors maps it; Errors.INVALID_CURSOR)."""


def _owner(caller: TenantContext) -> str:
    digest = hashlib.sha256(f"{caller.tenant_id}\x00{caller.user_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def encode_cursor(caller: TenantContext, fields: Mapping[str, str]) -> str:
    """A cursor for `caller` carrying `fields` (sort-key values; never a partition key)."""
    payload = {**fields, _OWNER: _owner(caller)}
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(
    caller: TenantContext, cursor: str, checks: Mapping[str, Callable[[str], bool]]
) -> dict[str, str]:
    """The cursor's fields if it was issued to `caller`, has exactly the fields of `checks`
    and each passes its check; raises InvalidCursor (400) otherwise."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor()
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidCursor() from None
    if not isinstance(data, dict) or data.pop(_OWNER, None) != _owner(caller):
        raise InvalidCursor()
    if set(data) != set(checks):
        raise InvalidCursor()
    for name, check in checks.items():
        value = data[name]
        if not isinstance(value, str) or not check(value):
            raise InvalidCursor()
    return data
