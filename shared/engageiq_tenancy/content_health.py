"""A tenant's content health (decision 0111): what an enablement manager fixes first. One
computation for the admin API (`GET /api/tenant/content-health`, chat service) and the
operator CLI (`engageiq tenants content-health`), so the two cannot disagree.

It reads, with whatever DynamoDB client the caller is allowed to use for the tenant (the chat
service's tenant-scoped one, or the operator's):
- the files catalog's records (`<tenant>#FILES`, `FILE#<id>`): the current, ready files, their
  names and their freshness (`governance.freshness` of the record's `verifiedAt`/`reviewBy`,
  exactly what `KnowledgeView.freshness_of` answers);
- the content loop's signals (`content_keys`): per-file citations and thumbs-down, and the
  questions the content could not answer in the last 90 days.

Lists are about current content only: a deleted file or a superseded version is left out (its
newest version has its own counters). Every list is bounded (`LIST_LIMIT`)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import msgspec

from engageiq_tenancy.content_keys import (
    FILE_SIGNAL_TAG,
    content_partition,
    stamp,
    unanswered_prefix,
    window_months,
)
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import Freshness, freshness
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.keys import FILE_TAG, FILES_ENTITY, tenant_partition
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

WINDOW_DAYS: Final = 90
"""`neverCited` means no citation in this many days; `unanswered` covers the same window."""
LIST_LIMIT: Final = 20
MAX_PAGES: Final = 20
"""Pages (1 MB each) read per Query: tens of thousands of file records or signals."""


class StaleCited(msgspec.Struct, rename="camel", kw_only=True):
    file_id: str
    name: str
    citations: int
    """Answers that cited the file while it was stale."""
    review_by: str


class UnverifiedCited(msgspec.Struct, rename="camel", kw_only=True):
    file_id: str
    name: str
    citations: int
    """Answers that cited the file (all time)."""


class NeverCited(msgspec.Struct, rename="camel", kw_only=True):
    file_id: str
    name: str
    created_at: str
    """When this version was uploaded."""


class ThumbsDown(msgspec.Struct, rename="camel", kw_only=True):
    file_id: str
    name: str
    thumbs_down: int
    """Answers citing the file that are rated down now (a changed rating no longer counts)."""


class Unanswered(msgspec.Struct, rename="camel", kw_only=True):
    question: str
    """As last asked (the group is its normalised text: `content_keys.normalised_question`)."""
    count: int
    last_asked_at: str


class ContentHealth(msgspec.Struct, rename="camel", kw_only=True):
    """`GET /api/tenant/content-health`: each list most significant first."""

    generated_at: str
    stale_cited: list[StaleCited]
    """Stale files cited since they went stale (within the window), most citations first."""
    unverified_most_cited: list[UnverifiedCited]
    never_cited: list[NeverCited]
    """Current, ready files without a citation in `WINDOW_DAYS` days, oldest first."""
    most_thumbs_down: list[ThumbsDown]
    unanswered: list[Unanswered]
    """Questions grouped by normalised text, most asked first."""


def is_current(record: Mapping[str, Any], now: datetime) -> bool:
    """A file record that search can return: ready, the newest version, not being deleted or
    awaiting its upload, not expired."""
    expires = record.get("expiresAt")
    return (
        record.get("status") == "ready"
        and not record.get("supersededBy")
        and not record.get("retiring")
        and not record.get("awaitingUpload")
        and (expires is None or float(expires) > now.timestamp())
    )


def _stale_since_review(review_by: str | None, cited_at: str) -> bool:
    """Whether a stale citation at `cited_at` belongs to the current expiry (after the end of
    `review_by`), not to an earlier one the file was verified again since."""
    return bool(review_by) and cited_at[:10] > str(review_by)[:10]


def content_health(
    records: Iterable[Mapping[str, Any]],
    signals: Iterable[Mapping[str, Any]],
    questions: Iterable[Mapping[str, Any]],
    now: datetime,
) -> ContentHealth:
    """The report from plain items: the catalog's file records, the `FILE#` signals and the
    window's `UNANSWERED#` groups (several months of one question are added up)."""
    since = stamp(now - timedelta(days=WINDOW_DAYS))
    today = now.astimezone(UTC).date()
    current = {str(r["id"]): r for r in records if r.get("id") and is_current(r, now)}
    by_file = {str(s["sk"]).split(KEY_DELIMITER, 1)[1]: s for s in signals}

    def count(file_id: str, name: str) -> int:
        return max(0, int(by_file.get(file_id, {}).get(name, 0)))

    stale, unverified, never, thumbs = [], [], [], []
    for file_id, record in current.items():
        name = str(record.get("name", ""))
        signal = by_file.get(file_id, {})
        trust = freshness(record.get("verifiedAt"), record.get("reviewBy"), today)
        last_stale = str(signal.get("lastStaleCitedAt", ""))
        review_by = record.get("reviewBy")
        if (
            trust == Freshness.STALE
            and count(file_id, "staleCitations")
            and last_stale >= since
            and _stale_since_review(review_by, last_stale)
        ):
            stale.append(
                StaleCited(
                    file_id=file_id,
                    name=name,
                    citations=count(file_id, "staleCitations"),
                    review_by=str(review_by),
                )
            )
        if trust == Freshness.UNVERIFIED and count(file_id, "citations"):
            unverified.append(
                UnverifiedCited(file_id=file_id, name=name, citations=count(file_id, "citations"))
            )
        if str(signal.get("lastCitedAt", "")) < since:
            never.append(
                NeverCited(file_id=file_id, name=name, created_at=str(record.get("createdAt", "")))
            )
        if count(file_id, "thumbsDown"):
            thumbs.append(
                ThumbsDown(file_id=file_id, name=name, thumbs_down=count(file_id, "thumbsDown"))
            )
    stale.sort(key=lambda f: (-f.citations, f.name, f.file_id))
    unverified.sort(key=lambda f: (-f.citations, f.name, f.file_id))
    never.sort(key=lambda f: (f.created_at, f.name, f.file_id))
    thumbs.sort(key=lambda f: (-f.thumbs_down, f.name, f.file_id))
    return ContentHealth(
        generated_at=stamp(now),
        stale_cited=stale[:LIST_LIMIT],
        unverified_most_cited=unverified[:LIST_LIMIT],
        never_cited=never[:LIST_LIMIT],
        most_thumbs_down=thumbs[:LIST_LIMIT],
        unanswered=grouped_questions(questions, since)[:LIST_LIMIT],
    )


def grouped_questions(questions: Iterable[Mapping[str, Any]], since: str) -> list[Unanswered]:
    """One entry per question group (the digest ends each sort key, whatever its month), asked
    at least once since `since`: counts added up, the latest wording and time kept; most asked
    first, then most recently."""
    groups: dict[str, Unanswered] = {}
    for item in questions:
        asked_at = str(item.get("lastAskedAt", ""))
        if asked_at < since:
            continue
        digest = str(item["sk"]).rsplit(KEY_DELIMITER, 1)[-1]
        entry = Unanswered(
            question=str(item.get("question", "")),
            count=max(0, int(item.get("count", 0))),
            last_asked_at=asked_at,
        )
        earlier = groups.get(digest)
        if earlier is not None:
            latest = entry if entry.last_asked_at >= earlier.last_asked_at else earlier
            entry = msgspec.structs.replace(latest, count=earlier.count + entry.count)
        groups[digest] = entry
    recent_first = sorted(groups.values(), key=lambda q: q.last_asked_at, reverse=True)
    return sorted(recent_first, key=lambda q: -q.count)  # stable: ties stay most recent first


def _query(db: Any, table: str, pk: str, prefix: str) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
        "ExpressionAttributeValues": to_item({":pk": pk, ":prefix": prefix}),
    }
    for _ in range(MAX_PAGES):
        page = db.query(**request)
        yield from (from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def read_content_health(
    db: Any,
    tenant: TenantContext,
    *,
    files_table: str,
    usage_table: str,
    now: datetime | None = None,
) -> ContentHealth:
    """The tenant's report, read with `db` (a boto3 DynamoDB client allowed the tenant's keys):
    one Query of the catalog, one of the file signals and one per month of the window (at most
    five), each paginated. Blocking; botocore's errors propagate."""
    moment = now or datetime.fromtimestamp(time.time(), UTC)
    files_pk = tenant_partition(tenant, FILES_ENTITY)
    content_pk = content_partition(tenant)
    records = list(_query(db, files_table, files_pk, f"{FILE_TAG}{KEY_DELIMITER}"))
    signals = list(_query(db, usage_table, content_pk, f"{FILE_SIGNAL_TAG}{KEY_DELIMITER}"))
    questions = [
        item
        for month in window_months(moment, WINDOW_DAYS)
        for item in _query(db, usage_table, content_pk, unanswered_prefix(month))
    ]
    return content_health(records, signals, questions, moment)
