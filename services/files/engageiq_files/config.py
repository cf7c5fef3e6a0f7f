"""Files-service settings: upload limits, ingestion bounds and the search cache's budget, read
once from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from engageiq_files.ingestion.sections import OCR_PAGE_TIMEOUT_SECONDS, ParseLimits
from engageiq_search.cache_budget import cache_bytes_from_env, default_cache_bytes
from engageiq_tenancy.setting import SettingsError
from engageiq_tenancy.setting_catalog import (
    MIB,
    S3_MIN_PART_SIZE,
    EmbedderChoice,
    FilesVariables,
    SharedVariables,
)

# Read with the one reader (engageiq_tenancy.setting); names, forms and defaults are
# FilesVariables'.
__all__ = ["MIB", "S3_MIN_PART_SIZE", "FilesSettings"]


@dataclass(frozen=True, slots=True)
class FilesSettings:
    max_upload_bytes: int = FilesVariables.MAX_UPLOAD_BYTES.default
    """Largest file accepted, by either upload path (413 `file_too_large` above it)."""
    part_size: int = FilesVariables.UPLOAD_PART_SIZE.default
    """S3 multipart part size of the streamed upload (S3 needs >= 5 MiB except the last)."""
    parts_in_flight: int = 3
    """Parts uploaded concurrently while the body is still being read; bounds memory."""
    presign_expiry_seconds: int = 600
    """Lifetime of a presigned POST; a direct upload still awaiting its bytes expires
    `upload_intent_seconds` after it."""
    download_expiry_seconds: int = 300
    """Lifetime of a presigned download URL."""
    parse_timeout_seconds: float = FilesVariables.PARSE_TIMEOUT.default
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
    ingestion_workers: int = FilesVariables.INGESTION_WORKERS.default
    """Ingestion jobs one service instance works on at once (each its own long poll)."""
    ingestion_queue_url: str | None = FilesVariables.INGESTION_QUEUE_URL.default
    """The SQS ingestion queue (`ENGAGEIQ_INGESTION_QUEUE_URL`, set by the Pulumi program and
    `engageiq dev`); None: found by the resource spec's name (tests in process)."""
    ingestion_dead_letter_url: str | None = FilesVariables.INGESTION_DEAD_LETTER_URL.default
    """Its dead-letter queue (`ENGAGEIQ_INGESTION_DLQ_URL`, set alike), where the consumer
    moves a job that failed `INGESTION.max_attempts` times (decision 0141); None: by name."""
    ingestion_visibility_seconds: int = FilesVariables.INGESTION_VISIBILITY_SECONDS.default
    """How long a job a consumer took stays hidden from the others, in seconds. A live
    instance renews it every third of this while it works (`IngestionConsumer._keep_hidden`),
    so a long index build is never handed to a second consumer; when an instance dies holding
    a job, another takes it over within this long. Short because the tenant is the message
    group: until then that tenant's later uploads wait too (the review found 12 minutes with
    the queue's own 720 s, `INGESTION.visibility_timeout_seconds`, which stays the bound for
    a consumer that sets none)."""
    ingestion_retry_base_seconds: float = FilesVariables.INGESTION_RETRY_SECONDS.default
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
    embedder: EmbedderChoice = SharedVariables.EMBEDDER.default
    """What gives chunks their vectors (`ENGAGEIQ_EMBEDDER`; decision 0106): the build
    processes embed new segments with it. The chat service's retriever reads the same
    variable to embed questions; `/api/files/search` stays a keyword search (BM25)."""
    upload_intent_seconds: int = FilesVariables.UPLOAD_INTENT_SECONDS.default
    """How long a streamed upload's record may stay unverified (its bytes still arriving)
    before the reaper takes it for abandoned (a killed instance) and removes it with whatever
    was stored: five times App Runner's 120 s request bound (decision 0092)."""

    def __post_init__(self) -> None:
        # The reader's bounds, applied to values given in code too (tests, benches).
        for setting, value in (
            (FilesVariables.MAX_UPLOAD_BYTES, self.max_upload_bytes),
            (FilesVariables.UPLOAD_PART_SIZE, self.part_size),
            (FilesVariables.INGESTION_WORKERS, self.ingestion_workers),
            (FilesVariables.INGESTION_VISIBILITY_SECONDS, self.ingestion_visibility_seconds),
            (SharedVariables.INDEX_CACHE_BYTES, self.index_cache_bytes),
            (FilesVariables.UPLOAD_INTENT_SECONDS, self.upload_intent_seconds),
        ):
            setting.parse(str(value))
        if self.parts_in_flight < 1:
            raise SettingsError("parts_in_flight must be at least 1")

    def parse_limits(self) -> ParseLimits:
        """The parser's bounds under these settings, the one place they are derived (the
        service's sandbox and the benches that measure it). One OCR page may take a third of
        the parse timeout, at most `OCR_PAGE_TIMEOUT_SECONDS` (20 s of the default 60 s), and
        no OCR page starts once the last one started could not finish inside the parse
        timeout with a margin for the rest of the parse (at most 5 s): a long scan then ends
        `ready` with a warning, not `parse_timeout`."""
        ocr_page_timeout = min(OCR_PAGE_TIMEOUT_SECONDS, self.parse_timeout_seconds / 3)
        return ParseLimits(
            max_pages=self.max_pages,
            max_text_chars=self.max_text_chars,
            max_docx_uncompressed_bytes=self.max_docx_uncompressed_bytes,
            ocr_page_timeout_seconds=ocr_page_timeout,
            ocr_budget_seconds=self.parse_timeout_seconds
            - ocr_page_timeout
            - min(5.0, self.parse_timeout_seconds / 6),
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FilesSettings:
        e = os.environ if environ is None else environ
        return cls(
            max_upload_bytes=FilesVariables.MAX_UPLOAD_BYTES.read(e),
            part_size=FilesVariables.UPLOAD_PART_SIZE.read(e),
            parse_timeout_seconds=FilesVariables.PARSE_TIMEOUT.read(e),
            ingestion_workers=FilesVariables.INGESTION_WORKERS.read(e),
            ingestion_queue_url=FilesVariables.INGESTION_QUEUE_URL.read(e),
            ingestion_dead_letter_url=FilesVariables.INGESTION_DEAD_LETTER_URL.read(e),
            ingestion_visibility_seconds=FilesVariables.INGESTION_VISIBILITY_SECONDS.read(e),
            ingestion_retry_base_seconds=FilesVariables.INGESTION_RETRY_SECONDS.read(e),
            index_cache_bytes=cache_bytes_from_env(e),
            upload_intent_seconds=FilesVariables.UPLOAD_INTENT_SECONDS.read(e),
            embedder=SharedVariables.EMBEDDER.read(e),
        )
