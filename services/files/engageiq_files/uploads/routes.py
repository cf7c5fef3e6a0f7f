"""POST /api/upload-file (streamed), POST /api/files/uploads (presigned direct upload) and
POST /api/files/{id}/complete."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any, Final

import anyio.to_thread
import msgspec
from litestar import Request, Router, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import JSONBody, QueryParameter
from multipart import parse_options_header

from engageiq_files.catalog.access import file_view, find_file, require_steward
from engageiq_files.catalog.ownership import require_change_right
from engageiq_files.catalog.records import FileRecord, FileStatus, new_file_id, now_iso
from engageiq_files.catalog.routes import FileIdPath
from engageiq_files.catalog.stewardship import UploadStewardship
from engageiq_files.catalog.views import FileView, UploadedFile
from engageiq_files.config import FilesSettings
from engageiq_files.runtime import FilesRuntime
from engageiq_files.uploads.intent import UploadIntent
from engageiq_files.uploads.names import sanitise_name
from engageiq_files.uploads.sniffing import (
    ACCEPTED,
    CONTENT_TYPES,
    SNIFF_BYTES,
    FileKind,
    UnsupportedFileType,
    sniff,
)
from engageiq_files.uploads.store import file_object_key
from engageiq_files.uploads.streaming import (
    MULTIPART_OVERHEAD,
    EmptyFile,
    FileTooLarge,
    MalformedUpload,
    ReceivedFile,
    StreamedUpload,
)
from engageiq_tenancy.audit import AuditAction, AuditTarget, AuditUnavailable
from engageiq_tenancy.audit.write_ahead import recorded
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER

REPLACES_ERRORS = (
    Errors.NOT_FILE_STEWARD.documented(note="`replaces`"),
    Errors.FILE_NOT_FOUND.documented(note="`replaces`"),
    Errors.UPLOAD_NOT_COMPLETED.documented(note="`replaces`"),
)
"""How routes that take `replaces` document its errors."""


STEWARDSHIP_ERRORS = (
    Errors.INVALID_COLLECTION_IDS,
    Errors.INVALID_REVIEW_BY,
    Errors.NOT_FILE_STEWARD.documented(note="`verify`"),
    Errors.COLLECTION_NOT_FOUND.documented(note="`collectionId`"),
)
"""How upload routes document their governance parameters' errors (decision 0111)."""


class DirectUploadRequest(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    name: str
    replaces: str | None = None
    """The id of a file this upload is a new version of (decision 0052)."""
    collection_ids: list[str] | None = None
    """The collections the file goes into (each one you can see); a new version keeps the
    replaced file's when left out (decision 0111)."""
    size: Annotated[int, msgspec.Meta(ge=0)] | None = None
    """The file's size in bytes, when known: one over the limit is refused (413
    `file_too_large`) before anything is recorded. `complete` checks the stored size
    whatever this says."""


async def version_fields(
    files: FilesRuntime,
    tenant: TenantContext,
    replaces: str | None,
    stewardship: UploadStewardship | None = None,
) -> dict[str, Any]:
    """The record fields of an upload that replaces file `replaces` (404 `file_not_found` if
    it is not one of the tenant's files the caller may see; 403 `forbidden` unless the caller
    owns it or is a tenant admin, the one right of every change of a file; 409
    `upload_not_completed` if it is a direct upload still awaiting its bytes), or none for a
    new document. Both files are marked `versioned` so listings know to look their versions
    up. With them the governance fields `stewardship` asks for (collections and owner
    inherited from the replaced file unless given), checked before anything is written."""
    stewardship = stewardship or UploadStewardship()
    if not replaces:
        return await stewardship.fields(files, tenant, None)
    target = await find_file(files, tenant, replaces)
    # A new version changes what everyone's answers cite: the same right as deleting it, the
    # document's (its current version's owner decides, whichever version is named).
    document = await require_steward(files, tenant, target, "replace")
    if target.awaiting_upload:
        # A version of a document whose first upload never arrived would become a second
        # current version once that upload is completed (found by the isolation property
        # test's version invariant, decision 0089): there is nothing to replace yet.
        raise ApiError(Errors.UPLOAD_NOT_COMPLETED, name=target.name)
    # Collections and owner come from the document as it is now (its current version).
    governance = await stewardship.fields(files, tenant, document)
    if not target.versioned:
        await anyio.to_thread.run_sync(
            lambda: files.catalog.update(tenant, target.id, versioned=True)
        )
    return {
        "document_id": target.document,
        "replaces": target.id,
        "versioned": True,
        **governance,
    }


class AcceptedType(msgspec.Struct, rename="camel"):
    """One kind of file uploads accept (`sniffing.ACCEPTED`)."""

    kind: str
    label: str
    """How people call it: "PDF", "Word", "PowerPoint", "PNG"..."""
    content_type: str
    extensions: list[str]
    """File name extensions a file picker offers for it, with the dot (".pptx")."""
    ocr: bool
    """An image whose text is read by OCR."""


class UploadLimits(msgspec.Struct, rename="camel"):
    max_bytes: int
    """The largest file either upload path accepts."""
    types: list[AcceptedType]
    """Every kind accepted: the content is sniffed, and any other text is read as plain
    text."""


@get("/api/files/upload-limits", security=[BEARER], tags=["files"], responses=documented_errors())
async def upload_limits(files: NamedDependency[FilesRuntime]) -> UploadLimits:
    """What an upload may be: the size limit and the accepted kinds, from the very list the
    service sniffs against, so the web app's accepted-types text and file picker say what is
    accepted and an oversize file is refused before its upload starts."""
    return UploadLimits(
        max_bytes=files.settings.max_upload_bytes,
        types=[
            AcceptedType(
                kind=kind.value,
                label=accepted.label,
                content_type=CONTENT_TYPES[kind],
                extensions=list(accepted.extensions),
                ocr=accepted.ocr,
            )
            for kind, accepted in ACCEPTED.items()
        ],
    )


class PresignedPost(msgspec.Struct):
    url: str
    fields: dict[str, str]


class DirectUpload(msgspec.Struct, rename="camel"):
    id: str
    name: str
    upload: PresignedPost
    max_bytes: int
    expires_in: int


def _listed(kinds: list[str]) -> str:
    return ", ".join(kinds[:-1]) + " or " + kinds[-1] if len(kinds) > 1 else "".join(kinds)


_FILE_PART: Final = (
    f"The document ({_listed([k for k in FileKind if not ACCEPTED[k].ocr])}) or an image "
    f"whose text is read by OCR ({_listed([k for k in FileKind if ACCEPTED[k].ocr])})."
)
"""The upload's file part as the OpenAPI document describes it, from `ACCEPTED`."""


@dataclass
class MultipartUploadOperation(Operation):
    """The streamed upload reads `request.stream()` itself, so Litestar cannot infer its body;
    this is the body it parses: multipart/form-data with one binary `file` part."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="One file as the `file` part; its type is sniffed from the content.",
            content={
                "multipart/form-data": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=["file"],
                        properties={
                            "file": Schema(
                                type=OpenAPIType.STRING,
                                # `binary` is what generators (openapi-typescript,
                                # schemathesis) read as a file part.
                                format=OpenAPIFormat.BINARY,
                                content_media_type="application/octet-stream",
                                description=_FILE_PART,
                            )
                        },
                    )
                )
            },
        )


def _content_type_of(kind: FileKind) -> str:
    return CONTENT_TYPES[kind]


def _boundary_of(request: Request[Any, Any, Any]) -> str:
    media_type, options = parse_options_header(request.headers.get("content-type", ""))
    boundary = options.get("boundary", "")
    if media_type != "multipart/form-data" or not boundary:
        raise ApiError(
            Errors.MALFORMED_UPLOAD, detail="send multipart/form-data with a 'file' field"
        )
    return str(boundary)


def _check_declared_length(request: Request[Any, Any, Any], limit: int) -> None:
    """Refuse by Content-Length before reading a byte; chunked bodies are counted as read."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if not declared.isdigit():
        raise ApiError(Errors.MALFORMED_UPLOAD, detail="the Content-Length header is not a number")
    if int(declared) > limit + MULTIPART_OVERHEAD:
        raise ApiError(Errors.FILE_TOO_LARGE, limit=limit)


async def _receive(
    upload: StreamedUpload, request: Request[Any, Any, Any], limit: int
) -> ReceivedFile:
    """The upload's body, stored; refusals as the API's errors."""
    try:
        return await upload.receive(request.stream())
    except FileTooLarge:
        raise ApiError(Errors.FILE_TOO_LARGE, limit=limit) from None
    except HTTPException as exc:
        # Litestar's own body-size guard (request_max_body_size) fires first when a body
        # arrives in large pieces; it means the same thing.
        if exc.status_code == 413:
            raise ApiError(Errors.FILE_TOO_LARGE, limit=limit) from None
        raise
    except EmptyFile:
        raise ApiError(Errors.EMPTY_FILE) from None
    except MalformedUpload as exc:
        raise ApiError(Errors.MALFORMED_UPLOAD, detail=str(exc)) from None
    except UnsupportedFileType as exc:
        raise ApiError(Errors.UNSUPPORTED_FILE_TYPE, detail=str(exc)) from None


@post(
    "/api/upload-file",
    security=[BEARER],
    tags=["files"],
    status_code=201,
    operation_class=MultipartUploadOperation,
    responses=documented_errors(
        Errors.EMPTY_FILE,
        Errors.MALFORMED_UPLOAD.documented(note="not multipart/form-data with one `file` field"),
        Errors.INVALID_REQUEST,
        *REPLACES_ERRORS,
        *STEWARDSHIP_ERRORS,
        Errors.FILE_TOO_LARGE,
        Errors.UNSUPPORTED_FILE_TYPE,
    ),
)
async def upload_file(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    replaces: Annotated[str | None, QueryParameter(max_length=64)] = None,
    collection_id: Annotated[
        list[str] | None,
        QueryParameter(
            name="collectionId",
            max_items=64,
            description="A collection the file goes into (repeat for several).",
        ),
    ] = None,
    verify: Annotated[
        bool, QueryParameter(description="Verify the file as uploaded (owner or admin).")
    ] = False,
    review_by: Annotated[
        str | None,
        QueryParameter(
            name="reviewBy",
            max_length=32,
            description="With `verify=true`: the verification holds until this day "
            "(YYYY-MM-DD, UTC).",
        ),
    ] = None,
) -> UploadedFile:
    """Upload one file as multipart/form-data (field `file`), streamed to storage.
    `?replaces=<file id>` uploads a new version of that file's document: it becomes the
    current version once it is ready (404 if the id is not one of the tenant's files), and
    keeps that file's collections and owner unless `collectionId`s are given.
    `collectionId` (repeatable) puts the file into collections you can see;
    `verify=true&reviewBy=YYYY-MM-DD` verifies it at once (its owner or an admin)."""
    settings = files.settings
    limit = settings.max_upload_bytes
    _check_declared_length(request, limit)
    boundary = _boundary_of(request)
    stewardship = UploadStewardship(collection_id, verify, review_by)
    versioning = await version_fields(files, tenant, replaces, stewardship)
    file_id = new_file_id()
    key = file_object_key(tenant, file_id)
    # The record is written before any byte is stored, so nothing stored is ever out of
    # a record's reach, even if this process dies mid-upload (decision 0092).
    intent = UploadIntent(
        files.catalog,
        files.store,
        tenant,
        file_id,
        key,
        versioning,
        settings.upload_intent_seconds,
    )
    upload = StreamedUpload(
        files.store,
        tenant,
        key,
        boundary,
        max_bytes=limit,
        part_size=settings.part_size,
        parts_in_flight=settings.parts_in_flight,
        content_type_of=_content_type_of,
        before_store=intent.register,
    )
    try:
        received = await _receive(upload, request, limit)
    except BaseException:
        # The multipart upload is aborted already; the record goes too.
        await intent.discard()
        raise
    # Recorded once the bytes are stored, before the file becomes visible (decision 0119); if
    # the entry cannot be written the upload is discarded and answers 503.
    name = intent.record.name if intent.record is not None else received.raw_name
    try:
        async with recorded(
            request,
            AuditAction.FILE_VERSION_ADDED if replaces else AuditAction.FILE_UPLOADED,
            AuditTarget("file", file_id, name),
            _upload_detail(versioning, received.size),
        ):
            record = await intent.complete(received)
    except AuditUnavailable:
        await intent.discard()
        raise
    if record.governed:
        # Its collections now restrict who sees it: this process reads them again at once.
        files.knowledge.forget(tenant)
    await files.enqueue(tenant, file_id)
    return UploadedFile(
        id=record.id,
        name=record.name,
        size=record.size,
        content_type=record.content_type,
        status=record.status,
    )


@post(
    "/api/files/uploads",
    security=[BEARER],
    tags=["files"],
    status_code=201,
    responses=documented_errors(
        *REPLACES_ERRORS,
        Errors.INVALID_COLLECTION_IDS,
        Errors.COLLECTION_NOT_FOUND.documented(note="`collectionIds`"),
        Errors.FILE_TOO_LARGE.documented(doc="the declared `size` is over the limit"),
    ),
)
async def create_direct_upload(
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    data: JSONBody[DirectUploadRequest],
) -> DirectUpload:
    """A presigned POST to upload a large file straight to storage; then call `complete`
    (or `DELETE /api/files/{id}` if the upload to storage fails: the record goes at once).
    `size`, when given, is checked against the limit before anything is recorded.
    `replaces` makes the upload a new version of that file's document; `collectionIds` puts
    the file into collections you can see (a new version keeps the replaced file's
    collections when left out)."""
    settings = files.settings
    limit = settings.max_upload_bytes
    if data.size is not None and data.size > limit:
        # Refused before anything is recorded: no "waiting for the upload" row is left behind.
        raise ApiError(Errors.FILE_TOO_LARGE, limit=limit)
    versioning = await version_fields(
        files, tenant, data.replaces, UploadStewardship(data.collection_ids)
    )
    file_id = new_file_id()
    key = file_object_key(tenant, file_id)
    record = FileRecord(
        id=file_id,
        name=sanitise_name(data.name),
        object_key=key,
        created_at=now_iso(),
        uploaded_by=tenant.user_id,
        awaiting_upload=True,
        # No upload can start once the form expires; one started just before has as long as
        # a streamed upload to finish. A record still awaiting its bytes after that was
        # abandoned (a closed tab): it expires, leaves the listing and is the reaper's,
        # instead of showing "waiting for the upload" for an hour as it did.
        expires_at=int(time.time())
        + settings.presign_expiry_seconds
        + settings.upload_intent_seconds,
        **versioning,
    )
    await anyio.to_thread.run_sync(files.catalog.create, tenant, record)
    if record.governed:
        files.knowledge.forget(tenant)
    post_form = await anyio.to_thread.run_sync(
        files.store.presigned_post, tenant, key, limit, settings.presign_expiry_seconds
    )
    return DirectUpload(
        id=file_id,
        name=record.name,
        upload=PresignedPost(url=post_form["url"], fields=post_form["fields"]),
        max_bytes=limit,
        expires_in=settings.presign_expiry_seconds,
    )


@post(
    "/api/files/{file_id:str}/complete",
    security=[BEARER],
    tags=["files"],
    status_code=200,
    responses=documented_errors(
        Errors.EMPTY_FILE,
        Errors.INVALID_REQUEST,
        Errors.NOT_FILE_STEWARD,
        Errors.FILE_NOT_FOUND,
        Errors.ALREADY_COMPLETED,
        Errors.UPLOAD_MISSING.documented(note="nothing was posted to the form yet"),
        Errors.FILE_TOO_LARGE.documented(doc="the uploaded object is over the limit"),
        Errors.UNSUPPORTED_FILE_TYPE.documented(doc="the uploaded content is not an accepted type"),
    ),
)
async def complete_direct_upload(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
) -> FileView:
    """Verify a direct upload (size and sniffed type) and start ingesting it. Only the
    file's owner (who started the upload, unless an admin reassigned it) or a tenant admin
    completes it (403 else)."""
    limit = files.settings.max_upload_bytes
    record = await find_file(files, tenant, file_id)
    require_change_right(tenant, record, "complete the upload of")
    if not record.awaiting_upload:
        raise ApiError(Errors.ALREADY_COMPLETED)
    head = await anyio.to_thread.run_sync(files.store.head, tenant, record.object_key)
    if head is None:
        raise ApiError(Errors.UPLOAD_MISSING)
    size = int(head["ContentLength"])
    # Pin the version checked here: the form can post again to the same key until it
    # expires, and later bytes must never be served or indexed as this file.
    version: str | None = head.get("VersionId")
    try:
        if size > limit:
            raise ApiError(Errors.FILE_TOO_LARGE, limit=limit)
        if size == 0:
            raise ApiError(Errors.EMPTY_FILE)
        first = await anyio.to_thread.run_sync(
            files.store.read_head, tenant, record.object_key, SNIFF_BYTES, version
        )
        try:
            kind = sniff(first, record.name)
        except UnsupportedFileType as exc:
            raise ApiError(Errors.UNSUPPORTED_FILE_TYPE, detail=str(exc)) from None
    except ApiError:
        # A refused direct upload leaves nothing: neither the object nor the record.
        await anyio.to_thread.run_sync(files.store.delete, tenant, record.object_key)
        await anyio.to_thread.run_sync(files.catalog.delete, tenant, file_id)
        raise
    checked: dict[str, Any] = {
        "awaitingUpload": False,
        "size": size,
        "kind": kind.value,
        "contentType": CONTENT_TYPES[kind],
        "status": FileStatus.PENDING,
    }
    if version:
        checked["objectVersion"] = version
    async with recorded(
        request,
        AuditAction.FILE_VERSION_ADDED if record.replaces else AuditAction.FILE_UPLOADED,
        AuditTarget("file", file_id, record.name),
        {**_upload_detail({"replaces": record.replaces}, size), "direct": True},
    ):
        completed = await anyio.to_thread.run_sync(
            lambda: files.catalog.update(
                tenant,
                file_id,
                expect_awaiting=True,
                # Once expired the upload is the reaper's, which may be deleting its object.
                expect_live=True,
                remove=("expiresAt",),
                **checked,
            )
        )
        if not completed:
            raise ApiError(Errors.ALREADY_COMPLETED)
    await files.enqueue(tenant, file_id)
    return await file_view(files, tenant, await find_file(files, tenant, file_id))


def _upload_detail(versioning: dict[str, Any], size: int) -> dict[str, str | int]:
    """What an upload's entry says besides its file: its size, and the file it replaces."""
    replaces = versioning.get("replaces")
    return {"size": size, **({"replaces": str(replaces)} if replaces else {})}


def upload_router(settings: FilesSettings) -> Router:
    """The streamed upload's route, under its own body limit: the file limit plus form
    overhead. The other routes keep Litestar's default limit, as their bodies are JSON."""
    return Router(
        path="/",
        route_handlers=[upload_file],
        # Deliberately the file limit plus form overhead: Litestar's default (10 MB) would
        # refuse legitimate files, and None would accept anything.
        request_max_body_size=settings.max_upload_bytes + MULTIPART_OVERHEAD,
    )
