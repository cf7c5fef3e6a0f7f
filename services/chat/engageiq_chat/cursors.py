"""Opaque paging cursors.

A cursor is DynamoDB's LastEvaluatedKey minus everything the server derives from the verified
caller: only sort-key values travel, base64url-encoded JSON. On the way back each value is
checked against the shape this listing produces, and the partition key is rebuilt from the
token, so a cursor - edited, or taken from another tenant or user - can only ever point
inside the caller's own partition."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping

from engageiq_tenancy.errors import ApiError

MAX_CURSOR_CHARS = 512


class InvalidCursor(ApiError):
    def __init__(self) -> None:
        super().__init__(400, "invalid_cursor", "The cursor is not one this listing handed out.")


def encode_cursor(fields: Mapping[str, str]) -> str:
    raw = json.dumps(dict(fields), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, checks: Mapping[str, Callable[[str], bool]]) -> dict[str, str]:
    """The cursor's fields if it has exactly the fields of `checks` and each passes its check."""
    if len(cursor) > MAX_CURSOR_CHARS:
        raise InvalidCursor()
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise InvalidCursor() from None
    if not isinstance(data, dict) or set(data) != set(checks):
        raise InvalidCursor()
    for name, check in checks.items():
        value = data[name]
        if not isinstance(value, str) or not check(value):
            raise InvalidCursor()
    return data
