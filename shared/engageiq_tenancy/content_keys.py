"""The key layout of a tenant's content loop (decision 0111) in the usage table, shared by its
writer (the chat service: signals after each turn, content issues from feedback) and its
readers (`GET /api/tenant/content-health`, `GET /api/content-issues` and the operator CLI's
`engageiq tenants content-health`).

  pk=<tenant>#CONTENT  sk=FILE#<fileId>                   one cited file: citations,
                       lastCitedAt, staleCitations, lastStaleCitedAt (cited while stale),
                       thumbsDown (answers citing it rated down now), title
  pk=<tenant>#CONTENT  sk=UNANSWERED#<yyyy-mm>#<digest>   a question the content could not
                       answer, grouped by its normalised text within a month: question (as
                       last asked), count, lastAskedAt
  pk=<tenant>#CONTENT  sk=ISSUE#<messageId>               a content issue: one per rated
                       answer, so rating it again updates the issue (never a second one)

Tenant-wide, not in a user's partition: the content's owners and the tenant's admins read what
any member's turns and ratings recorded. The usage table already holds the tenant's other
counters (`usage_keys`); it has no TTL and no per-user layout. Months are UTC; each group of
items is one Query on the partition with a sort key prefix, never a Scan."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Final

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import object_id, tenant_partition
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

CONTENT_ENTITY: Final = "CONTENT"
FILE_SIGNAL_TAG: Final = "FILE"
UNANSWERED_TAG: Final = "UNANSWERED"
ISSUE_TAG: Final = "ISSUE"
MAX_QUESTION_CHARS: Final = 300
"""How much of an unanswered question is kept to show (the grouping uses the whole text)."""


def content_partition(tenant: TenantContext) -> str:
    """`<tenant>#CONTENT`."""
    return tenant_partition(tenant, CONTENT_ENTITY)


def file_signal_key(tenant: TenantContext, file_id: str) -> dict[str, str]:
    """One cited file's counters; raises InvalidObjectId for a malformed file id."""
    return {
        "pk": content_partition(tenant),
        "sk": f"{FILE_SIGNAL_TAG}{KEY_DELIMITER}{object_id(file_id)}",
    }


def issue_key(tenant: TenantContext, issue_id: str) -> dict[str, str]:
    """A content issue; raises InvalidObjectId for a malformed id (answer: not found)."""
    return {
        "pk": content_partition(tenant),
        "sk": f"{ISSUE_TAG}{KEY_DELIMITER}{object_id(issue_id)}",
    }


def issue_prefix() -> str:
    return f"{ISSUE_TAG}{KEY_DELIMITER}"


def normalised_question(text: str) -> str:
    """The grouping form of a question: compatibility-normalised, case folded, punctuation,
    symbols and controls made spaces, whitespace runs one space ("What is the PRICE?!" and
    "what is  the price" are both "what is the price"). "" when nothing is left."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    spaced = "".join(" " if unicodedata.category(c)[0] in "PSZC" else c for c in folded)
    return " ".join(spaced.split())


def question_digest(normalised: str) -> str:
    """A fixed-width key part for a normalised question (any length, any script)."""
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:32]


def unanswered_key(tenant: TenantContext, month: str, normalised: str) -> dict[str, str]:
    """The month's group of a normalised question (`normalised_question`)."""
    return {
        "pk": content_partition(tenant),
        "sk": KEY_DELIMITER.join((UNANSWERED_TAG, month, question_digest(normalised))),
    }


def unanswered_prefix(month: str) -> str:
    """Sort key prefix of one month's unanswered questions."""
    return f"{UNANSWERED_TAG}{KEY_DELIMITER}{month}{KEY_DELIMITER}"


def stamp(moment: datetime) -> str:
    """The one timestamp form of the content loop's items (fixed-width UTC, so times compare
    as strings): `2026-12-06T05:10:00.000000Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def months_since(start: datetime, end: datetime) -> list[str]:
    """Every `yyyy-mm` from `start`'s month to `end`'s, oldest first (UTC)."""
    year, month = start.astimezone(UTC).year, start.astimezone(UTC).month
    last = end.astimezone(UTC).strftime("%Y-%m")
    months: list[str] = []
    while True:
        current = f"{year:04d}-{month:02d}"
        months.append(current)
        if current >= last:
            return months
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def window_months(now: datetime, days: int) -> list[str]:
    """The months the last `days` days touch (at most `days // 28 + 2`)."""
    return months_since(now - timedelta(days=days), now)
