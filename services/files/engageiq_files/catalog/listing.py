"""The files page's listing (decision 0116): one row per document the caller may see, found by
name, sorted by date, name or status, paged with keyset cursors, with the progress of the
batch being processed.

`GET /api/files` reads DynamoDB's pages directly for the plain listing (newest first, no name,
no status filter, no version or ingestion on the page). Anything else is answered from the
tenant's whole catalog read once (`FileCatalog.summaries`, a projection of the listing's
fields; the rows shown are then read whole): the partition is ordered by id
only, a name or status order needs every row, and a document with a replacement in progress
has two current versions that must make one row. A tenant's catalog is thousands of small
items, a few Query pages; past that, a name index would be the next step (decision 0116).

Pure: the route reads the records and the audience wall, this module only arranges them."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from engageiq_files.catalog.access import AudienceWall
from engageiq_files.catalog.records import FileRecord, FileStatus
from engageiq_search.normalise import normalise

MAX_QUERY_CHARS: Final = 200
"""Longest name search `GET /api/files?q=` takes (400 `file_query_too_long` above it)."""
BATCH_GAP: Final = timedelta(minutes=2)
"""Uploads this close to the one before belong to the same batch (its progress)."""
MAX_IDS: Final = 100
"""Most files `GET /api/files?fileId=...` refreshes at once (400 `too_many_file_ids`)."""


class FileSort(enum.StrEnum):
    DATE = "date"
    NAME = "name"
    STATUS = "status"


class SortOrder(enum.StrEnum):
    ASC = "asc"
    DESC = "desc"


DEFAULT_ORDER: Final = {
    FileSort.DATE: SortOrder.DESC,
    FileSort.NAME: SortOrder.ASC,
    FileSort.STATUS: SortOrder.ASC,
}
"""Newest first, A to Z, and files needing attention (failed, then in progress) first."""

STATUS_RANK: Final = {
    FileStatus.FAILED: 0,
    FileStatus.PROCESSING: 1,
    FileStatus.PENDING: 2,
    FileStatus.READY: 3,
}

SortKey = tuple[int | str, ...]


@dataclass(frozen=True, slots=True)
class ListedRow:
    """One row of the listing: the version shown (`record`) and every version of its
    document the caller may see (None for a file never replaced)."""

    record: FileRecord
    versions: list[FileRecord] | None = None


@dataclass(frozen=True, slots=True)
class BatchProgress:
    """The files uploaded since the oldest one still in ingestion (`total`), and how many of
    them are `ready` or `failed` (`processed`)."""

    processed: int
    total: int


def in_ingestion(record: FileRecord) -> bool:
    """Uploaded (its bytes arrived) and not yet `ready` or `failed`."""
    return record.status is FileStatus.PROCESSING or (
        record.status is FileStatus.PENDING and not record.awaiting_upload
    )


def _shown_version(current: Sequence[FileRecord]) -> FileRecord:
    """The one version a document's row shows among its current ones (two while a
    replacement is ingested, or after one failed): the newest whose upload arrived and did
    not fail (a new version in progress shows as "Processing" on the same row), else the
    newest."""
    newest_first = sorted(current, key=lambda r: r.id, reverse=True)
    for record in newest_first:
        if record.status is not FileStatus.FAILED and not record.awaiting_upload:
            return record
    return newest_first[0]


def rows(records: Iterable[FileRecord], wall: AudienceWall) -> list[ListedRow]:
    """One row per document `wall` lets the caller see, from the tenant's live records:
    a file never replaced is its own row; a versioned document shows one current version
    (`_shown_version`) with its visible versions, newest first."""
    listed: list[ListedRow] = []
    documents: dict[str, list[FileRecord]] = {}
    for record in records:
        if record.versioned:
            documents.setdefault(record.document, []).append(record)
        elif wall.lists(record):
            listed.append(ListedRow(record))
    for versions in documents.values():
        shown = sorted(wall.versions_shown(versions), key=lambda r: r.id, reverse=True)
        current = [v for v in shown if v.superseded_by is None]
        if current:
            listed.append(ListedRow(_shown_version(current), shown))
    return listed


def name_matches(query: str) -> Callable[[FileRecord], bool]:
    """Whether a file's name holds every word of `query`, compared as search compares text
    (`engageiq_search.normalise`: case, accents' compatibility forms, full-width letters),
    so "pricing 2024" finds "2024 Pricing deck.pdf" and "STRASSE" finds "Straße.docx"."""
    words = normalise(query).split()
    return lambda record: all(word in normalise(record.name) for word in words)


def sort_key(sort: FileSort) -> Callable[[FileRecord], SortKey]:
    """The total order of a sort; the id (time-ordered, unique) breaks every tie, so a
    keyset cursor never skips or repeats a row."""
    if sort is FileSort.NAME:
        return lambda r: (normalise(r.name), r.id)
    if sort is FileSort.STATUS:
        return lambda r: (STATUS_RANK[r.status], normalise(r.name), r.id)
    return lambda r: (r.id,)


def encode_key(key: SortKey) -> str:
    return json.dumps(list(key), separators=(",", ":"), ensure_ascii=False)


def decode_key(sort: FileSort, raw: str) -> SortKey | None:
    """A cursor's key for `sort`, or None when it does not have that sort's shape."""
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    shape: tuple[type, ...] = {
        FileSort.DATE: (str,),
        FileSort.NAME: (str, str),
        FileSort.STATUS: (int, str, str),
    }[sort]
    if not isinstance(value, list) or len(value) != len(shape):
        return None
    if not all(type(v) is t for v, t in zip(value, shape, strict=True)):
        return None
    return tuple(value)


def page(
    listed: Iterable[ListedRow],
    sort: FileSort,
    order: SortOrder,
    limit: int,
    after: SortKey | None,
) -> tuple[list[ListedRow], SortKey | None]:
    """Up to `limit` rows in the sort's order after the key `after`, and the key to continue
    after (None at the end)."""
    key = sort_key(sort)
    descending = order is SortOrder.DESC
    ordered = sorted(listed, key=lambda row: key(row.record), reverse=descending)
    if after is not None:
        ordered = [
            row
            for row in ordered
            if (key(row.record) < after if descending else key(row.record) > after)
        ]
    shown = ordered[:limit]
    more = len(ordered) > limit
    return shown, key(shown[-1].record) if more and shown else None


def batch_progress(listed: Iterable[ListedRow]) -> BatchProgress | None:
    """How far the processing of the latest uploads is: the rows uploaded since the start of
    the run of uploads (each at most `BATCH_GAP` after the one before) that holds the oldest
    one still in ingestion, and how many of them are done ("87 of 316 processed"); None when
    nothing is being processed. The run's start depends on upload times only, so while a
    batch is processed (in any order) its total stays and its count only grows."""
    uploaded = sorted(
        (row.record for row in listed if not row.record.awaiting_upload), key=lambda r: r.id
    )  # ids are time-ordered
    waiting = [r for r in uploaded if in_ingestion(r)]
    if not waiting:
        return None
    start = uploaded.index(waiting[0])
    while start > 0 and _uploaded_within_gap(uploaded[start - 1], uploaded[start]):
        start -= 1
    batch = uploaded[start:]
    return BatchProgress(processed=len(batch) - len(waiting), total=len(batch))


def _uploaded_within_gap(earlier: FileRecord, later: FileRecord) -> bool:
    try:
        gap = datetime.fromisoformat(later.created_at) - datetime.fromisoformat(earlier.created_at)
    except ValueError:
        return False
    return gap <= BATCH_GAP
