"""`ConversationSearch`: the caller's conversations that match a query, best first, one page at
a time, each with a highlighted snippet (decision 0112).

The index is caught up when its user searches, never during a chat turn: the head remembers
the highest `updatedAt` it indexed (`mark`), and a search first lists, through the `by_updated`
index, the conversations updated since (from `mark - CATCH_UP_OVERLAP`, so that clock skew
between instances and the index's eventual consistency cannot hide a conversation), re-reads
those whose version the index does not hold, plus the ones renamed since, writes them as a new
segment and publishes it. Deleted conversations are dropped at the next publish (a merge)
and are never returned meanwhile: every hit is checked against its live conversation item.

Each instance keeps users' indexes in memory (`IndexCache`), keyed by the caller's partition
(tenant and user from the verified token); a search whose head has not moved since costs the
head read and the catch-up listing, then works in memory."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from weakref import WeakValueDictionary

import anyio
import msgspec
import structlog

from engageiq_chat.conversation_search.index import (
    ConversationIndex,
    Highlight,
    IndexedConversation,
    IndexedMessage,
    Snippet,
    highlights,
    indexed_conversation,
    search_terms,
    snippet,
)
from engageiq_chat.conversation_search.segments import (
    Head,
    SegmentGone,
    SegmentRef,
    SegmentStore,
    decode_segment,
    encode_segment,
)
from engageiq_chat.conversations import keys
from engageiq_chat.conversations.store import ACTIVE, Conversation, conversation_from_item
from engageiq_chat.messages.model import LEASE_SECONDS, MessageStatus, epoch_ms
from engageiq_chat.storage import DynamoTables, values
from engageiq_search.tokens import Tokenizer
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.cursors import decode_cursor, encode_cursor
from engageiq_tenancy.items import from_item

log = structlog.get_logger(__name__)

MAX_QUERY_CHARS: Final = 200
CATCH_UP_OVERLAP: Final = timedelta(minutes=5)
"""How far before `mark` a catch-up looks again: more than instances' clock skew plus a
turn's write and the by_updated index's lag."""
MAX_SEGMENTS: Final = 8
"""Past this many segments a publish merges them all into one."""
PUBLISH_ATTEMPTS: Final = 3
READ_CONCURRENCY: Final = 8
"""Key ranges of a first build read at once on DynamoDB; the local platform's moto answers one
request at a time, where parallel pages only slow each other into read timeouts (one at a
time there)."""
SWEEP_THRESHOLD: Final = 200
"""Conversations to re-read above which sweeps of the user's messages over key ranges beat a
Query per conversation (a user's first search)."""
MAX_OFFSET: Final = 10_000
CACHE_BYTES: Final = 128 * 1024 * 1024
"""Memory one instance gives to cached user indexes (least recently searched leave first)."""


class ConversationMatch(msgspec.Struct, rename="camel", kw_only=True):
    """Why a conversation matched a search: its title's matched ranges and a snippet of the
    message that matches best (None when only the title matches)."""

    conversation_id: str
    title_highlights: list[Highlight]
    snippet: Snippet | None


@dataclass(frozen=True, slots=True)
class SearchPage:
    conversations: list[Conversation]
    matches: list[ConversationMatch]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class _Cached:
    version: int
    segments: tuple[SegmentRef, ...]
    index: ConversationIndex


class IndexCache:
    """Users' indexes by partition, least recently used evicted past `max_bytes`."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self._entries: OrderedDict[str, _Cached] = OrderedDict()
        self._max_bytes = max_bytes
        self._bytes = 0

    def get(self, partition: str) -> _Cached | None:
        entry = self._entries.get(partition)
        if entry is not None:
            self._entries.move_to_end(partition)
        return entry

    def put(self, partition: str, entry: _Cached) -> None:
        old = self._entries.pop(partition, None)
        if old is not None:
            self._bytes -= old.index.memory_bytes
        self._entries[partition] = entry
        self._bytes += entry.index.memory_bytes
        while self._bytes > self._max_bytes and len(self._entries) > 1:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= evicted.index.memory_bytes


def _fingerprint(terms: Sequence[str]) -> str:
    digest = hashlib.sha256("\x00".join(terms).encode()).digest()
    return base64.urlsafe_b64encode(digest[:9]).decode()


def _catch_up_from(mark: str) -> str:
    moment = datetime.strptime(mark, "%Y-%m-%dT%H:%M:%S.%fZ") - CATCH_UP_OVERLAP
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_THREAD: Final = threading.local()


def _tokenizer() -> Tokenizer:
    """This thread's tokenizer (one is not safe to share between threads)."""
    tokenizer: Tokenizer | None = getattr(_THREAD, "tokenizer", None)
    if tokenizer is None:
        tokenizer = _THREAD.tokenizer = Tokenizer()
    return tokenizer


# Tokenising, ranking and snippets are CPU work: they run in worker threads, so that a search
# never holds up the event loop that relays other users' answers token by token.


def _build(
    stubs: Sequence[tuple[str, str, str]], texts: dict[str, list[IndexedMessage]]
) -> list[IndexedConversation]:
    tokenizer = _tokenizer()
    return [
        indexed_conversation(tokenizer, cid, updated_at, title, texts.get(cid, []))
        for cid, updated_at, title in stubs
    ]


def _matches(
    index: ConversationIndex, conversations: Sequence[Conversation], terms: Sequence[str]
) -> list[ConversationMatch]:
    tokenizer = _tokenizer()
    return [
        ConversationMatch(
            conversation_id=c.id,
            title_highlights=highlights(tokenizer, c.title, terms),
            snippet=snippet(tokenizer, index.conversations[c.id], terms),
        )
        for c in conversations
    ]


class ConversationSearch:
    def __init__(
        self,
        tables: DynamoTables,
        cache: IndexCache | None = None,
        *,
        readers: int = READ_CONCURRENCY,
    ) -> None:
        self._tables = tables
        self._readers = readers
        self._segments = SegmentStore(tables)
        self._cache = cache or IndexCache()
        # Held only while a search of that user runs: no lock is kept per user ever seen.
        self._locks: WeakValueDictionary[str, anyio.Lock] = WeakValueDictionary()
        self._merges: set[asyncio.Task[None]] = set()
        self._merge_due: set[str] = set()

    async def renamed(self, tenant: TenantContext, conversation_id: str) -> None:
        """Called after a rename: the next search re-reads the title."""
        await self._segments.note(tenant, "renamed", f"{conversation_id}@{keys.now_iso()}")

    async def deleted(self, tenant: TenantContext, conversation_id: str) -> None:
        """Called at a delete: searches stop matching the conversation at once, and a merge
        started in the background drops its text from the stored index (waiting for the
        user's next search would keep a deleted conversation's words for good in the index
        of a user who never searches again). A user without an index has nothing to drop."""
        partition = keys.partition(tenant)
        noted = await self._segments.note(tenant, "dead", conversation_id)
        # A merge waiting for the user's lock reads the head when it gets it: it drops this
        # one too (a user deleting fifty conversations gets a few merges, not fifty).
        if noted and partition not in self._merge_due:
            self._merge_due.add(partition)
            task = asyncio.create_task(self._compact(tenant), name="conversation_index_merge")
            # The loop holds tasks weakly: keep each until it is done.
            self._merges.add(task)
            task.add_done_callback(self._merges.discard)

    async def _compact(self, tenant: TenantContext) -> None:
        try:
            await self.current(tenant)
        except Exception:
            # The `dead` note stays: searches exclude the conversation, the next one merges.
            log.warning("conversation_index_merge_failed", exc_info=True)
        finally:
            # A merge that failed before its head read lets the next delete start another.
            self._merge_due.discard(keys.partition(tenant))

    async def settled(self) -> None:
        """Wait for the merges started by deletes (tests, and a graceful shutdown)."""
        while self._merges:
            await asyncio.gather(*self._merges, return_exceptions=True)

    async def search(
        self, tenant: TenantContext, query: str, limit: int, cursor: str | None
    ) -> SearchPage:
        """One page of the caller's conversations matching `query` (1..MAX_QUERY_CHARS
        characters, checked by the route), best first. InvalidCursor (400) for a cursor not
        issued to this caller for this query."""
        terms = search_terms(_tokenizer(), query)  # a few words: cheap enough on the loop
        fingerprint = _fingerprint(terms)
        offset = 0
        if cursor:
            fields = decode_cursor(
                tenant,
                cursor,
                {
                    "q": lambda v: v == fingerprint,
                    "n": lambda v: v.isdigit() and 0 < int(v) <= MAX_OFFSET,
                },
            )
            offset = int(fields["n"])
        if not terms:
            return SearchPage([], [], None)
        index, dead = await self.current(tenant)
        ranked = await anyio.to_thread.run_sync(index.ranked, terms, dead)
        conversations, position, gone = await self._live(tenant, ranked, offset, limit)
        for conversation_id in gone:
            # Deleted, its note lost (or the index's lag): the next publish drops it.
            await self.deleted(tenant, conversation_id)
        matches = await anyio.to_thread.run_sync(_matches, index, conversations, terms)
        next_cursor = None
        if position < len(ranked) and position <= MAX_OFFSET:
            next_cursor = encode_cursor(tenant, {"q": fingerprint, "n": str(position)})
        return SearchPage(conversations, matches, next_cursor)

    async def _live(
        self, tenant: TenantContext, ranked: list[str], offset: int, limit: int
    ) -> tuple[list[Conversation], int, list[str]]:
        """The live conversations among `ranked` from `offset`, up to `limit`, in rank order;
        the position after the last one looked at; the ids found deleted."""
        found: list[Conversation] = []
        gone: list[str] = []
        position = offset
        while len(found) < limit and position < len(ranked):
            batch = ranked[position : position + limit - len(found)]
            position += len(batch)
            items = await self._conversation_items(tenant, batch)
            for conversation_id in batch:
                item = items.get(conversation_id)
                if item is None or item.get("status") != ACTIVE:
                    gone.append(conversation_id)
                else:
                    found.append(conversation_from_item(item))
        return found, position, gone

    async def _conversation_items(
        self, tenant: TenantContext, ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        pk = keys.partition(tenant)
        table = self._tables.conversations
        pending: list[dict[str, Any]] = [
            values({"pk": pk, "sk": keys.conversation_sk(cid)}) for cid in ids
        ]
        items: dict[str, dict[str, Any]] = {}
        while pending:
            answer = await self._tables.call(
                tenant,
                "batch_get_item",
                RequestItems={table: {"Keys": pending, "ConsistentRead": True}},
            )
            for raw in answer.get("Responses", {}).get(table, []):
                item = from_item(raw)
                items[item["id"]] = item
            pending = answer.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
        return items

    async def current(self, tenant: TenantContext) -> tuple[ConversationIndex, frozenset[str]]:
        """The caller's index caught up with their conversations, and the ids known deleted."""
        partition = keys.partition(tenant)
        # One catch-up per user per instance at a time; other instances race through `publish`.
        lock = self._locks.get(partition)
        if lock is None:
            lock = self._locks[partition] = anyio.Lock()
        async with lock:
            return await self._catch_up(tenant, partition)

    async def _catch_up(
        self, tenant: TenantContext, partition: str
    ) -> tuple[ConversationIndex, frozenset[str]]:
        fallback: tuple[ConversationIndex, frozenset[str]] | None = None
        for _ in range(PUBLISH_ATTEMPTS):
            # From here the head read sees every delete noted so far (`deleted`).
            self._merge_due.discard(partition)
            head = await self._segments.head(tenant)
            try:
                index = await self._view(tenant, partition, head)
            except SegmentGone:
                continue
            stale, renamed_seen, gone = await self._stale(tenant, head, index)
            dead = head.dead | gone
            if not stale and not dead:
                return index, dead
            started = time.perf_counter()
            unsettled: set[str] = set()
            changed = await self._read(tenant, stale, unsettled)
            read = time.perf_counter()
            updated = index.with_changes(changed, removed=dead)
            fallback = (updated, dead)
            merge = bool(dead) or len(head.segments) >= MAX_SEGMENTS
            written = updated.conversations.values() if merge else changed
            # Compressing a merged index is ~0.1 s of CPU at 2,000 conversations: off the loop.
            parts = await anyio.to_thread.run_sync(encode_segment, list(written))
            segment = await self._segments.write(tenant, parts)
            segments = (segment,) if merge else (*head.segments, segment)
            marks = [head.mark, *(c.updated_at for c in changed)]
            published = await self._segments.publish(
                tenant,
                head,
                mark=max(marks),
                segments=segments,
                renamed_seen=renamed_seen,
                dead_dropped=head.dead if merge else frozenset(),
            )
            if published:
                self._cache.put(partition, _Cached(head.version + 1, segments, updated))
                for conversation_id in unsettled:
                    # Indexed with an answer half written: re-read at the next search (as a
                    # rename is), until it is whole. A generator that dies never rewrites
                    # the conversation, so its last checkpoint would otherwise stay unfound.
                    await self._segments.note(
                        tenant, "renamed", f"{conversation_id}@{keys.now_iso()}"
                    )
                if merge:
                    await self._segments.remove(tenant, head.segments)
                log.info(
                    "conversation_index_published",
                    changed=len(changed),
                    merged=merge,
                    conversations=len(updated.conversations),
                    read_ms=round((read - started) * 1000, 1),
                    write_ms=round((time.perf_counter() - read) * 1000, 1),
                )
                return updated, frozenset()
            await self._segments.remove(tenant, [segment])
        if fallback is None:
            raise SegmentGone("the index kept changing while it was read")
        # Others kept publishing: this answer is still complete; the next search publishes.
        return fallback

    async def _view(self, tenant: TenantContext, partition: str, head: Head) -> ConversationIndex:
        cached = self._cache.get(partition)
        if cached is not None and cached.version == head.version:
            return cached.index
        known = len(cached.segments) if cached is not None else 0
        if cached is None or head.segments[:known] != cached.segments:
            index, known = ConversationIndex({}), 0  # merged since: load it all
        else:
            index = cached.index
        for segment in head.segments[known:]:
            parts = await self._segments.read(tenant, segment)
            conversations = await anyio.to_thread.run_sync(decode_segment, parts)
            index = index.with_changes(conversations)
        self._cache.put(partition, _Cached(head.version, head.segments, index))
        return index

    async def _stale(
        self, tenant: TenantContext, head: Head, index: ConversationIndex
    ) -> tuple[list[tuple[str, str, str]], frozenset[str], frozenset[str]]:
        """(id, updatedAt, title) of the conversations to re-read; the rename entries seen;
        renamed conversations found gone."""
        pk = keys.partition(tenant)
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "IndexName": keys.BY_UPDATED,
            "KeyConditionExpression": "gsi1pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": pk}},
            "ProjectionExpression": "id, updatedAt, title, #status",
            "ExpressionAttributeNames": {"#status": "status"},
        }
        if head.mark:
            request["KeyConditionExpression"] += " AND gsi1sk > :from"
            request["ExpressionAttributeValues"][":from"] = {"S": _catch_up_from(head.mark)}
        stale: dict[str, tuple[str, str, str]] = {}
        while True:
            answer = await self._tables.call(tenant, "query", **request)
            for item in map(from_item, answer.get("Items", [])):
                held = index.conversations.get(item["id"])
                if held is None or held.updated_at != item["updatedAt"]:
                    stale[item["id"]] = (item["id"], item["updatedAt"], item.get("title", ""))
            if "LastEvaluatedKey" not in answer:
                break
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
        renamed = [cid for cid in head.renamed_ids if cid not in stale]
        items = await self._conversation_items(tenant, renamed) if renamed else {}
        gone = set()
        for cid in renamed:
            live = items.get(cid)
            if live is None or live.get("status") != ACTIVE:
                gone.add(cid)
            else:
                stale[cid] = (cid, live["updatedAt"], live.get("title", ""))
        return list(stale.values()), head.renamed, frozenset(gone)

    async def _read(
        self, tenant: TenantContext, stale: Sequence[tuple[str, str, str]], unsettled: set[str]
    ) -> list[IndexedConversation]:
        """The stale conversations indexed from their messages as stored now; those with an
        answer still being written are added to `unsettled`."""
        if not stale:
            return []
        wanted = {cid for cid, _, _ in stale}
        ordered = sorted(wanted)
        if len(ordered) > SWEEP_THRESHOLD:
            # Sweeps of the user's messages over READ_CONCURRENCY disjoint key ranges at once
            # (a Query pages 1 MB at a time; one sweep would read ~20 pages in a row).
            size = -(-len(ordered) // READ_CONCURRENCY)
            ranges = [ordered[i : i + size] for i in range(0, len(ordered), size)]
        else:
            ranges = [[cid] for cid in ordered]
        texts: dict[str, list[IndexedMessage]] = {}
        limiter = anyio.CapacityLimiter(self._readers)

        async def read(first: str, last: str) -> None:
            async with limiter:
                await self._messages(tenant, first, last, texts, wanted, unsettled)

        try:
            async with anyio.create_task_group() as group:
                for part in ranges:
                    group.start_soon(read, part[0], part[-1])
        except ExceptionGroup as failed:
            # A sweep's failure is the request's (a StorageUnavailable is the coded 503 the
            # error handler knows); the group around it would be an unhandled 500.
            raise _first_leaf(failed) from failed
        return await anyio.to_thread.run_sync(_build, list(stale), texts)

    async def _messages(
        self,
        tenant: TenantContext,
        first: str,
        last: str,
        texts: dict[str, list[IndexedMessage]],
        wanted: set[str],
        unsettled: set[str],
    ) -> None:
        """The messages of conversations `first` to `last` (ids, in key order) that are
        `wanted`, appended to `texts` in time order; the conversations with an answer still
        being written (by a live generator) added to `unsettled`."""
        bounds = {
            ":pk": keys.partition(tenant),
            ":first": keys.message_prefix(first),
            # "~" sorts after every id character: the last conversation's every message.
            ":last": keys.message_prefix(last) + "~",
        }
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :first AND :last",
            "ExpressionAttributeValues": values(bounds),
            "ProjectionExpression": "id, conversationId, #role, content, #status, checkpointAt",
            "ExpressionAttributeNames": {"#role": "role", "#status": "status"},
        }
        # An answer being written grows by checkpoints, which leave `updatedAt` alone.
        live_since = epoch_ms(time.time() - LEASE_SECONDS)
        while True:
            answer = await self._tables.call(tenant, "query", **request)
            for item in map(from_item, answer.get("Items", [])):
                cid = item.get("conversationId", "")
                if cid in wanted:
                    texts.setdefault(cid, []).append(
                        IndexedMessage(item["id"], item["role"], item.get("content", ""))
                    )
                    if (
                        item.get("status") == MessageStatus.STREAMING.value
                        and int(item.get("checkpointAt") or 0) >= live_since
                    ):
                        unsettled.add(cid)
            if "LastEvaluatedKey" not in answer:
                return
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _first_leaf(group: ExceptionGroup[Exception]) -> Exception:
    """The first exception raised inside `group`, nested groups unwrapped."""
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, ExceptionGroup) else first
