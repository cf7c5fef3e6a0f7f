"""`FileRecord`: what the catalog knows about one file, and how it is stored in DynamoDB."""

from __future__ import annotations

import enum
import secrets
import time
from datetime import UTC, datetime
from typing import Any, Final

import msgspec

from engageiq_tenancy.governance import Freshness, freshness, is_governed
from engageiq_tenancy.items import from_item as plain_item
from engageiq_tenancy.items import serialize


class FileStatus(enum.StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class FileWarning(msgspec.Struct, frozen=True):
    """Something left out of a `ready` file (codes in docs/files.md)."""

    code: str
    message: str


class FileRecord(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    name: str
    status: FileStatus = FileStatus.PENDING
    size: int = 0
    content_type: str = ""
    kind: str = ""
    object_key: str
    object_version: str | None = None
    """For direct uploads: the S3 version `complete` checked. Every read uses it, so bytes
    posted to the same key afterwards (the form stays valid until it expires) are never
    served or indexed."""
    created_at: str
    updated_at: str = ""
    uploaded_by: str = ""
    awaiting_upload: bool = False
    """A direct upload whose object has not been verified yet (it expires with `expires_at`)."""
    expires_at: int | None = None
    retiring: bool = False
    """Being deleted: hidden at once (it expires as it is set), removed with its data by the
    delete or, if that was cut short, by the reaper (decision 0092)."""
    reason_code: str | None = None
    reason: str | None = None
    chunks_key: str | None = None
    """Set once the file's chunks are stored; such files belong in the tenant's index."""
    chunk_count: int = 0
    warnings: list[FileWarning] = msgspec.field(default_factory=list)
    """What ingestion deliberately left out (pages skipped, text beyond a cap), set with the
    chunks; empty when every piece of text is searchable."""
    failed_attempts: int = 0
    """Ingestion attempts that failed for a reason outside the file (S3, DynamoDB, the index
    build); after `INGESTION.max_attempts` the file is `failed` (decision 0141)."""
    encoding: str | None = None
    """The encoding a text file (txt, md, csv, html) was read with (`windows-1252`, `utf-8`),
    set with the chunks; None for other kinds and before ingestion. Decision 0103."""

    document_id: str = ""
    """The id of the first version of the document this file is a version of ("" for a file
    uploaded without `replaces`: it is its own document). Decision 0052."""
    replaces: str | None = None
    """The file this upload was sent to replace (`replaces=<id>`)."""
    superseded_by: str | None = None
    """Set once a newer (or restored) version of the same document is current: this version
    is then out of search and listed only under the current one."""
    versioned: bool = False
    """Whether the document has more than one version (listings look versions up only then)."""

    collection_ids: list[str] = msgspec.field(default_factory=list)
    """The collections the file belongs to (decision 0111: each restricted one must admit a
    caller for the file to be visible to them)."""
    owner: str = ""
    """The user id answerable for the file's content; "" means its uploader (`uploaded_by`).
    Tenant admins reassign it."""
    verified_at: str | None = None
    """When the owner or an admin last verified the file (ISO 8601); None: unverified."""
    verified_by: str | None = None
    review_by: str | None = None
    """The verification holds until the end of this day (`YYYY-MM-DD`, UTC); then `stale`."""

    @property
    def owner_id(self) -> str:
        """Who owns the file: the reassigned owner, else the uploader."""
        return self.owner or self.uploaded_by

    @property
    def document(self) -> str:
        return self.document_id or self.id

    @property
    def governed(self) -> bool:
        """Whether the record belongs in the `by_governance` index (decision 0111): it is in a
        collection, verified (even if since expired), or owned by someone else than its
        uploader. Every write of a record keeps its `governed` attribute equal to this."""
        return is_governed(self.collection_ids, self.owner, self.verified_at, self.review_by)

    def freshness(self) -> Freshness:
        return freshness(self.verified_at, self.review_by)

    def expired(self, now: float | None = None) -> bool:
        # DynamoDB deletes TTL-expired items lazily (and moto never does), so reads filter.
        return self.expires_at is not None and self.expires_at <= (now or time.time())


FILE_ID_PATTERN: Final = r"^[0-9a-f]{27,40}$"
"""What `new_file_id` makes (the OpenAPI documents say so, which also tells clients and fuzzers
that fixed words beside ids, `/api/files/search` and `/api/files/docs`, are not file ids)."""


def new_file_id() -> str:
    """Time-ordered (so listings sort newest first by key) and unguessable."""
    return f"{time.time_ns() // 1_000_000:011x}{secrets.token_hex(8)}"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_item(record: FileRecord, keys: dict[str, str]) -> dict[str, Any]:
    # Every field is written, None included, so a cleared reason is stored as cleared.
    plain: dict[str, Any] = msgspec.to_builtins(record)
    return {k: serialize(v) for k, v in {**plain, **keys}.items()}


def from_item(item: dict[str, Any]) -> FileRecord:
    plain = {k: v for k, v in plain_item(item).items() if k not in ("pk", "sk")}
    return msgspec.convert(plain, FileRecord, strict=False)
