"""`RetentionSweep`: applies one tenant's retention policy as of a moment (decision 0122).

Conversations whose last activity (`updatedAt`) is older than the policy's cut-off go
completely, each in the order of a user's own delete (decision 0026), so a sweep cut short
leaves nothing visible and the next one finishes it:

1. the conversation item is marked deleted FIRST, on condition that it is still live and
   still older than the cut-off (a message added meanwhile makes it newer: it stays). From
   here every route answers 404, the listing drops it, its links stop resolving and a turn
   racing it fails. The mark moves it in the `by_updated` index from the user's listing to
   the user's retiring partition (`conversations.keys.retiring_partition`), where the next
   run finds it;
2. its links (both items of each share), its text in the user's stored search index (noted
   dead, then merged away before the sweep ends), its messages (with their feedback and
   citations, which live on the message items), the content issues raised by rating its
   answers (they quote the question and the answer) and the remembered `Idempotency-Key`s
   that point at it;
3. the conversation item LAST: while it exists, marked deleted, a resumed sweep finds what is
   left (it takes every conversation marked deleted, whatever its age).

The tenant's unanswered questions (grouped question text, `content_keys`) last asked before the
cut-off go too. Deleted files: every object under the tenant's prefix whose current version is
a delete marker older than the files cut-off has all its versions removed (the bytes an
operator could otherwise still recover).

Finding the due conversations reads the sparse `by_updated` index (conversation items only,
never messages), not the table. A dry run reads the same things and counts them; it writes
nothing. Nothing newer than the cut-off is touched, so running twice deletes nothing the
second time."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol

import anyio
import msgspec
import structlog

from engageiq_chat.conversation_search.search import ConversationSearch, IndexCache
from engageiq_chat.conversation_search.segments import SegmentStore
from engageiq_chat.conversations import keys
from engageiq_chat.conversations.store import (
    ACTIVE,
    DELETED,
    ConversationStore,
)
from engageiq_chat.messages.store import MessageStore
from engageiq_chat.sharing import keys as share_keys
from engageiq_chat.sharing.store import ShareStore
from engageiq_chat.storage import ConditionFailed, DynamoTables, TenantDataClients, values
from engageiq_tenancy.audit import AuditAction, AuditActor, AuditOutcome, AuditTarget, AuditTrail
from engageiq_tenancy.content_keys import UNANSWERED_TAG, content_partition, issue_key
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item
from engageiq_tenancy.keys import IDEMPOTENCY_ENTITY, s3_tenant_prefix
from engageiq_tenancy.retention import (
    POLICIES_PARTITION,
    RetentionPolicy,
    cutoff,
    policy_key,
    timestamp,
)
from engageiq_tenancy.tenant_ids import KEY_DELIMITER
from engageiq_tenancy.tenants import (
    TenantRecord,
    TenantStatus,
    operator_record_key,
    record_from_item,
)

log = structlog.get_logger(__name__)

SYSTEM_USER: Final = "retention"
"""The `username` of the context the sweep acts in (the user id is each partition's owner)."""
DELETE_OBJECTS_MAX: Final = 1000
"""S3 DeleteObjects takes at most 1,000 keys."""
SCAN_PAGE_ITEMS: Final = 500
"""Index items read per Scan page while finding due conversations."""


@dataclass
class SweepBudget:
    """Bounded work per run (the service's periodic sweep): at most `conversations`
    conversations deleted, and none started after `deadline` (a `clock()` value). What is
    left is due at the next run; a conversation is never left half-done by the budget."""

    conversations: int
    deadline: float | None = None
    clock: Callable[[], float] = field(default=time.monotonic)

    @property
    def exhausted(self) -> bool:
        return self.conversations <= 0 or (
            self.deadline is not None and self.clock() >= self.deadline
        )


class RetentionCounts(msgspec.Struct, rename="camel", kw_only=True):
    """What went (or, in a dry run, would go), per kind."""

    conversations: int = 0
    messages: int = 0
    feedback: int = 0
    """Ratings on those messages."""
    citations: int = 0
    """Citations of documents in those answers."""
    shares: int = 0
    """Shared links to those conversations."""
    search_indexes: int = 0
    """Users' stored search indexes the conversations' text was removed from."""
    idempotency_keys: int = 0
    content_issues: int = 0
    """Content issues raised by rating those answers (they quote them)."""
    unanswered_questions: int = 0
    """Groups of questions the content could not answer, last asked before the cut-off."""
    deleted_files: int = 0
    """Deleted objects (documents, chunks, old index blobs) purged from storage."""
    file_versions: int = 0
    """The object versions and delete markers removed with them."""


class RetentionReport(msgspec.Struct, rename="camel", kw_only=True):
    tenant_id: str
    as_of: str
    """ISO-8601 UTC: the moment the policy was applied as of."""
    dry_run: bool
    policy: RetentionPolicy
    conversations_before: str | None
    """Conversations last active before this moment go (None: kept for ever)."""
    deleted_files_before: str | None
    """Files deleted before this moment are purged (None: no uploads bucket was given)."""
    counts: RetentionCounts


class RetentionAudit(Protocol):
    """Records one deletion the sweep makes (`retention.deleted`, system actor); blocking.
    Raises when the entry cannot be written: the sweep then stops before that deletion's
    data goes, and the next run resumes it."""

    def __call__(
        self, tenant_id: str, kind: str, target_id: str, detail: dict[str, int]
    ) -> None: ...


def trail_audit(trail: AuditTrail) -> RetentionAudit:
    """`RetentionAudit` onto the tenant's audit log (decision 0118)."""

    def record(tenant_id: str, kind: str, target_id: str, detail: dict[str, int]) -> None:
        trail.record(
            tenant_id,
            AuditActor.system(SYSTEM_USER),
            AuditAction.RETENTION_DELETED,
            AuditTarget(kind, target_id),
            AuditOutcome.SUCCEEDED,
            detail,
        )

    return record


@dataclass
class _Conversation:
    user_id: str
    conversation_id: str
    status: str


class NoSuchTenant(LookupError):
    """No tenant record with that id."""


class PlatformClients:
    """The same clients for every tenant: the operator's (CLI). Tenant data is still addressed
    only by keys built from the tenant id the sweep was given."""

    def __init__(self, clients: dict[str, Any]) -> None:
        self._clients = clients

    def client(self, tenant: TenantContext, name: str) -> Any:
        return self._clients[name]


def _user_of(tenant_id: str, pk: str) -> str | None:
    prefix = f"{tenant_id}{KEY_DELIMITER}{keys.USER_ENTITY}{KEY_DELIMITER}"
    user = pk.removeprefix(prefix) if pk.startswith(prefix) else None
    # A user id never holds the delimiter (OBJECT_ID_PATTERN): anything longer is not a user's.
    return user if user and KEY_DELIMITER not in user else None


class RetentionSweep:
    """One tenant's sweep over the chat tables (and the uploads bucket, when given).

    Finding the due conversations is a Scan of the `by_updated` index, made with
    `tables.call_as_service` (the chat service's own role may Scan that index and nothing
    else; the operator's credentials in the CLI); every other read and write goes through
    `tables.call` with the tenant's credentials (the tenant role in the cloud). `objects`
    gives the S3 client for a tenant's data in the uploads `bucket` (`client(tenant, "s3")`:
    the tenant role in the cloud); without it files are left alone."""

    def __init__(
        self,
        tables: DynamoTables,
        *,
        objects: TenantDataClients | None = None,
        bucket: str | None = None,
        audit: RetentionAudit | None = None,
    ) -> None:
        self._tables = tables
        self._conversations = ConversationStore(tables)
        self._messages = MessageStore(tables, self._conversations)
        self._shares = ShareStore(tables)
        # The sweep merges indexes but never searches: it keeps one user's in memory at most.
        self._search = ConversationSearch(tables, IndexCache(max_bytes=0), readers=1)
        self._segments = SegmentStore(tables)
        self._objects = objects
        self._bucket = bucket
        self._audit = audit

    @classmethod
    def with_clients(
        cls,
        dynamodb: Any,
        tables: dict[str, str],
        *,
        objects: Any = None,
        bucket: str | None = None,
        audit: RetentionAudit | None = None,
    ) -> RetentionSweep:
        """A sweep over plain boto3 clients (the operator's); `tables` maps logical names to
        physical ones, `objects` is an S3 client."""
        return cls(
            DynamoTables(
                PlatformClients({"dynamodb": dynamodb}),
                dynamodb,
                conversations=tables["conversations"],
                usage=tables["usage"],
                tenants=tables["tenants"],
            ),
            objects=None if objects is None else PlatformClients({"s3": objects}),
            bucket=bucket,
            audit=audit,
        )

    async def _record(self, tenant_id: str) -> TenantRecord | None:
        answer = await self._tables.call_as_service(
            "get_item",
            TableName=self._tables.tenants,
            Key=values(operator_record_key(tenant_id)),
            ConsistentRead=True,
        )
        return record_from_item(from_item(answer["Item"])) if "Item" in answer else None

    async def policy(self, tenant_id: str) -> RetentionPolicy:
        """The tenant's policy from its record; NoSuchTenant if there is none."""
        record = await self._record(tenant_id)
        if record is None:
            raise NoSuchTenant(tenant_id)
        return record.retention

    async def apply(
        self, tenant_id: str, as_of: datetime, *, dry_run: bool = False
    ) -> RetentionReport:
        """The tenant's own policy, as of `as_of`."""
        return await self.run(tenant_id, await self.policy(tenant_id), as_of, dry_run=dry_run)

    async def policy_tenants(self) -> list[str]:
        """The tenants whose policy is not the default (`retention.policy_key` items, written
        with the policy): one Query, so tenants without a policy cost nothing."""
        tenant_ids: list[str] = []
        request: dict[str, Any] = {
            "TableName": self._tables.tenants,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": values({":pk": POLICIES_PARTITION}),
            "ProjectionExpression": "sk",
            "ConsistentRead": True,
        }
        while True:
            answer = await self._tables.call_as_service("query", **request)
            tenant_ids += [
                str(from_item(i)["sk"]).removeprefix("TENANT#") for i in answer.get("Items", [])
            ]
            if "LastEvaluatedKey" not in answer:
                return tenant_ids
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    async def apply_all(
        self, as_of: datetime, budget: SweepBudget | None = None
    ) -> list[RetentionReport]:
        """Every tenant with a policy (what the service's periodic sweeper runs), within
        `budget`; a tenant being purged is left to its purge. One tenant's failure is logged,
        the others still run."""
        reports: list[RetentionReport] = []
        for tenant_id in await self.policy_tenants():
            if budget is not None and budget.exhausted:
                break
            try:
                record = await self._record(tenant_id)
                if record is None:
                    # Purged since: its entry in the list is all that is left of it here.
                    await self._tables.call_as_service(
                        "delete_item",
                        TableName=self._tables.tenants,
                        Key=values(policy_key(tenant_id)),
                    )
                    continue
                if record.retention.empty:
                    continue
                if record.status == TenantStatus.DELETING:
                    continue
                report = await self.run(tenant_id, record.retention, as_of, budget=budget)
            except Exception:
                log.exception("retention_failed", tenant_id=tenant_id)
                continue
            reports.append(report)
            log.info("retention_swept", tenant_id=tenant_id, **msgspec.to_builtins(report.counts))
        return reports

    async def run(
        self,
        tenant_id: str,
        policy: RetentionPolicy,
        as_of: datetime,
        *,
        dry_run: bool = False,
        budget: SweepBudget | None = None,
    ) -> RetentionReport:
        """Apply `policy` to `tenant_id` as of `as_of` (timezone-aware); a dry run counts only.
        With a `budget`, conversations beyond it are left for the next run."""
        counts = RetentionCounts()
        conversations_before = files_before = None
        if policy.conversations_days is not None:
            conversations_before = timestamp(cutoff(as_of, policy.conversations_days))
            await self._conversations_of(tenant_id, conversations_before, dry_run, counts, budget)
            await self._unanswered(tenant_id, conversations_before, dry_run, counts)
        if self._objects is not None:
            files_before = timestamp(cutoff(as_of, policy.deleted_files_days))
            await anyio.to_thread.run_sync(
                self._deleted_files,
                tenant_id,
                cutoff(as_of, policy.deleted_files_days),
                dry_run,
                counts,
            )
        report = RetentionReport(
            tenant_id=tenant_id,
            as_of=timestamp(as_of),
            dry_run=dry_run,
            policy=policy,
            conversations_before=conversations_before,
            deleted_files_before=files_before,
            counts=counts,
        )
        return report

    # Conversations -----------------------------------------------------------------------

    async def _due(
        self, tenant_id: str, before: str, budget: SweepBudget | None = None
    ) -> list[_Conversation]:
        """The tenant's conversations last active before `before`, and those a sweep marked
        but did not finish (at most what `budget` has left, and no page read after its
        deadline). A Scan of the sparse `by_updated` index: it
        holds conversation items only (never messages), including those of users removed
        since, whose conversations the policy covers too; no table or index lists a tenant's
        users (decision 0122)."""
        due: list[_Conversation] = []
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "IndexName": keys.BY_UPDATED,
            "FilterExpression": "begins_with(gsi1pk, :tenant) "
            "AND (#status = :deleted OR gsi1sk < :before)",
            "ProjectionExpression": "pk, sk, #status",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values(
                {
                    ":tenant": f"{tenant_id}{KEY_DELIMITER}{keys.USER_ENTITY}{KEY_DELIMITER}",
                    ":deleted": DELETED,
                    # gsi1sk is "<updatedAt>#<id>": below the bare cut-off exactly when
                    # updatedAt is.
                    ":before": before,
                }
            ),
            "Limit": SCAN_PAGE_ITEMS,
        }
        while True:
            answer = await self._tables.call_as_service("scan", **request)
            for item in (from_item(i) for i in answer.get("Items", [])):
                user_id = _user_of(tenant_id, str(item["pk"]))
                match = keys.CONVERSATION_SK.fullmatch(str(item["sk"]))
                if user_id and match:
                    due.append(_Conversation(user_id, match.group(1), str(item.get("status"))))
            if budget is not None and (budget.exhausted or len(due) >= budget.conversations):
                return due[: max(budget.conversations, 0)]
            if "LastEvaluatedKey" not in answer:
                return due
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    async def _conversations_of(
        self,
        tenant_id: str,
        before: str,
        dry_run: bool,
        counts: RetentionCounts,
        budget: SweepBudget | None = None,
    ) -> None:
        if budget is not None and budget.exhausted:
            return
        by_user: dict[str, list[_Conversation]] = defaultdict(list)
        for conversation in await self._due(tenant_id, before, budget):
            by_user[conversation.user_id].append(conversation)
        for user_id, conversations in sorted(by_user.items()):
            user = TenantContext(
                tenant_id=tenant_id, user_id=user_id, username=SYSTEM_USER, roles=frozenset()
            )
            indexed = (await self._segments.head(user)).version > 0
            remembered = await self._remembered(user)
            gone = 0
            for conversation in conversations:
                if budget is not None:
                    if budget.exhausted:
                        break
                    budget.conversations -= 1
                gone += await self._conversation(
                    user,
                    conversation,
                    before,
                    dry_run,
                    counts,
                    remembered.get(conversation.conversation_id, []),
                )
            if gone and indexed:
                counts.search_indexes += 1
        # The merges the deletes started: the text leaves the stored indexes before we answer.
        await self._search.settled()

    async def _conversation(
        self,
        user: TenantContext,
        conversation: _Conversation,
        before: str,
        dry_run: bool,
        counts: RetentionCounts,
        remembered: list[dict[str, Any]],
    ) -> bool:
        """One conversation, completely; False if it is no longer due (it became newer).
        `remembered`: the keys of the user's remembered requests that name it."""
        cid = conversation.conversation_id
        if (
            not dry_run
            and conversation.status == ACTIVE
            and not await self._conversations.retire(user, cid, before)
        ):
            return False
        messages = await self._message_items(user, cid)
        rated = [m["id"] for m in messages if m.get("feedback")]
        shares = await self._share_count(user, cid)
        detail = {
            "messages": len(messages),
            "feedback": len(rated),
            "citations": sum(len(m.get("citations") or []) for m in messages),
            "shares": shares,
        }
        counts.conversations += 1
        counts.messages += detail["messages"]
        counts.feedback += detail["feedback"]
        counts.citations += detail["citations"]
        counts.shares += shares
        counts.idempotency_keys += len(remembered)
        if dry_run:
            counts.content_issues += await self._content_issues(user, rated, dry_run=True)
            return True
        audit = self._audit
        if audit is not None:
            # Before anything is gone for good: a log that cannot be written stops the sweep
            # here, the conversation stays marked (invisible) and the next run resumes it.
            await anyio.to_thread.run_sync(
                lambda: audit(user.tenant_id, "conversation", cid, detail)
            )
        counts.content_issues += await self._content_issues(user, rated, dry_run=False)
        await self._shares.revoke_conversation(user, cid)
        await self._search.deleted(user, cid)
        for key in remembered:
            await self._tables.call(
                user, "delete_item", TableName=self._tables.conversations, Key=values(key)
            )
        await self._messages.purge(user, cid)
        await self._conversations.remove(user, cid)
        return True

    async def _query(
        self, tenant: TenantContext, table: str, pk: str, prefix: str, projection: str | None
    ) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {
            "TableName": table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": values({":pk": pk, ":prefix": prefix}),
            "ConsistentRead": True,
        }
        if projection:
            request["ProjectionExpression"] = projection
        while True:
            answer = await self._tables.call(tenant, "query", **request)
            items += [from_item(i) for i in answer.get("Items", [])]
            if "LastEvaluatedKey" not in answer:
                return items
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    async def _message_items(
        self, user: TenantContext, conversation_id: str
    ) -> list[dict[str, Any]]:
        return await self._query(
            user,
            self._tables.conversations,
            keys.partition(user),
            keys.message_prefix(conversation_id),
            "id, feedback, citations",
        )

    async def _share_count(self, user: TenantContext, conversation_id: str) -> int:
        owned = await self._query(
            user,
            self._tables.conversations,
            keys.partition(user),
            share_keys.owner_prefix(),
            "conversationId",
        )
        return sum(1 for s in owned if s.get("conversationId") == conversation_id)

    async def _content_issues(self, user: TenantContext, rated: list[str], *, dry_run: bool) -> int:
        """The issues raised by rating these answers (keyed by the answer's id)."""
        found = 0
        for message_id in rated:
            key = values(issue_key(user, message_id))
            if dry_run:
                answer = await self._tables.call(
                    user,
                    "get_item",
                    TableName=self._tables.usage,
                    Key=key,
                    ProjectionExpression="sk",
                )
                found += "Item" in answer
                continue
            answer = await self._tables.call(
                user, "delete_item", TableName=self._tables.usage, Key=key, ReturnValues="ALL_OLD"
            )
            found += "Attributes" in answer
        return found

    async def _remembered(self, user: TenantContext) -> dict[str, list[dict[str, Any]]]:
        """The user's remembered requests (`Idempotency-Key`s) by the conversation they name:
        only ids, but a replay of one would point at a conversation that no longer exists."""
        remembered: dict[str, list[dict[str, Any]]] = defaultdict(list)
        items = await self._query(
            user,
            self._tables.conversations,
            keys.partition(user),
            f"{IDEMPOTENCY_ENTITY}{KEY_DELIMITER}",
            "pk, sk, conversationId",
        )
        for item in items:
            if item.get("conversationId"):
                remembered[str(item["conversationId"])].append({"pk": item["pk"], "sk": item["sk"]})
        return remembered

    async def _unanswered(
        self, tenant_id: str, before: str, dry_run: bool, counts: RetentionCounts
    ) -> None:
        tenant = TenantContext(
            tenant_id=tenant_id, user_id=SYSTEM_USER, username=SYSTEM_USER, roles=frozenset()
        )
        groups = await self._query(
            tenant,
            self._tables.usage,
            content_partition(tenant),
            f"{UNANSWERED_TAG}{KEY_DELIMITER}",
            "pk, sk, lastAskedAt",
        )
        for group in groups:
            if str(group.get("lastAskedAt", "")) >= before:
                continue
            if dry_run or await self._delete_unanswered(tenant, group, before):
                counts.unanswered_questions += 1

    async def _delete_unanswered(
        self, tenant: TenantContext, group: dict[str, Any], before: str
    ) -> bool:
        """False if the question was asked again meanwhile: then it stays."""
        try:
            await self._tables.call(
                tenant,
                "delete_item",
                TableName=self._tables.usage,
                Key=values({"pk": group["pk"], "sk": group["sk"]}),
                ConditionExpression="lastAskedAt < :before",
                ExpressionAttributeValues=values({":before": before}),
            )
        except ConditionFailed:
            return False
        return True

    # Deleted files -------------------------------------------------------------------------

    def _deleted_files(
        self, tenant_id: str, before: datetime, dry_run: bool, counts: RetentionCounts
    ) -> None:
        """Every version of each object under the tenant's prefix whose current version is a
        delete marker made before `before`. An object restored since (a new current version)
        or still live is left alone."""
        tenant = TenantContext(
            tenant_id=tenant_id, user_id=SYSTEM_USER, username=SYSTEM_USER, roles=frozenset()
        )
        assert self._objects is not None  # run() calls this only with object clients
        objects = self._objects.client(tenant, "s3")
        versions: dict[str, list[dict[str, str]]] = defaultdict(list)
        deleted_at: dict[str, datetime] = {}
        paginator = objects.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self._bucket, Prefix=s3_tenant_prefix(tenant)):
            for entry in page.get("DeleteMarkers", []):
                versions[entry["Key"]].append(
                    {"Key": entry["Key"], "VersionId": entry["VersionId"]}
                )
                if entry.get("IsLatest"):
                    deleted_at[entry["Key"]] = entry["LastModified"]
            for entry in page.get("Versions", []):
                versions[entry["Key"]].append(
                    {"Key": entry["Key"], "VersionId": entry["VersionId"]}
                )
        due = [key for key, moment in deleted_at.items() if moment < before]
        batch: list[dict[str, str]] = []
        for key in sorted(due):
            counts.deleted_files += 1
            counts.file_versions += len(versions[key])
            batch += versions[key]
        if dry_run:
            return
        if self._audit is not None:
            for key in sorted(due):
                self._audit(tenant_id, "object", key, {"versions": len(versions[key])})
        for start in range(0, len(batch), DELETE_OBJECTS_MAX):
            answer = objects.delete_objects(
                Bucket=self._bucket,
                Delete={"Objects": batch[start : start + DELETE_OBJECTS_MAX], "Quiet": True},
            )
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise RuntimeError(f"S3 refused to delete {first['Key']}: {first['Message']}")
