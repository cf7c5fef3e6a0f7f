"""Governed knowledge (decision 0111): collections with audiences, file owners, verification
and freshness, and the one rule that says which of a tenant's files a caller may see.

Both services read these facts: the files service to list, show, download and search files,
the chat service to retrieve, cite and re-render citations. They are stored once, in the files
table's tenant partition (`<tenant>#FILES`):

- a collection is an item `sk = COLLECTION#<id>` (`CollectionRecord`);
- a file's `collectionIds`, `owner`, `verifiedAt`, `verifiedBy` and `reviewBy` are attributes
  of its own record (the files catalog's `FileRecord`). A record with any of them set also
  carries `governed = <tenant>#GOVERNED`, which puts it in the sparse `by_governance` index, so
  one Query returns every file whose visibility or trust differs from the default (a file in
  no collection, never verified: the whole tenant sees it, `unverified`).

**The audience rule.** A collection without an audience is open to the whole tenant. A
restricted collection admits its named users and holders of its named roles. A file is visible
to a caller when *every* restricted collection it belongs to admits them: each restricted
collection is a lock, so adding a file to another collection never widens who sees it. A file
in no collection, or only in open ones, is visible to the whole tenant. Tenant admins are
admitted everywhere: they can change any audience, so hiding content from them would protect
nothing. A collection id that no longer exists restricts nothing (deleting a collection
never deletes or hides its files).

Everything is keyed by the verified `TenantContext`; audiences are a second wall inside it."""

from __future__ import annotations

import enum
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final

import msgspec

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.items import from_item
from engageiq_tenancy.keys import FILES_ENTITY, sort_key, tenant_partition
from engageiq_tenancy.tenant_credentials import TenantClients

COLLECTION_TAG: Final = "COLLECTION"
"""Sort key tag of a collection in the tenant's files partition: `COLLECTION#<id>`."""
GOVERNED_ENTITY: Final = "GOVERNED"
GOVERNED_ATTRIBUTE: Final = "governed"
"""The `by_governance` index's partition key on a file record: `<tenant>#GOVERNED` while the
file belongs to a collection, is verified, or has a reassigned owner; absent otherwise."""
GOVERNANCE_INDEX_NAME: Final = "by_governance"

MAX_COLLECTION_NAME: Final = 80
MAX_COLLECTION_DESCRIPTION: Final = 500
MAX_AUDIENCE_USERS: Final = 200
MAX_COLLECTIONS_PER_FILE: Final = 20
VIEW_TTL_SECONDS: Final = 5.0
"""How long a service reuses a tenant's `KnowledgeView`: with the time a write takes to reach
the index, an audience or collection change is honoured within the 10 s bound role changes
have (decision 0055)."""

_REVIEW_BY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


class Freshness(enum.StrEnum):
    """Whether a file can be trusted as current."""

    VERIFIED = "verified"
    """Verified by its owner or an admin, review date not passed."""
    STALE = "stale"
    """Verified once, but its review date has passed."""
    UNVERIFIED = "unverified"
    """Never verified (or the verification was withdrawn)."""


TRUST_ORDER: Final[Mapping[Freshness, int]] = {
    Freshness.VERIFIED: 0,
    Freshness.UNVERIFIED: 1,
    Freshness.STALE: 2,
}
"""Rank of each freshness when passages otherwise answer equally well (lower first):
stale content was once approved and has since expired, so it ranks below content never
reviewed at all (decision 0111)."""


def parse_review_by(value: str) -> date:
    """A `reviewBy` given as `YYYY-MM-DD` (a date in the past is allowed: it expires the file
    at once). Raises ValueError for anything else, including impossible dates (2026-02-30)."""
    if not isinstance(value, str) or _REVIEW_BY.fullmatch(value) is None:
        raise ValueError("reviewBy must be a date written YYYY-MM-DD")
    return date.fromisoformat(value)


def today() -> date:
    return datetime.now(UTC).date()


def freshness(verified_at: str | None, review_by: str | None, on: date | None = None) -> Freshness:
    """`verified` from verification until the end of `review_by` (UTC), `stale` after it,
    `unverified` when never verified. `on` defaults to today (UTC)."""
    if not verified_at:
        return Freshness.UNVERIFIED
    if not review_by:
        return Freshness.VERIFIED
    try:
        due = date.fromisoformat(review_by[:10])
    except ValueError:
        return Freshness.STALE
    return Freshness.VERIFIED if (on or today()) <= due else Freshness.STALE


class Audience(msgspec.Struct, frozen=True, kw_only=True):
    """Who a restricted collection admits: named users (ids, the token `sub`) and roles."""

    users: tuple[str, ...] = ()
    roles: tuple[Role, ...] = ()

    def admits(self, caller: TenantContext) -> bool:
        if caller.has_role(Role.TENANT_ADMIN):
            return True
        return caller.user_id in self.users or any(caller.has_role(r) for r in self.roles)


class CollectionRecord(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """A collection as stored (`sk = COLLECTION#<id>`) and shown by `GET /api/collections`.
    `audience` None: open to the whole tenant."""

    id: str
    name: str
    description: str = ""
    audience: Audience | None = None
    created_at: str = ""
    updated_at: str = ""
    created_by: str = ""

    def admits(self, caller: TenantContext) -> bool:
        return self.audience is None or self.audience.admits(caller)


class FileFacts(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """What governance knows of one file (from its record, through `by_governance`)."""

    id: str
    collection_ids: tuple[str, ...] = ()
    owner: str = ""
    verified_at: str | None = None
    review_by: str | None = None
    superseded_by: str | None = None

    def freshness(self, on: date | None = None) -> Freshness:
        return freshness(self.verified_at, self.review_by, on)


def collection_key(tenant: TenantContext, collection_id: str) -> dict[str, str]:
    """The key of a collection item: pk `<tenant>#FILES`, sk `COLLECTION#<id>` (the id is
    validated; an invalid one raises `keys.InvalidObjectId`, to be answered as not found)."""
    return {
        "pk": tenant_partition(tenant, FILES_ENTITY),
        "sk": sort_key(COLLECTION_TAG, collection_id),
    }


def governed_partition(tenant: TenantContext) -> str:
    """The `by_governance` partition of the caller's tenant: `<tenant>#GOVERNED`."""
    return tenant_partition(tenant, GOVERNED_ENTITY)


def is_governed(
    collection_ids: Iterable[str], owner: str, verified_at: str | None, review_by: str | None
) -> bool:
    """Whether a file record belongs in `by_governance` (anything but the defaults)."""
    return bool(list(collection_ids) or owner or verified_at or review_by)


@dataclass(frozen=True, slots=True)
class KnowledgeView:
    """A tenant's collections and governed files at one moment: what the audience rule and
    trust-aware ranking read. Files absent from `files` are in no collection, unverified,
    owned by their uploader."""

    collections: Mapping[str, CollectionRecord] = field(default_factory=dict)
    files: Mapping[str, FileFacts] = field(default_factory=dict)

    def may_see_collections(self, caller: TenantContext, collection_ids: Iterable[str]) -> bool:
        """The audience rule for a file in `collection_ids` (module docstring)."""
        for collection_id in collection_ids:
            collection = self.collections.get(collection_id)
            if collection is not None and not collection.admits(caller):
                return False
        return True

    def may_see_file(self, caller: TenantContext, file_id: str) -> bool:
        facts = self.files.get(file_id)
        return facts is None or self.may_see_collections(caller, facts.collection_ids)

    def hidden_files(self, caller: TenantContext) -> frozenset[str]:
        """Ids of the tenant's files `caller` may not see (usually few or none)."""
        if caller.has_role(Role.TENANT_ADMIN):
            return frozenset()
        closed = {cid for cid, c in self.collections.items() if not c.admits(caller)}
        if not closed:
            return frozenset()
        return frozenset(
            f.id for f in self.files.values() if any(c in closed for c in f.collection_ids)
        )

    def visible_collections(self, caller: TenantContext) -> list[CollectionRecord]:
        """The collections `caller` may list (admins: all), by name."""
        return sorted(
            (c for c in self.collections.values() if c.admits(caller)),
            key=lambda c: (c.name.casefold(), c.id),
        )

    def files_in(self, collection_ids: Iterable[str]) -> frozenset[str]:
        """Ids of files that belong to any of `collection_ids` that still exist (audiences not
        applied): a conversation scoped to a collection deleted since covers nothing of it."""
        wanted = set(collection_ids) & self.collections.keys()
        return frozenset(f.id for f in self.files.values() if wanted & set(f.collection_ids))

    def freshness_of(self, file_id: str, on: date | None = None) -> Freshness:
        facts = self.files.get(file_id)
        return Freshness.UNVERIFIED if facts is None else facts.freshness(on)


def collection_from_item(item: Mapping[str, Any]) -> CollectionRecord:
    """A collection from a typed DynamoDB item (as `get_item`/`query` return it)."""
    plain = from_item(dict(item))
    return msgspec.convert(
        {k: v for k, v in plain.items() if k not in ("pk", "sk")},
        CollectionRecord,
        from_attributes=False,
    )


def facts_from_item(item: Mapping[str, Any]) -> FileFacts:
    """A file's governance facts from its typed record item (other attributes ignored)."""
    plain = from_item(dict(item))
    return FileFacts(
        id=str(plain.get("id", "")),
        collection_ids=tuple(str(c) for c in plain.get("collectionIds") or ()),
        owner=str(plain.get("owner") or ""),
        verified_at=plain.get("verifiedAt") or None,
        review_by=plain.get("reviewBy") or None,
        superseded_by=plain.get("supersededBy") or None,
    )


class KnowledgeReader:
    """Reads a tenant's `KnowledgeView` with the calling service's tenant-scoped clients (so
    IAM's LeadingKeys confines it to the caller's tenant), and keeps it for
    `VIEW_TTL_SECONDS` per tenant. Blocking (boto3): async callers run `view` in a worker
    thread. Two requests per refresh: one Query of the collections, one of `by_governance`
    (each paginated)."""

    def __init__(
        self,
        clients: TenantClients,
        table: str,
        ttl_seconds: float = VIEW_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = clients
        self._table = table
        self._ttl = ttl_seconds
        self._clock = clock
        self._views: dict[str, tuple[float, KnowledgeView]] = {}
        self._lock = threading.Lock()

    def view(self, tenant: TenantContext) -> KnowledgeView:
        now = self._clock()
        with self._lock:
            cached = self._views.get(tenant.tenant_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        fresh = self.read(tenant)
        with self._lock:
            self._views[tenant.tenant_id] = (now, fresh)
        return fresh

    def forget(self, tenant: TenantContext) -> None:
        """Drop the cached view (after this process changed the tenant's governance)."""
        with self._lock:
            self._views.pop(tenant.tenant_id, None)

    def read(self, tenant: TenantContext) -> KnowledgeView:
        """The current view, uncached: collections read consistently, governed files from the
        index (eventually consistent, typically well under a second)."""
        db = self._clients.client(tenant, "dynamodb")
        collections = {
            c.id: c
            for c in map(
                collection_from_item,
                _query_all(
                    db,
                    TableName=self._table,
                    KeyConditionExpression="pk = :pk AND begins_with(sk, :tag)",
                    ExpressionAttributeValues={
                        ":pk": {"S": tenant_partition(tenant, FILES_ENTITY)},
                        ":tag": {"S": f"{COLLECTION_TAG}#"},
                    },
                    ConsistentRead=True,
                ),
            )
        }
        files: dict[str, FileFacts] = {}
        for item in _query_all(
            db,
            TableName=self._table,
            IndexName=GOVERNANCE_INDEX_NAME,
            KeyConditionExpression="#g = :g",
            ExpressionAttributeNames={"#g": GOVERNED_ATTRIBUTE},
            ExpressionAttributeValues={":g": {"S": governed_partition(tenant)}},
        ):
            facts = facts_from_item(item)
            if facts.id:
                files[facts.id] = facts
        return KnowledgeView(collections, files)


def _query_all(db: Any, **request: Any) -> Iterable[Mapping[str, Any]]:
    while True:
        response = db.query(**request)
        yield from response.get("Items", [])
        last = response.get("LastEvaluatedKey")
        if last is None:
            return
        request["ExclusiveStartKey"] = last
