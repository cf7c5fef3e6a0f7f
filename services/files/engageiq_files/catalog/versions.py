"""Versions of a document (decision 0052): an upload with `replaces=<file id>` is a new version
of that file's document. It becomes the current version once it is `ready`; older versions
leave search and are listed under the current one, and can be restored or deleted.

Blocking (boto3, through FileCatalog); async callers run it in worker threads."""

from __future__ import annotations

from collections import defaultdict

from engageiq_files.catalog.catalog import FileCatalog
from engageiq_files.catalog.records import FileRecord, FileStatus
from engageiq_tenancy.context import TenantContext


def versions_of(catalog: FileCatalog, tenant: TenantContext, document: str) -> list[FileRecord]:
    """Every live version of `document` (a first version's id), newest first."""
    return [f for f in catalog.all_files(tenant) if f.document == document]


def superseded_in_build(files: list[FileRecord]) -> dict[str, str]:
    """{file id: id of the version that supersedes it} for the files an index build about to
    publish must leave out, besides those already marked `supersededBy`.

    `files` are the files with chunks (processing or ready). A replacement still processing
    becomes current in the build that makes it ready, so the versions it replaces leave the
    index in that same build: search never shows both. When several replacements of one
    document finish together, the newest upload wins."""
    by_document: dict[str, list[FileRecord]] = defaultdict(list)
    for f in files:
        if f.superseded_by is None:
            by_document[f.document].append(f)
    superseded: dict[str, str] = {}
    for versions in by_document.values():
        newcomers = [f for f in versions if f.status is FileStatus.PROCESSING and f.replaces]
        if not newcomers:
            continue
        current = max(newcomers, key=lambda f: f.id)  # ids are time-ordered
        for f in versions:
            if f.id != current.id:
                superseded[f.id] = current.id
    return superseded


def make_current(catalog: FileCatalog, tenant: TenantContext, record: FileRecord) -> None:
    """Make `record` (a ready version) the document's current version: every other current
    version of the document is marked superseded by it."""
    for other in versions_of(catalog, tenant, record.document):
        if other.id != record.id and other.superseded_by is None:
            catalog.update(tenant, other.id, supersededBy=record.id)
    catalog.update(tenant, record.id, remove=("supersededBy",))


def after_delete(catalog: FileCatalog, tenant: TenantContext, deleted: FileRecord) -> bool:
    """When the current version of a document was deleted, its newest remaining ready version
    becomes current. True when the index must be rebuilt for it."""
    if not deleted.versioned or deleted.superseded_by is not None:
        return False
    remaining = [f for f in versions_of(catalog, tenant, deleted.document) if f.id != deleted.id]
    if any(f.superseded_by is None for f in remaining):
        return False  # a newer upload is already on its way to replace it
    ready = [f for f in remaining if f.status is FileStatus.READY]
    if not ready:
        return False
    make_current(catalog, tenant, ready[0])
    return True
