"""What the API shows of a file."""

from __future__ import annotations

import msgspec

from engageiq_files.catalog.ownership import may_change
from engageiq_files.catalog.records import FileRecord, FileStatus, FileWarning
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import Freshness, KnowledgeView


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


class FileRights(msgspec.Struct, rename="camel", frozen=True):
    """What the caller may do to a file, by the rule the service enforces
    (`ownership.may_change`: its document's owner, or a tenant admin), so the web app offers
    only what would be accepted."""

    delete: bool
    new_version: bool
    """Upload a new version (`replaces=`)."""
    restore: bool
    """Make an older version of its document current (`POST .../restore`)."""
    manage: bool
    """Change its collections and verification (`PATCH`, `verify`)."""

    @classmethod
    def of(cls, caller: TenantContext, steward: FileRecord) -> FileRights:
        allowed = may_change(caller, steward)
        return cls(delete=allowed, new_version=allowed, restore=allowed, manage=allowed)


NO_RIGHTS = FileRights(delete=False, new_version=False, restore=False, manage=False)


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
    collection_ids: list[str]
    """The collections the file belongs to that still exist and that the caller may see
    (always present; decision 0111)."""
    owner: str
    """The user id answerable for the file: its uploader unless an admin reassigned it."""
    freshness: Freshness
    """`verified` until the end of `reviewBy`, `stale` after it, `unverified` if never
    verified (or withdrawn)."""
    verified_at: str | None = None
    verified_by: str | None = None
    review_by: str | None = None
    """`YYYY-MM-DD`: the verification holds until the end of this day (UTC)."""
    updated_at: str = ""
    uploaded_by: str = ""
    """The uploader's user id (their token's `sub`); empty for files from before it was kept.
    The web app shows "you" when it is the signed-in user's id."""
    uploaded_by_email: str | None = None
    """The uploader's email as the tenant's user directory gives it; absent when the
    directory does not know them (any more) or did not answer."""
    can: FileRights = NO_RIGHTS
    """What the caller may do to the file (the same rule the routes enforce)."""
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
    """The id of the version this one replaced, when the caller may see that version."""
    superseded_by: str | None = None
    """Set on an older version: the id of the version that replaced it, when the caller may
    see that version."""
    versions: list[FileVersion] = msgspec.field(default_factory=list)
    """Every version of the document the caller may see, newest first, when they may see
    more than one."""

    @classmethod
    def of(
        cls,
        record: FileRecord,
        download_url: str | None = None,
        versions: list[FileRecord] | None = None,
        *,
        knowledge: KnowledgeView | None = None,
        caller: TenantContext | None = None,
        steward: FileRecord | None = None,
        uploader_email: str | None = None,
    ) -> FileView:
        """The file as `caller` is shown it: `collectionIds` keeps the collections of
        `knowledge` (the tenant's view) that admit `caller`; none without both. `versions`
        are the document's versions the caller may see (`access.visible_versions`): `replaces`
        and `supersededBy` name only those, so a version hidden from the caller is never
        named (without `versions`, neither is shown). `can` is the caller's rights by the
        owner of `steward`, the document's current version (`record` itself by default: an
        older version's rights are its current version's, `access.require_steward`)."""
        linked = {v.id for v in versions or []}
        shown_versions = versions if versions is not None and len(versions) > 1 else []
        shown: list[str] = []
        if knowledge is not None and caller is not None:
            shown = [
                c
                for c in record.collection_ids
                if (found := knowledge.collections.get(c)) is not None and found.admits(caller)
            ]
        return cls(
            id=record.id,
            name=record.name,
            size=record.size,
            content_type=record.content_type,
            status=record.status,
            created_at=record.created_at,
            updated_at=record.updated_at,
            uploaded_by=record.uploaded_by,
            uploaded_by_email=uploader_email,
            can=FileRights.of(caller, steward or record) if caller is not None else NO_RIGHTS,
            chunk_count=record.chunk_count,
            encoding=record.encoding,
            reason_code=record.reason_code,
            reason=record.reason,
            warnings=record.warnings,
            collection_ids=shown,
            owner=record.owner_id,
            freshness=record.freshness(),
            verified_at=record.verified_at,
            verified_by=record.verified_by,
            review_by=record.review_by,
            awaiting_upload=record.awaiting_upload,
            download_url=download_url,
            replaces=record.replaces if record.replaces in linked else None,
            superseded_by=record.superseded_by if record.superseded_by in linked else None,
            versions=[
                FileVersion(
                    id=v.id,
                    name=v.name,
                    size=v.size,
                    status=v.status,
                    created_at=v.created_at,
                    current=v.superseded_by is None,
                )
                for v in shown_versions
            ],
        )


class BatchProgressView(msgspec.Struct, rename="camel"):
    """ "87 of 316 processed": the files uploaded since the oldest one still being processed,
    and how many of them are `ready` or `failed`."""

    processed: int
    total: int


class FilePage(msgspec.Struct, rename="camel", omit_defaults=True):
    files: list[FileView]
    next_cursor: str | None = None
    progress: BatchProgressView | None = None
    """Present while files the caller may see are being processed."""
