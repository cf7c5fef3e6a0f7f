"""Content issues (decision 0111): a thumbs-down with a reason on an answer that has sources
goes to the people who can fix the content, the owners of the cited files and the tenant's
admins.

- One issue per rated answer (`content_keys.issue_key`, keyed by the answer's id): rating it
  again updates the open issue; taking the thumbs-down (or its reason) back withdraws it. A
  resolved issue stays resolved, whatever the answer's rating does later.
- Stored tenant-wide (`<tenant>#CONTENT`), never in the rater's partition: the owners read it.
- Who sees an issue is decided when it is read (`issue_seen_by`): the file owners of today
  (an admin may have reassigned a file since) and the audience rule of today. An issue is
  shown, and may be resolved, only by a reader who may see EVERY file it cites: its question
  and answer quote all of them (and the answer's markers count them), so leaving a hidden
  file out of `files` would still show its text. Nothing is partially redacted. Admins are
  admitted everywhere, so they see every issue."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, Final

import msgspec

from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.knowledge.scope import Knowledge
from engageiq_chat.messages.model import Citation, Feedback, Rating, StoredMessage
from engageiq_chat.messages.store import MessageStore
from engageiq_chat.storage import ConditionFailed, DynamoTables, values
from engageiq_tenancy.content_keys import content_partition, issue_key, issue_prefix
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.governance import KnowledgeView
from engageiq_tenancy.items import from_item
from engageiq_tenancy.keys import InvalidObjectId

MAX_NOTE_CHARS: Final = 1000
MAX_ISSUE_TEXT: Final = 4000
"""Characters of the question and of the answer kept on an issue (the rest is in the rater's
conversation)."""
MAX_LISTED: Final = 200
LIST_PAGES: Final = 10
"""Pages (1 MB each) of the tenant's issues read per listing, newest first."""


class IssueStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class IssueFile(msgspec.Struct, rename="camel", kw_only=True):
    """A cited file as the issue stores it."""

    file_id: str
    name: str
    version_date: str = ""
    """The cited version's upload date."""
    uploaded_by: str = ""
    owner_id: str = ""
    """Who owned the file when the issue was raised (its `owner`, else its uploader)."""


class StoredIssue(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    """The rated answer's message id."""
    created_at: str
    updated_at: str = ""
    status: IssueStatus = IssueStatus.OPEN
    question: str = ""
    answer: str = ""
    reason: str = ""
    asked_by: str = ""
    conversation_id: str = ""
    files: list[IssueFile] = msgspec.field(default_factory=list)
    owner_ids: list[str] = msgspec.field(default_factory=list)
    resolved_at: str | None = None
    resolved_by: str | None = None
    resolution: str | None = None


class IssueFileView(msgspec.Struct, rename="camel", kw_only=True):
    file_id: str
    name: str
    version_date: str


class ContentIssue(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    """An issue as `GET /api/content-issues` shows it to one reader."""

    id: str
    created_at: str
    status: str
    """`open` or `resolved`."""
    question: str
    answer: str
    reason: str
    asked_by: str
    """The user id of the member who asked and rated."""
    files: list[IssueFileView]
    """Every cited file (the reader may see them all, or is not shown the issue)."""
    owner_ids: list[str]
    """Today's owners of those files."""
    resolved_at: str | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    """The resolver's note."""


class ContentIssueNotFound(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.CONTENT_ISSUE_NOT_FOUND)


class ContentIssueResolved(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.CONTENT_ISSUE_RESOLVED)


def current_owner(file: IssueFile, view: KnowledgeView) -> str:
    """The file's owner now: a reassigned owner is a governed fact (`view.files`); otherwise
    the uploader."""
    facts = view.files.get(file.file_id)
    return (facts.owner if facts is not None else "") or file.uploaded_by or file.owner_id


def issue_seen_by(
    caller: TenantContext, issue: StoredIssue, view: KnowledgeView
) -> ContentIssue | None:
    """The issue as `caller` may see it, or None. Only a caller who may see every cited file
    is shown it (its question and answer are the hidden file's text too); then an admin sees
    it, anyone else only when they own one of its files."""
    if not all(view.may_see_file(caller, f.file_id) for f in issue.files):
        return None
    files = issue.files
    owners = list(dict.fromkeys(o for o in (current_owner(f, view) for f in files) if o))
    if not files or not (caller.has_role(Role.TENANT_ADMIN) or caller.user_id in owners):
        return None
    return ContentIssue(
        id=issue.id,
        created_at=issue.created_at,
        status=issue.status.value,
        question=issue.question,
        answer=issue.answer,
        reason=issue.reason,
        asked_by=issue.asked_by,
        files=[
            IssueFileView(file_id=f.file_id, name=f.name, version_date=f.version_date)
            for f in files
        ],
        owner_ids=owners,
        resolved_at=issue.resolved_at,
        resolved_by=issue.resolved_by,
        resolution=issue.resolution,
    )


def raises_issue(feedback: Feedback | None) -> bool:
    """A thumbs-down with a reason (on an answer with sources) is a content issue."""
    return feedback is not None and feedback.rating == Rating.DOWN and bool(feedback.reason)


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_ISSUE_TEXT else text[: MAX_ISSUE_TEXT - 1] + "…"


def _issue(item: dict[str, Any]) -> StoredIssue:
    plain = {k: v for k, v in from_item(item).items() if k not in ("pk", "sk")}
    return msgspec.convert(plain, StoredIssue)


class ContentIssues:
    """Raises, lists and resolves the tenant's content issues (usage table, tenant-scoped
    clients); the cited files' names and owners, and who may see them, come from the chat
    service's `Knowledge`."""

    def __init__(self, tables: DynamoTables, messages: MessageStore, knowledge: Knowledge) -> None:
        self._tables = tables
        self._messages = messages
        self._knowledge = knowledge

    async def rated(
        self, tenant: TenantContext, before: StoredMessage, feedback: Feedback | None
    ) -> None:
        """Follow a change of the caller's rating of `before` (the answer as it was before the
        change; `feedback` None: withdrawn): raise or update its issue, or withdraw it."""
        if not before.citations:
            return
        reason = feedback.reason if raises_issue(feedback) and feedback is not None else None
        if reason:
            await self._raise(tenant, before, reason)
        elif raises_issue(before.feedback):
            await self._withdraw(tenant, before.id)

    async def _raise(self, tenant: TenantContext, answer: StoredMessage, reason: str) -> None:
        question = await self._messages.question_of(tenant, answer.conversation_id, answer.id)
        files = await self._cited_files(tenant, answer.citations)
        now = now_iso()
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.usage,
                Key=values(issue_key(tenant, answer.id)),
                UpdateExpression=(
                    "SET id = :id, createdAt = if_not_exists(createdAt, :now), updatedAt = :now,"
                    " #status = :open, question = :question, answer = :answer,"
                    " reason = :reason, askedBy = :by, conversationId = :cid, files = :files,"
                    " ownerIds = :owners"
                ),
                # A resolved issue stays resolved: the owners have dealt with it.
                ConditionExpression="attribute_not_exists(pk) OR #status = :open",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values(
                    {
                        ":id": answer.id,
                        ":now": now,
                        ":open": IssueStatus.OPEN.value,
                        ":question": _bounded(question.content if question else ""),
                        ":answer": _bounded(answer.content),
                        ":reason": reason,
                        ":by": tenant.user_id,
                        ":cid": answer.conversation_id,
                        ":files": msgspec.to_builtins(files),
                        ":owners": list(dict.fromkeys(f.owner_id for f in files if f.owner_id)),
                    }
                ),
            )
        except ConditionFailed:
            return

    async def _withdraw(self, tenant: TenantContext, issue_id: str) -> None:
        try:
            await self._tables.call(
                tenant,
                "delete_item",
                TableName=self._tables.usage,
                Key=values(issue_key(tenant, issue_id)),
                ConditionExpression="#status = :open",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values({":open": IssueStatus.OPEN.value}),
            )
        except ConditionFailed:
            return  # none, or resolved: kept

    async def _cited_files(
        self, tenant: TenantContext, citations: Sequence[Citation]
    ) -> list[IssueFile]:
        """Each cited file once, in source order, with its name and owner from its record
        (one BatchGetItem; a file deleted since keeps the name it was cited under)."""
        cited: dict[str, Citation] = {}
        for citation in citations:
            cited.setdefault(citation.source_id, citation)
        records = await self._knowledge.file_records(
            tenant, list(cited), ("name", "owner", "uploadedBy", "createdAt")
        )
        files = []
        for file_id, citation in cited.items():
            record = records.get(file_id, {})
            uploader = str(record.get("uploadedBy") or "")
            files.append(
                IssueFile(
                    file_id=file_id,
                    name=str(record.get("name") or citation.title),
                    version_date=citation.uploaded_at or str(record.get("createdAt") or ""),
                    uploaded_by=uploader,
                    owner_id=str(record.get("owner") or "") or uploader,
                )
            )
        return files

    async def listed(self, caller: TenantContext, status: IssueStatus) -> list[ContentIssue]:
        """The caller's issues of one status, newest first (at most `MAX_LISTED`)."""
        view = await self._knowledge.view(caller)
        request: dict[str, Any] = {
            "TableName": self._tables.usage,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "FilterExpression": "#status = :status",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values(
                {
                    ":pk": content_partition(caller),
                    ":prefix": issue_prefix(),
                    ":status": status.value,
                }
            ),
            # Answer ids are time-ordered: the newest issues first.
            "ScanIndexForward": False,
        }
        shown: list[ContentIssue] = []
        for _ in range(LIST_PAGES):
            answer = await self._tables.call(caller, "query", **request)
            for item in answer.get("Items", []):
                seen = issue_seen_by(caller, _issue(item), view)
                if seen is not None:
                    shown.append(seen)
                if len(shown) >= MAX_LISTED:
                    return shown
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
            request["ExclusiveStartKey"] = start
        return shown

    async def resolve(self, caller: TenantContext, issue_id: str, note: str) -> ContentIssue:
        """Mark an open issue resolved with the caller's note. ContentIssueNotFound for an id
        that does not exist or that the caller may not see; ContentIssueResolved when it was
        resolved before (by anyone)."""
        try:
            key = values(issue_key(caller, issue_id))
        except InvalidObjectId:
            raise ContentIssueNotFound() from None
        answer = await self._tables.call(
            caller, "get_item", TableName=self._tables.usage, Key=key, ConsistentRead=True
        )
        if "Item" not in answer:
            raise ContentIssueNotFound()
        issue = _issue(answer["Item"])
        view = await self._knowledge.view(caller)
        if issue_seen_by(caller, issue, view) is None:
            raise ContentIssueNotFound()
        if issue.status == IssueStatus.RESOLVED:
            raise ContentIssueResolved()
        now = now_iso()
        try:
            await self._tables.call(
                caller,
                "update_item",
                TableName=self._tables.usage,
                Key=key,
                UpdateExpression=(
                    "SET #status = :resolved, resolvedAt = :now, resolvedBy = :by,"
                    " resolution = :note, updatedAt = :now"
                ),
                ConditionExpression="#status = :open",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values(
                    {
                        ":resolved": IssueStatus.RESOLVED.value,
                        ":open": IssueStatus.OPEN.value,
                        ":now": now,
                        ":by": caller.user_id,
                        ":note": note,
                    }
                ),
            )
        except ConditionFailed:
            # Resolved (or withdrawn by its rater) since it was read.
            raise ContentIssueResolved() from None
        resolved = msgspec.structs.replace(
            issue,
            status=IssueStatus.RESOLVED,
            resolved_at=now,
            resolved_by=caller.user_id,
            resolution=note,
            updated_at=now,
        )
        shown = issue_seen_by(caller, resolved, view)
        assert shown is not None, "the same reader and view that let the caller resolve it"
        return shown
