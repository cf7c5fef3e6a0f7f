"""Files-service settings: upload limits, ingestion bounds and the search cache's budget, read
once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from engageiq_search.cache_budget import CACHE_BYTES_VARIABLE, default_cache_bytes
from engageiq_tenancy.resources import INGESTION

MIB: Final = 1024 * 1024
S3_MIN_PART_SIZE: Final = 5 * MIB


class FilesSettingsError(ValueError):
    """A files-service variable is set to something we will not run with."""


@dataclass(frozen=True, slots=True)
class FilesSettings:
    max_upload_bytes: int = 50 * 1000 * 1000
    """Largest file accepted, by either upload path (413 `file_too_large` above it)."""
    part_size: int = 8 * MIB
    """S3 multipart part size of the streamed upload (S3 needs >= 5 MiB except the last)."""
    parts_in_flight: int = 3
    """Parts uploaded concurrently while the body is still being read; bounds memory."""
    presign_expiry_seconds: int = 600
    """Lifetime of a presigned POST; a pending direct upload expires an hour after it."""
    download_expiry_seconds: int = 300
    """Lifetime of a presigned download URL."""
    parse_timeout_seconds: float = 60.0
    """Wall-clock bound for parsing one document (the parser process is killed after it)."""
    parse_memory_bytes: int = 1024 * MIB
    """Address-space bound of the parser process."""
    max_pages: int = 10_000
    """PDF pages (and slides, sheets) parsed at most; beyond it the file is `ready` with a
    `truncated` warning. pypdf reads about a thousand text pages a second here, so the cap
    stays well inside the parse timeout."""
    max_text_chars: int = 10_000_000
    """Extracted characters kept per file; the rest is left out of the index."""
    max_docx_uncompressed_bytes: int = 200 * MIB
    """A DOCX whose parts expand beyond this is refused before parsing (zip bombs)."""
    ingestion_workers: int = 2
    """Ingestion jobs one service instance works on at once (each its own long poll)."""
    ingestion_queue_url: str | None = None
    """The SQS ingestion queue (`ENGAGEIQ_INGESTION_QUEUE_URL`, set by the Pulumi program and
    `engageiq dev`); None: found by the resource spec's name (tests in process)."""
    ingestion_visibility_seconds: int = 90
    """How long a job a consumer took stays hidden from the others, in seconds. A live
    instance renews it every third of this while it works (`IngestionConsumer._keep_hidden`),
    so a long index build is never handed to a second consumer; when an instance dies holding
    a job, another takes it over within this long. Short because the tenant is the message
    group: until then that tenant's later uploads wait too (the review found 12 minutes with
    the queue's own 720 s, `INGESTION.visibility_timeout_seconds`, which stays the bound for
    a consumer that sets none)."""
    ingestion_retry_base_seconds: float = 10.0
    """First backoff after a failed attempt; doubled at each further attempt."""
    ingestion_wait_seconds: int = 5
    """Long-poll wait of one receive (SQS allows up to 20 s). Short, so that a stopping
    instance's last poll ends well inside the grace period it is given (8 s by `engageiq
    dev`, whose stop would otherwise kill it): the poll cannot be interrupted. Inside the
    clients' read timeout (`CLIENT_CONFIG`, 10 s) too; an empty poll every 5 s per slot costs
    nothing worth saving."""
    index_cache_bytes: int = field(default_factory=default_cache_bytes)
    """Bytes of tenant indexes one process keeps loaded (`ENGAGEIQ_INDEX_CACHE_BYTES`; 0
    caches none). Default: 30% of the instance's memory (cgroup limit, else physical memory;
    `engageiq_search.cache_budget`). The chat service's retriever reads the same variable."""
    upload_intent_seconds: int = 600
    """How long a streamed upload's record may stay unverified (its bytes still arriving)
    before the reaper takes it for abandoned (a killed instance) and removes it with whatever
    was stored: five times App Runner's 120 s request bound (decision 0092)."""

    def __post_init__(self) -> None:
        if self.part_size < S3_MIN_PART_SIZE:
            raise FilesSettingsError("part_size must be at least 5 MiB (S3's minimum part size)")
        if (
            min(
                self.max_upload_bytes,
                self.parts_in_flight,
                self.ingestion_workers,
                self.upload_intent_seconds,
            )
            < 1
        ):
            raise FilesSettingsError("limits must be positive")
        if not 1 <= self.ingestion_visibility_seconds <= 43_200:
            raise FilesSettingsError("the ingestion visibility timeout must be 1-43200 seconds")
        if self.index_cache_bytes < 0:
            raise FilesSettingsError(f"{CACHE_BYTES_VARIABLE} cannot be negative")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FilesSettings:
        e = os.environ if environ is None else environ

        def number(name: str, default: float) -> float:
            raw = e.get(name, "").strip()
            try:
                return float(raw) if raw else default
            except ValueError:
                raise FilesSettingsError(f"{name} must be a number") from None

        d = cls()
        return cls(
            max_upload_bytes=int(number("ENGAGEIQ_MAX_UPLOAD_BYTES", d.max_upload_bytes)),
            part_size=int(number("ENGAGEIQ_UPLOAD_PART_SIZE", d.part_size)),
            parse_timeout_seconds=number("ENGAGEIQ_PARSE_TIMEOUT", d.parse_timeout_seconds),
            ingestion_workers=int(number("ENGAGEIQ_INGESTION_WORKERS", d.ingestion_workers)),
            ingestion_queue_url=e.get(INGESTION.env_var, "").strip() or None,
            ingestion_visibility_seconds=int(
                number("ENGAGEIQ_INGESTION_VISIBILITY_SECONDS", d.ingestion_visibility_seconds)
            ),
            ingestion_retry_base_seconds=number(
                "ENGAGEIQ_INGESTION_RETRY_SECONDS", d.ingestion_retry_base_seconds
            ),
            index_cache_bytes=int(number(CACHE_BYTES_VARIABLE, d.index_cache_bytes)),
            upload_intent_seconds=int(
                number("ENGAGEIQ_UPLOAD_INTENT_SECONDS", d.upload_intent_seconds)
            ),
        )
