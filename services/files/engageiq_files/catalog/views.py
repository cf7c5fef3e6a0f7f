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


class FileVersion(msgspec.Struct, rename="camel"):
    """One version of a document, as listed under its current version."""

    id: str
    name: str
    size: int
    status: FileStatus
    created_at: str
    current: bool


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
    uploaded_by: str = ""
    """The uploader's user id (their token's `sub`); empty for files from before it was kept.
    The web app shows "you" when it is the signed-in user's id."""
    chunk_count: int = 0
    encoding: str | None = None
    """The encoding a text file (txt, md, csv, html) was read with once ingested
    (`windows-1252`, `utf-8`, `windows-1251`...), so a wrong guess can be seen; absent for
    other kinds."""
    reason_code: str | None = None
    reason: str | None = None
    awaiting_upload: bool = False
    download_url: str | None = None
    replaces: str | None = None
    superseded_by: str | None = None
    """Set on an older version: the id of the version that replaced it."""
    versions: list[FileVersion] = msgspec.field(default_factory=list)
    """Every version of the document, newest first, when it has more than one."""

    @classmethod
    def of(
        cls,
        record: FileRecord,
        download_url: str | None = None,
        versions: list[FileRecord] | None = None,
    ) -> FileView:
        return cls(
            id=record.id,
            name=record.name,
            size=record.size,
            content_type=record.content_type,
            status=record.status,
            created_at=record.created_at,
            updated_at=record.updated_at,
            uploaded_by=record.uploaded_by,
            chunk_count=record.chunk_count,
            encoding=record.encoding,
            reason_code=record.reason_code,
            reason=record.reason,
            warnings=record.warnings,
            awaiting_upload=record.awaiting_upload,
            download_url=download_url,
            replaces=record.replaces,
            superseded_by=record.superseded_by,
            versions=[
                FileVersion(
                    id=v.id,
                    name=v.name,
                    size=v.size,
                    status=v.status,
                    created_at=v.created_at,
                    current=v.superseded_by is None,
                )
                for v in versions or []
            ],
        )


class FilePage(msgspec.Struct, rename="camel", omit_defaults=True):
    files: list[FileView]
    next_cursor: str | None = None
