"""A tenant's retention policy (decision 0122): how long conversations are kept and how long
deleted files stay recoverable. Stored on the tenant record (`TenantRecord.retention`); the
tenant admin API and the operator CLI check values with the one rule here, and the retention
sweep (`engageiq_chat.retention`) applies it as of a moment.

- `conversationsDays`: a conversation whose last activity (`updatedAt`) is older than this is
  deleted completely. null: kept for ever (the default).
- `deletedFilesDays`: a deleted file's stored bytes (the document's and its chunks'
  noncurrent S3 versions, which an operator can bring back) are purged this long after the
  delete. null: the platform's own bound, the uploads bucket's lifecycle rule for noncurrent
  versions (`DELETED_FILES_PLATFORM_DAYS`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

import msgspec

from engageiq_tenancy.error_codes import Errors

CONVERSATION_DAYS: Final = (30, 90, 365)
DELETED_FILES_DAYS: Final = (7, 30, 90)
DELETED_FILES_PLATFORM_DAYS: Final = 90
"""How long the uploads bucket keeps noncurrent versions whatever a tenant chose (its lifecycle
rule: `engageiq_infra.data.NONCURRENT_VERSION_DAYS` is this): the longest
window a tenant may choose, and what null means."""


class RetentionPolicy(msgspec.Struct, rename="camel", kw_only=True):
    conversations_days: int | None = None
    """30, 90 or 365: conversations idle longer are deleted; null: kept for ever."""
    deleted_files_days: int | None = None
    """7, 30 or 90: deleted files stay recoverable this long; null: the platform's 90 days."""

    @property
    def empty(self) -> bool:
        """Nothing to apply: both windows are the defaults."""
        return self.conversations_days is None and self.deleted_files_days is None


class InvalidRetention(ValueError):
    """A value outside the allowed set; `code` and `message` as the API and the CLI show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = Errors.INVALID_RETENTION.code
        self.message = message


def _check(field: str, value: object, allowed: tuple[int, ...], unset: str) -> None:
    # bool is an int to Python; `true` is not a number of days.
    if value is None or (type(value) is int and value in allowed):
        return
    listed = ", ".join(str(v) for v in allowed[:-1]) + f" or {allowed[-1]}"
    raise InvalidRetention(
        Errors.INVALID_RETENTION.sentence(field=field, allowed=listed, unset=unset)
    )


def validate_retention(
    conversations_days: object = None, deleted_files_days: object = None
) -> None:
    """Raises InvalidRetention naming the field and its allowed values."""
    _check("conversationsDays", conversations_days, CONVERSATION_DAYS, "kept for ever")
    _check(
        "deletedFilesDays",
        deleted_files_days,
        DELETED_FILES_DAYS,
        f"the platform's {DELETED_FILES_PLATFORM_DAYS} days",
    )


def cutoff(as_of: datetime, days: int) -> datetime:
    """The moment before which data falls outside a window of `days` ending at `as_of`."""
    return as_of.astimezone(UTC) - timedelta(days=days)


def timestamp(moment: datetime) -> str:
    """The conversations' fixed-width `updatedAt` form, so cut-offs compare as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
