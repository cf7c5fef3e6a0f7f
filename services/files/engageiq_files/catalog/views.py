"""What the API shows of a file."""

from __future__ import annotations

import msgspec

from engageiq_files.catalog.records import FileRecord, FileStatus, FileWarning


class UploadedFile(msgspec.Struct, rename="camel"):
    id: str
    name: str
    size: int
    content_type: str
    status: FileStatus


class FileView(msgspec.Struct, rename="camel", omit_defaults=True):
    id: str
    name: str
    size: int
    content_type: str
    status: FileStatus
    created_at: str
    warnings: list[FileWarning]
    """What was left out of a `ready` file, `{code, message}` each (docs/files.md); always
    present, empty when every piece of text is searchable."""
    updated_at: str = ""
    chunk_count: int = 0
    reason_code: str | None = None
    reason: str | None = None
    awaiting_upload: bool = False
    download_url: str | None = None

    @classmethod
    def of(cls, record: FileRecord, download_url: str | None = None) -> FileView:
        return cls(
            id=record.id,
            name=record.name,
            size=record.size,
            content_type=record.content_type,
            status=record.status,
            created_at=record.created_at,
            updated_at=record.updated_at,
            chunk_count=record.chunk_count,
            reason_code=record.reason_code,
            reason=record.reason,
            warnings=record.warnings,
            awaiting_upload=record.awaiting_upload,
            download_url=download_url,
        )


class FilePage(msgspec.Struct, rename="camel", omit_defaults=True):
    files: list[FileView]
    next_cursor: str | None = None
