"""Who looks after a file (decision 0111): its owner (the uploader unless an admin reassigned
it) or a tenant admin puts it into collections and verifies it until a review date; only
admins reassign the owner. The checks here run before anything is written, so a refusal
changes nothing, and `change_governance` writes the result so the `by_governance` index
always agrees with the record.

The right is `ownership`'s, the one for every change of a file: its owner (who may have been
reassigned) or a tenant admin."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import anyio.to_thread
import msgspec

from engageiq_files.catalog.access import find_file
from engageiq_files.catalog.ownership import is_steward
from engageiq_files.catalog.records import FileRecord, now_iso
from engageiq_files.collections.store import CollectionStore
from engageiq_files.runtime import FilesRuntime
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.governance import (
    MAX_COLLECTIONS_PER_FILE,
    KnowledgeView,
    parse_review_by,
)
from engageiq_tenancy.keys import InvalidObjectId, object_id

ATTEMPTS = 5
"""Governance writes retried after a concurrent write of the same record (each re-reads)."""


def review_date(raw: str | None) -> str:
    """A `reviewBy` as stored (`YYYY-MM-DD`); 400 `invalid_review_by` if missing, malformed
    or impossible (2026-02-30). A past date is accepted: it expires the file at once."""
    if raw is None:
        raise ApiError(Errors.INVALID_REVIEW_BY)
    try:
        due: date = parse_review_by(raw)
    except ValueError:
        raise ApiError(Errors.INVALID_REVIEW_BY) from None
    return due.isoformat()


def resolve_collection_ids(
    collections: CollectionStore, tenant: TenantContext, ids: Sequence[str]
) -> list[str]:
    """`ids` checked for a file: 400 `invalid_collection_ids` for more than
    `MAX_COLLECTIONS_PER_FILE` or one named twice; 404 `collection_not_found` for one that
    does not exist or whose audience does not admit the caller (read consistently, so a
    collection just created counts). Blocking."""
    if len(ids) > MAX_COLLECTIONS_PER_FILE or len(set(ids)) != len(ids):
        raise ApiError(Errors.INVALID_COLLECTION_IDS, limit=MAX_COLLECTIONS_PER_FILE)
    if not ids:
        return []
    for collection_id in ids:
        try:
            object_id(collection_id)
        except InvalidObjectId:
            raise ApiError(Errors.COLLECTION_NOT_FOUND) from None
    existing = collections.all(tenant)
    for collection_id in ids:
        found = existing.get(collection_id)
        if found is None or not found.admits(tenant):
            raise ApiError(Errors.COLLECTION_NOT_FOUND)
    return list(ids)


def owner_outside(
    files: FilesRuntime, tenant: TenantContext, collection_ids: Sequence[str], owner_id: str
) -> str | None:
    """The name of a restricted collection among `collection_ids` whose audience does not
    admit `owner_id`, or None when every one does (the audience rule, `KnowledgeView`, asked
    for the owner). The collections are read consistently; the owner's roles are looked up
    only when a restricted collection is involved. An empty owner (a file stored before
    uploaders were recorded) or one who has left the organisation has nothing to check.
    Blocking."""
    if not collection_ids or not owner_id:
        return None
    existing = files.collections.all(tenant)
    restricted = [
        c for c in collection_ids if (found := existing.get(c)) is not None and found.audience
    ]
    if not restricted:
        return None
    person = files.members.as_audience_member(tenant, owner_id)
    if person is None:
        return None
    rule = KnowledgeView(collections=existing)
    for collection_id in restricted:
        if not rule.may_see_collections(person, [collection_id]):
            return existing[collection_id].name
    return None


def verified(record: FileRecord, tenant: TenantContext, review_by: str) -> FileRecord:
    """`record` verified now by the caller until the end of `review_by`."""
    return msgspec.structs.replace(
        record, verified_at=now_iso(), verified_by=tenant.user_id, review_by=review_by
    )


def unverified(record: FileRecord) -> FileRecord:
    return msgspec.structs.replace(record, verified_at=None, verified_by=None, review_by=None)


@dataclass(frozen=True, slots=True)
class UploadStewardship:
    """What an upload asks of governance: `collectionId`s (None: inherit from the replaced
    file, or none), and `verify=true` with `reviewBy`."""

    collection_ids: Sequence[str] | None = None
    verify: bool = False
    review_by: str | None = None

    async def fields(
        self, files: FilesRuntime, tenant: TenantContext, replaced: FileRecord | None
    ) -> dict[str, object]:
        """The new record's governance fields (FileRecord keyword arguments): a new version
        keeps the replaced file's collections and owner unless collections are given (and
        its uploader owns it when those leave the previous owner out), and starts unverified
        unless `verify`. Raises the API's errors before anything is
        written: `invalid_collection_ids`, `collection_not_found`, `invalid_review_by`, and
        403 `forbidden` when the caller asks to verify a version they do not look after."""
        if self.review_by is not None and not self.verify:
            raise ApiError(Errors.INVALID_FIELDS, problems="reviewBy is read only with verify=true")
        review_by = review_date(self.review_by) if self.verify else None
        fields: dict[str, object] = {}
        if replaced is not None:
            fields["collection_ids"] = list(replaced.collection_ids)
            if replaced.owner_id and replaced.owner_id != tenant.user_id:
                # The person answerable for the document stays so when someone else (an
                # admin) uploads its next version.
                fields["owner"] = replaced.owner_id
        if self.collection_ids is not None:
            chosen = await anyio.to_thread.run_sync(
                resolve_collection_ids, files.collections, tenant, list(self.collection_ids)
            )
            fields["collection_ids"] = chosen
            inherited = str(fields.get("owner", ""))
            outside: str | None = await anyio.to_thread.run_sync(
                owner_outside, files, tenant, chosen, inherited
            )
            if outside is not None:
                # The document's owner could not see this version: whoever uploads it (an
                # admin, or an owner moving their own document) answers for it instead.
                del fields["owner"]
        if review_by is not None:
            owner_id = str(fields.get("owner") or tenant.user_id)
            if not is_steward(tenant, owner_id):
                name = replaced.name if replaced is not None else ""
                raise ApiError(Errors.NOT_FILE_STEWARD, name=name, action="verify")
            fields |= {
                "verified_at": now_iso(),
                "verified_by": tenant.user_id,
                "review_by": review_by,
            }
        return fields


async def visible_file(files: FilesRuntime, tenant: TenantContext, file_id: str) -> FileRecord:
    """The file, or 404 `file_not_found` as for a missing id when it is absent, another
    tenant's, or hidden from the caller (`access.find_file`, the one place that decides)."""
    return await find_file(files, tenant, file_id)


async def change_governance(
    files: FilesRuntime,
    tenant: TenantContext,
    file_id: str,
    decide: Callable[[FileRecord], FileRecord],
) -> FileRecord:
    """Read the file (404 `file_not_found` as for any other route, and also when its
    collections hide it from the caller), let `decide` check the caller's rights and return
    the changed record (or raise), and write the change on condition that nothing wrote the
    record meanwhile; after a concurrent write, read and decide again. Returns the record as
    now stored; the service's knowledge view is forgotten so its next read sees the change."""
    for _ in range(ATTEMPTS):
        record = await visible_file(files, tenant, file_id)
        after = decide(record)
        if after == record:
            return record
        if await anyio.to_thread.run_sync(files.catalog.govern, tenant, record, after):
            files.knowledge.forget(tenant)
            return await find_file(files, tenant, file_id)
    raise ApiError(Errors.SERVICE_UNAVAILABLE, headers={"Retry-After": "1"})
