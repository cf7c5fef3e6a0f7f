"""`SegmentStore`: where a user's conversation search index is kept (layout in `keys`): a head
item and immutable segments, each a zlib-compressed msgpack list of `IndexedConversation`
split into parts under DynamoDB's item size limit.

Publishing is one conditional write of the head: it succeeds only if the head's `version` is
still the one the writer read. Segments are written before the head names them and are never
changed, so a reader holding any head can load what it names (or, after a merge removed
them, reads the head again). A writer that loses the race deletes the segment it wrote."""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import msgspec
import structlog

from engageiq_chat.conversation_search import keys
from engageiq_chat.conversation_search.index import IndexedConversation
from engageiq_chat.conversations.keys import partition
from engageiq_chat.storage import ConditionFailed, DynamoTables, values
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item
from engageiq_tenancy.tenant_gate import StorageUnavailable

log = structlog.get_logger(__name__)

PART_BYTES: Final = 350_000
"""Compressed bytes per segment part: under DynamoDB's 400 KB item limit with its keys."""
BATCH_GET_MAX: Final = 100
BATCH_WRITE_MAX: Final = 25
BATCH_ATTEMPTS: Final = 5
_DECODER: Final = msgspec.msgpack.Decoder(list[IndexedConversation])
_ENCODER: Final = msgspec.msgpack.Encoder()


class SegmentGone(Exception):
    """A segment the head named was removed by a merge since: read the head again."""


@dataclass(frozen=True, slots=True)
class SegmentRef:
    id: str
    parts: int

    def __str__(self) -> str:
        return f"{self.id}.{self.parts}"

    @classmethod
    def parse(cls, value: str) -> SegmentRef:
        segment_id, _, parts = value.rpartition(".")
        return cls(segment_id, int(parts))


@dataclass(frozen=True, slots=True)
class Head:
    version: int
    """0: never published (no head item)."""
    mark: str
    segments: tuple[SegmentRef, ...]
    renamed: frozenset[str]
    """"<conversation>@<time>" entries: each rename adds its own, so a rename made while a
    writer works is not removed with the ones it saw."""
    dead: frozenset[str]

    @property
    def renamed_ids(self) -> frozenset[str]:
        return frozenset(entry.partition("@")[0] for entry in self.renamed)


EMPTY_HEAD: Final = Head(0, "", (), frozenset(), frozenset())


def encode_segment(conversations: Sequence[IndexedConversation]) -> list[bytes]:
    """The parts of a segment holding `conversations`."""
    blob = zlib.compress(_ENCODER.encode(list(conversations)), 6)
    return [blob[i : i + PART_BYTES] for i in range(0, len(blob), PART_BYTES)] or [b""]


def decode_segment(parts: Sequence[bytes]) -> list[IndexedConversation]:
    return _DECODER.decode(zlib.decompress(b"".join(parts)))


class SegmentStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables

    def _key(self, tenant: TenantContext, sk: str) -> dict[str, Any]:
        return values({"pk": partition(tenant), "sk": sk})

    async def head(self, tenant: TenantContext) -> Head:
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=self._key(tenant, keys.HEAD_SK),
            ConsistentRead=True,
        )
        item = from_item(answer.get("Item", {}))
        if not item:
            return EMPTY_HEAD
        return Head(
            version=int(item.get("version", 0)),
            mark=item.get("mark", ""),
            segments=tuple(SegmentRef.parse(s) for s in item.get("segments", [])),
            renamed=frozenset(item.get("renamed", [])),
            dead=frozenset(item.get("dead", [])),
        )

    async def read(self, tenant: TenantContext, segment: SegmentRef) -> list[bytes]:
        """The parts of `segment`, in order; SegmentGone when any is missing."""
        wanted = [
            self._key(tenant, keys.segment_part_sk(segment.id, n)) for n in range(segment.parts)
        ]
        found: dict[str, bytes] = {}
        for start in range(0, len(wanted), BATCH_GET_MAX):
            pending: list[dict[str, Any]] = wanted[start : start + BATCH_GET_MAX]
            for _ in range(BATCH_ATTEMPTS):
                answer = await self._tables.call(
                    tenant,
                    "batch_get_item",
                    RequestItems={
                        self._tables.conversations: {"Keys": pending, "ConsistentRead": True}
                    },
                )
                for item in answer.get("Responses", {}).get(self._tables.conversations, []):
                    found[item["sk"]["S"]] = item["data"]["B"]
                unprocessed = answer.get("UnprocessedKeys", {}).get(self._tables.conversations)
                pending = unprocessed["Keys"] if unprocessed else []
                if not pending:
                    break
            else:
                raise StorageUnavailable()
        try:
            return [found[keys.segment_part_sk(segment.id, n)] for n in range(segment.parts)]
        except KeyError:
            raise SegmentGone(segment.id) from None

    async def write(self, tenant: TenantContext, parts: Sequence[bytes]) -> SegmentRef:
        """Store a new segment's parts (not yet named by the head)."""
        segment = SegmentRef(secrets.token_hex(8), len(parts))
        items = [
            {
                "PutRequest": {
                    "Item": {
                        **self._key(tenant, keys.segment_part_sk(segment.id, n)),
                        "data": {"B": part},
                    }
                }
            }
            for n, part in enumerate(parts)
        ]
        await self._batch_write(tenant, items)
        return segment

    async def remove(self, tenant: TenantContext, segments: Sequence[SegmentRef]) -> None:
        """Delete segments no head names any more (a merge's inputs, a lost publish's own)."""
        items = [
            {"DeleteRequest": {"Key": self._key(tenant, keys.segment_part_sk(s.id, n))}}
            for s in segments
            for n in range(s.parts)
        ]
        await self._batch_write(tenant, items)

    async def _batch_write(self, tenant: TenantContext, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), BATCH_WRITE_MAX):
            requests = items[start : start + BATCH_WRITE_MAX]
            for _ in range(BATCH_ATTEMPTS):
                answer = await self._tables.call(
                    tenant,
                    "batch_write_item",
                    RequestItems={self._tables.conversations: requests},
                )
                requests = answer.get("UnprocessedItems", {}).get(self._tables.conversations, [])
                if not requests:
                    break
            else:
                raise StorageUnavailable()

    async def publish(
        self,
        tenant: TenantContext,
        base: Head,
        *,
        mark: str,
        segments: Sequence[SegmentRef],
        renamed_seen: frozenset[str],
        dead_dropped: frozenset[str],
    ) -> bool:
        """Make the head name `segments` if it is still at `base`'s version; False if another
        writer published first. Removes the rename and delete entries the writer applied."""
        # Several are DynamoDB reserved words ("segments"): every attribute goes by a name.
        names = {"#v": "version", "#mark": "mark", "#segments": "segments"}
        vals: dict[str, Any] = {
            ":v": base.version + 1,
            ":mark": mark,
            ":segments": [str(s) for s in segments],
        }
        expression = "SET #v = :v, #mark = :mark, #segments = :segments"
        removals = []
        if renamed_seen:
            removals.append("#renamed :renamed")
            names["#renamed"] = "renamed"
            vals[":renamed"] = set(renamed_seen)
        if dead_dropped:
            removals.append("#dead :dead")
            names["#dead"] = "dead"
            vals[":dead"] = set(dead_dropped)
        if removals:
            expression += " DELETE " + ", ".join(removals)
        if base.version:
            condition = "#v = :base"
            vals[":base"] = base.version
        else:
            condition = "attribute_not_exists(#v)"
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=self._key(tenant, keys.HEAD_SK),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values(vals),
            )
        except ConditionFailed:
            return False
        return True

    async def note(self, tenant: TenantContext, attribute: str, entry: str) -> bool:
        """Add `entry` to the head's `renamed` or `dead` set: the next search applies it. A user
        without an index (never searched) has nothing to correct: no head is created, and
        False says so."""
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=self._key(tenant, keys.HEAD_SK),
                UpdateExpression="ADD #set :entry",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#set": attribute},
                ExpressionAttributeValues=values({":entry": {entry}}),
            )
        except ConditionFailed:
            return False
        return True
