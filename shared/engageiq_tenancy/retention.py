"""A tenant's retention policy (decision 0122): how long conversations are kept and how long
deleted files stay recoverable. Stored on the tenant record (`TenantRecord.retention`); the
tenant admin API and the operator CLI check values with the one rule here, and the retention
sweep (`engageiq_chat.retention`) applies it as of a moment.

- `conversationsDays`: a conversation whose last activity (`updatedAt`) is older than this is
  deleted completely: 30, 90 or 365; null: kept for ever (the default).
- `deletedFilesDays`: a deleted file's stored bytes (the document's and its chunks'
  noncurrent S3 versions, which an operator can bring back) are purged this long after the
  delete: 7, 30 or 90 (the default). Never null: the uploads bucket's lifecycle rule for
  noncurrent versions (`DELETED_FILES_PLATFORM_DAYS`) is platform-wide, so no tenant keeps
  deleted files longer, and "for ever" would promise what the bucket does not keep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec

from engageiq_tenancy.error_codes import Errors

CONVERSATION_DAYS: Final = (30, 90, 365)
DELETED_FILES_DAYS: Final = (7, 30, 90)
DELETED_FILES_PLATFORM_DAYS: Final = 90
"""How long the uploads bucket keeps noncurrent versions whatever a tenant chose (its lifecycle
rule: `engageiq_infra.data.NONCURRENT_VERSION_DAYS` is this): the longest window a tenant may
choose, and the default."""
POLICIES_PARTITION: Final = "RETENTION#POLICIES"
"""Tenants table: one item per tenant whose policy is not the default (`policy_key`), so the
periodic sweep finds the tenants it has work for with one Query and the others cost nothing."""


class RetentionPolicy(msgspec.Struct, rename="camel", kw_only=True):
    conversations_days: int | None = None
    """30, 90 or 365: conversations idle longer are deleted; null: kept for ever."""
    deleted_files_days: int = DELETED_FILES_PLATFORM_DAYS
    """7, 30 or 90 (the default): deleted files stay recoverable this long."""

    @property
    def empty(self) -> bool:
        """Nothing to apply beyond what the platform does anyway: both windows are the
        defaults (conversations kept for ever, deleted files left to the bucket's 90 days)."""
        return (
            self.conversations_days is None
            and self.deleted_files_days == DELETED_FILES_PLATFORM_DAYS
        )


def policy_from_item(value: Any) -> RetentionPolicy:
    """The policy from its stored map. A `deletedFilesDays` stored as null (before null was
    refused) reads as the default, so an old record never fails to load."""
    data = dict(value) if isinstance(value, dict) else {}
    if data.get("deletedFilesDays") is None:
        data.pop("deletedFilesDays", None)
    return msgspec.convert(data, RetentionPolicy, strict=False)


class InvalidRetention(ValueError):
    """A value outside the allowed set; `code` and `message` as the API and the CLI show them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = Errors.INVALID_RETENTION.code
        self.message = message


UNCHANGED: Final[Any] = object()
"""`validate_retention`'s default: the field is not being changed."""


def _check(field: str, value: object, allowed: tuple[int, ...], *, null: str | None) -> None:
    """`null`: what null means for the field, or None when null is refused."""
    # bool is an int to Python; `true` is not a number of days.
    if (value is None and null is not None) or (type(value) is int and value in allowed):
        return
    listed = ", ".join(str(v) for v in allowed[:-1]) + f" or {allowed[-1]} days"
    if null is not None:
        listed += f", or null ({null})"
    raise InvalidRetention(Errors.INVALID_RETENTION.sentence(field=field, allowed=listed))


def validate_retention(
    conversations_days: object = UNCHANGED, deleted_files_days: object = UNCHANGED
) -> None:
    """Raises InvalidRetention naming the field and its allowed values: `conversationsDays`
    30, 90, 365 or null (kept for ever); `deletedFilesDays` 7, 30 or 90, never null."""
    if conversations_days is not UNCHANGED:
        _check("conversationsDays", conversations_days, CONVERSATION_DAYS, null="kept for ever")
    if deleted_files_days is not UNCHANGED:
        _check("deletedFilesDays", deleted_files_days, DELETED_FILES_DAYS, null=None)


def policy_key(tenant_id: str) -> dict[str, str]:
    """The tenants table's item saying `tenant_id` has a policy to apply:
    `{"pk": "RETENTION#POLICIES", "sk": "TENANT#<id>"}`."""
    return {"pk": POLICIES_PARTITION, "sk": f"TENANT#{tenant_id}"}


def cutoff(as_of: datetime, days: int) -> datetime:
    """The moment before which data falls outside a window of `days` ending at `as_of`."""
    return as_of.astimezone(UTC) - timedelta(days=days)


def timestamp(moment: datetime) -> str:
    """The conversations' fixed-width `updatedAt` form, so cut-offs compare as strings."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
