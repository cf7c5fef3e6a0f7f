"""GET /api/files/{id}/content (the file itself, inline when safe) and
GET /api/files/{id}/passages (its extracted text at a location): what a citation opens.

Both find the file exactly as the download does (`catalog.access.find_file`: the caller's
tenant only, 404 for another tenant's id and for a file the caller's audiences hide), so
whoever may download a file may read it, and nobody else."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import anyio.to_thread
import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIFormat, OpenAPIType
from litestar.params import QueryParameter
from litestar.response import Stream

from engageiq_files.catalog.access import find_file
from engageiq_files.catalog.records import FileStatus
from engageiq_files.catalog.routes import FileIdPath
from engageiq_files.reading.inline import served_file_headers
from engageiq_files.reading.passages import SourceSection, sections_of
from engageiq_files.runtime import FilesRuntime
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.requests import record_audit
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER


class SourcePassages(msgspec.Struct, rename="camel"):
    file_id: str
    name: str
    content_type: str
    status: FileStatus
    location: str | None
    """The location asked for; None for the start of the file."""
    sections: list[SourceSection]
    """The text at `location` (several sections may share one, e.g. a repeated heading); empty
    when the file has no such location (any more) or no extracted text yet."""


@dataclass
class FileContentOperation(Operation):
    """`/content` answers 200 with the file's own bytes and type, not JSON."""

    def __post_init__(self) -> None:
        responses = self.responses or {}
        responses["200"] = OpenAPIResponse(
            description="The file's bytes, with the type sniffed at upload (`application/pdf`, "
            "`image/png`, `text/plain`...), `X-Content-Type-Options: nosniff`, a `sandbox` "
            "Content-Security-Policy and `Content-Disposition` inline or attachment.",
            content={
                "*/*": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                )
            },
        )
        self.responses = responses


@get(
    "/api/files/{file_id:str}/content",
    operation_class=FileContentOperation,
    security=[BEARER],
    tags=["files"],
    responses=documented_errors(
        Errors.FILE_NOT_FOUND,
        Errors.UPLOAD_NOT_COMPLETED.documented(doc="the direct upload never sent its bytes"),
    ),
)
async def file_content(
    request: Request[Any, Any, Any],
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
    disposition: Annotated[
        str,
        QueryParameter(
            pattern="^(inline|attachment)$",
            description="`inline` shows PDFs and PNG/JPEG/WebP/GIF/BMP/AVIF images in the "
            "browser; every other type is an attachment whatever is asked.",
        ),
    ] = "inline",
) -> Stream:
    """The file's bytes with its sniffed type, `X-Content-Type-Options: nosniff`, a sandbox
    Content-Security-Policy and `Content-Disposition` inline (PDF, PNG, JPEG, WebP, GIF, BMP,
    AVIF) or attachment."""
    record = await find_file(files, tenant, file_id)
    if record.awaiting_upload:
        raise ApiError(Errors.UPLOAD_NOT_COMPLETED, name=record.name)
    # Recorded before a byte is read (decision 0119): shown inline or saved, it is a download.
    await record_audit(
        request,
        AuditAction.FILE_DOWNLOADED,
        AuditTarget("file", record.id, record.name),
        detail={"via": "content", "disposition": disposition},
    )
    pieces, length = await anyio.to_thread.run_sync(
        files.store.open_body, tenant, record.object_key, record.object_version
    )
    headers = served_file_headers(record.name, record.content_type, inline=disposition == "inline")
    headers["Content-Length"] = str(length)
    return Stream(
        pieces, media_type=record.content_type or "application/octet-stream", headers=headers
    )


@get(
    "/api/files/{file_id:str}/passages",
    security=[BEARER],
    tags=["files"],
    responses=documented_errors(Errors.FILE_NOT_FOUND),
)
async def file_passages(
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    file_id: FileIdPath,
    at: Annotated[
        str | None,
        QueryParameter(
            max_length=300,
            description="A citation's location (`page 2`, `slide 3`, `Pricing!A2:F40`); "
            "without it, the start of the file.",
        ),
    ] = None,
) -> SourcePassages:
    """The file's extracted text at a citation's location, whole (the passage in context)."""
    record = await find_file(files, tenant, file_id)
    sections: list[SourceSection] = []
    if record.chunks_key:
        blob = await anyio.to_thread.run_sync(files.store.get_bytes, tenant, record.chunks_key)
        if blob is not None:
            sections = sections_of(blob, at)
    return SourcePassages(
        file_id=record.id,
        name=record.name,
        content_type=record.content_type,
        status=record.status,
        location=at,
        sections=sections,
    )
