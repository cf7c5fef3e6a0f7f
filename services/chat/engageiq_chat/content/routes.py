"""`GET /api/content-issues`, `POST /api/content-issues/{id}/resolve` (the files' owners and
the tenant's admins) and `GET /api/tenant/content-health` (tenant admins)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from engageiq_chat.content.issues import MAX_NOTE_CHARS, ContentIssue, IssueStatus
from engageiq_chat.services import ChatServices
from engageiq_tenancy.auth import requires_member, requires_tenant_admin
from engageiq_tenancy.content_health import ContentHealth
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.display_text import clean_display_text
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.service import BEARER


class ContentIssueList(msgspec.Struct, rename="camel"):
    issues: list[ContentIssue]


class Resolution(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    note: str = ""
    """What was done (1 to 1,000 visible characters, kept as one line of plain text)."""


def clean_note(raw: str) -> str:
    """The note as one line of visible text; 400 `resolution_note_required` when nothing
    visible is left (a missing, empty or blank note), `resolution_note_too_long` past the
    limit."""
    note = clean_display_text(raw)
    if not note:
        # Absent and blank alike: a resolution says what was done.
        raise ApiError(Errors.RESOLUTION_NOTE_REQUIRED, limit=MAX_NOTE_CHARS)
    if len(note) > MAX_NOTE_CHARS:
        raise ApiError(Errors.RESOLUTION_NOTE_TOO_LONG, limit=MAX_NOTE_CHARS)
    return note


@get(
    "/api/content-issues",
    guards=[requires_member],
    security=[BEARER],
    tags=["content"],
    responses=documented_errors(Errors.INVALID_REQUEST.documented(note="unknown status")),
)
async def list_content_issues(
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
    status: Annotated[Literal["open", "resolved"], QueryParameter()] = "open",
) -> ContentIssueList:
    """Answers rated down with a reason, for the people who can fix the content: the owners
    of the cited files see the issues naming a file they own, tenant admins all. An issue
    citing any file the caller may not see is not shown to them at all (its question and
    answer quote it). Newest first, at most 200."""
    return ContentIssueList(issues=await chat.content.issues.listed(tenant, IssueStatus(status)))


@post(
    "/api/content-issues/{issue_id:str}/resolve",
    guards=[requires_member],
    security=[BEARER],
    tags=["content"],
    status_code=200,
    request_max_body_size=8192,
    responses=documented_errors(
        Errors.RESOLUTION_NOTE_REQUIRED,
        Errors.RESOLUTION_NOTE_TOO_LONG.documented(note=f"over {MAX_NOTE_CHARS} characters"),
        Errors.INVALID_REQUEST.documented(note="not JSON, or unknown fields"),
        Errors.CONTENT_ISSUE_NOT_FOUND,
        Errors.CONTENT_ISSUE_RESOLVED,
    ),
)
async def resolve_content_issue(
    issue_id: FromPath[str],
    data: JSONBody[Resolution],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> ContentIssue:
    """Resolve an open issue with a note (an owner of a cited file, or a tenant admin; either
    may see every file it cites, else 404 as for an unknown id)."""
    return await chat.content.issues.resolve(tenant, issue_id, clean_note(data.note))


@get(
    "/api/tenant/content-health",
    guards=[requires_tenant_admin],
    security=[BEARER],
    tags=["tenant"],
    responses=documented_errors(Errors.FORBIDDEN.documented(note="you are not a tenant admin")),
)
async def content_health(
    tenant: NamedDependency[TenantContext], chat: NamedDependency[ChatServices]
) -> ContentHealth:
    """What to fix first: stale files still cited, the most cited unverified files, files not
    cited in 90 days, the files of answers rated down most, and the questions the content could
    not answer (grouped by their normalised text, with counts). The same report as
    `engageiq tenants content-health`."""

    return await chat.content.health.report(tenant)
