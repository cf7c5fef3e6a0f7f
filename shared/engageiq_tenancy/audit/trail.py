"""`AuditTrail`: appends to a tenant's hash chain, pages and exports it, and verifies it
(decision 0118). Synchronous boto3, like the other stores: from async code call it through
`anyio.to_thread.run_sync` (`audit.requests.record_audit` does).

An append is one TransactWriteItems: the entry, put only if its key is free, and the head,
updated only if it still holds the seq that was read. Two writers of one tenant that read the
same head cannot both succeed; the loser reads the new head and tries again, so the chain
stays gapless under concurrency. After `attempts` losses (or a DynamoDB failure that botocore's
own retries did not cure) it raises `AuditUnavailable`, which the services answer with 503."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy.audit.actions import AuditAction, AuditOutcome
from engageiq_tenancy.audit.chain import ChainReport, check_chain, is_live
from engageiq_tenancy.audit.entries import (
    ENTRY_TAG,
    ENTRY_VERSION,
    AuditActor,
    AuditSource,
    AuditTarget,
    Detail,
    DetailValue,
    audit_partition,
    check_detail,
    entry_hash,
    entry_key,
    entry_sort_key,
    head_key,
    iso_time,
)
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ServiceUnavailable
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.setting_catalog import SharedVariables
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

log = logging.getLogger("engageiq.audit")

DEFAULT_RETENTION_DAYS: Final = SharedVariables.AUDIT_RETENTION_DAYS.default
APPEND_ATTEMPTS: Final = 48
"""Writers of one tenant in different processes racing for the head (one process's writers
take turns, `AuditTrail._turn`); each loss costs one read and one transaction, and means a
rival appended (the chain moved on). Many and short: another instance's writers of a batch
follow each other with no pause, so a writer that sleeps long between attempts starves (12
attempts with pauses up to 0.4 s answered 503 under two instances' batch uploads)."""
MAX_PAUSE_SECONDS: Final = 0.05
"""The longest pause between two attempts: 48 attempts pause at most ~2.2 s in all, half of
that on average (jitter), besides their requests."""
READ_PAGE: Final = 200
"""Entries read per Query while paging with filters."""
MAX_EXAMINED: Final = 2_000
"""Entries one page request reads at most; with filters that match little, the page comes
back short with a cursor, rather than reading a year of entries in one request."""
DAY_SECONDS: Final = 86_400


class AuditUnavailable(ServiceUnavailable):
    """The log could not be written (DynamoDB failing, or too many concurrent writers). The
    services answer 503 `audit_unavailable` with Retry-After; the CLI reports it and exits."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(Errors.AUDIT_UNAVAILABLE)
        self.reason = reason


class TenantClientSource(Protocol):
    """`engageiq_tenancy.tenant_credentials.TenantClients`: the tenant role's client for one
    tenant in the cloud (IAM LeadingKeys then confines the writes), the service's own locally."""

    def for_tenant(self, tenant_id: str, name: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class AuditQuery:
    """Filters of `AuditTrail.page` and `AuditTrail.export`; None: not filtered.

    `actor` matches a user id or an email (any case), an operator ARN or a system name;
    `since` and `until` are UTC days, both included."""

    actor: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None

    def lower_bound(self) -> str | None:
        return f"{self.since.isoformat()}T00:00:00.000Z" if self.since else None

    def upper_bound(self) -> str | None:
        """Exclusive: the start of the day after `until`."""
        if self.until is None:
            return None
        return f"{(self.until + timedelta(days=1)).isoformat()}T00:00:00.000Z"

    def matches(self, stored: dict[str, Any]) -> bool:
        if self.action is not None and stored.get("action") != self.action:
            return False
        if self.actor is not None:
            actor = stored.get("actor") or {}
            wanted = self.actor.casefold()
            names = (actor.get(k) for k in ("userId", "email", "operator", "system"))
            if not any(isinstance(n, str) and n.casefold() == wanted for n in names):
                return False
        at = str(stored.get("at", ""))
        lower, upper = self.lower_bound(), self.upper_bound()
        return (lower is None or at >= lower) and (upper is None or at < upper)


NO_FILTER: Final = AuditQuery()


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[dict[str, Any]]
    """Stored entries (plain values), newest first."""
    next_before: int | None
    """Pass as `before` for the next page; None when there is none."""


class AuditTrail:
    """One table's audit chains. `client` is a DynamoDB client used for every tenant unless
    `tenant_clients` is given (the services pass theirs, so in the cloud each tenant's entries
    are written with that tenant's credentials). `retention_days` sets each new entry's TTL;
    `clock` gives the time (tests pass a fixed one)."""

    def __init__(
        self,
        client: Any,
        table_name: str,
        *,
        tenant_clients: TenantClientSource | None = None,
        retention_days: int = DEFAULT_RETENTION_DAYS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        attempts: int = APPEND_ATTEMPTS,
        pause: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self.table_name = table_name
        self._tenant_clients = tenant_clients
        self.retention_days = retention_days
        self._clock = clock
        self._attempts = attempts
        self._pause = pause
        # One lock per tenant: this process's writers of a tenant append in turn instead of
        # racing each other for the head (a batch upload is many at once); only writers in
        # other processes can still lose a race.
        self._turns: dict[str, threading.Lock] = {}
        self._turns_lock = threading.Lock()

    def _turn(self, tenant_id: str) -> threading.Lock:
        with self._turns_lock:
            return self._turns.setdefault(tenant_id, threading.Lock())

    def _dynamodb(self, tenant_id: str) -> Any:
        if self._tenant_clients is not None:
            return self._tenant_clients.for_tenant(tenant_id, "dynamodb")
        return self._client

    def client_for(self, tenant_id: str) -> Any:
        """The DynamoDB client `tenant_id`'s entries are written with: the sign-in markers
        (`audit.sign_ins`, decision 0119) are written with the same credentials."""
        return self._dynamodb(tenant_id)

    # -- writing ------------------------------------------------------------------------------

    def record(
        self,
        tenant_id: str,
        actor: AuditActor,
        action: AuditAction,
        target: AuditTarget,
        outcome: AuditOutcome = AuditOutcome.SUCCEEDED,
        detail: Detail | None = None,
        source: AuditSource | None = None,
    ) -> dict[str, Any]:
        """Append one entry to `tenant_id`'s chain; the entry as stored (plain values, with
        `seq` and `hash`). Blocking. Raises AuditUnavailable when it cannot be written, and
        ValueError for a `detail` that is not a small flat mapping."""
        checked = check_detail(detail)
        source = source or AuditSource()
        client = self._dynamodb(tenant_id)
        with self._turn(tenant_id):
            return self._record(client, tenant_id, actor, action, target, outcome, checked, source)

    def _record(
        self,
        client: Any,
        tenant_id: str,
        actor: AuditActor,
        action: AuditAction,
        target: AuditTarget,
        outcome: AuditOutcome,
        checked: dict[str, DetailValue],
        source: AuditSource,
    ) -> dict[str, Any]:
        for attempt in range(self._attempts):
            try:
                head = self._read_head(client, tenant_id)
                entry = self._next_entry(
                    tenant_id, head, actor, action, target, outcome, checked, source
                )
                self._append(client, tenant_id, head, entry)
            except _LostRace:
                # Another writer of this tenant took the seq; jitter spreads the retries.
                pause = min(MAX_PAUSE_SECONDS, 0.005 * (2**attempt))
                self._pause(random.uniform(0, pause))  # noqa: S311 - jitter
                continue
            except (ClientError, BotoCoreError) as exc:
                log.warning(
                    "audit_write_failed",
                    extra={"tenant_id": tenant_id, "action": str(action), "error": _code(exc)},
                )
                raise AuditUnavailable(_code(exc)) from exc
            # The head's hash in the service's logs (CloudWatch, apart from the table): an
            # anchor a rewrite of the whole table cannot reach.
            log.info(
                "audit_recorded",
                extra={"tenant_id": tenant_id, "seq": entry["seq"], "hash": entry["hash"]},
            )
            return entry
        log.warning("audit_write_contended", extra={"tenant_id": tenant_id})
        raise AuditUnavailable("contention")

    def _read_head(self, client: Any, tenant_id: str) -> dict[str, Any] | None:
        answer = client.get_item(
            TableName=self.table_name, Key=to_item(head_key(tenant_id)), ConsistentRead=True
        )
        head = from_item(answer["Item"]) if "Item" in answer else None
        if head is not None and not is_live(head, self._epoch()):
            return None  # every entry has expired: the chain starts again at seq 1
        return head

    def _epoch(self) -> int:
        return int(self._clock().timestamp())

    def _next_entry(
        self,
        tenant_id: str,
        head: dict[str, Any] | None,
        actor: AuditActor,
        action: AuditAction,
        target: AuditTarget,
        outcome: AuditOutcome,
        detail: dict[str, Any],
        source: AuditSource,
    ) -> dict[str, Any]:
        now = self._clock()
        previous_at = str(head.get("at", "")) if head else ""
        previous_expiry = int(head.get("entryExpiresAt", 0)) if head else 0
        fields: dict[str, Any] = {
            "v": ENTRY_VERSION,
            "tenantId": tenant_id,
            "seq": int(head["seq"]) + 1 if head else 1,
            # Never earlier than the previous entry (clocks of two instances differ): time
            # order is chain order, which lets date filters stop early.
            "at": max(iso_time(now), previous_at),
            "actor": actor.as_item(),
            "action": str(action),
            "target": target.as_item(),
            "outcome": str(outcome),
            "requestId": source.request_id,
            "sourceIp": source.source_ip,
            "userAgent": source.user_agent[:512],
            "detail": detail,
            "prevHash": str(head.get("hash", "")) if head else "",
            "prevExpiresAt": previous_expiry,
            # Never earlier than the previous entry's: expiry then only ever removes a prefix
            # of the chain, which is what `verify` accepts as expired (engageiq_tenancy.audit
            # .chain). A shortened retention applies once it passes the previous horizon.
            "expiresAt": max(
                int(now.timestamp()) + self.retention_days * DAY_SECONDS, previous_expiry
            ),
        }
        return {**fields, "hash": entry_hash(fields)}

    def _append(
        self, client: Any, tenant_id: str, head: dict[str, Any] | None, entry: dict[str, Any]
    ) -> None:
        now = self._epoch()
        if head is None:
            # No live head: none yet, or it expired (DynamoDB may not have deleted it yet).
            head_condition = "attribute_not_exists(pk) OR expiresAt <= :now"
            head_values: dict[str, Any] = {":now": now}
        else:
            head_condition = "seq = :read"
            head_values = {":read": int(head["seq"])}
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": to_item({**entry_key(tenant_id, entry["seq"]), **entry}),
                            # An expired entry DynamoDB has not deleted yet may be reused.
                            "ConditionExpression": "attribute_not_exists(pk) OR expiresAt <= :now",
                            "ExpressionAttributeValues": to_item({":now": now}),
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table_name,
                            "Key": to_item(head_key(tenant_id)),
                            "UpdateExpression": (
                                "SET seq = :seq, #h = :hash, #at = :at, "
                                "entryExpiresAt = :entry_expiry, expiresAt = :expiry"
                            ),
                            "ConditionExpression": head_condition,
                            "ExpressionAttributeNames": {"#h": "hash", "#at": "at"},
                            "ExpressionAttributeValues": to_item(
                                {
                                    ":seq": entry["seq"],
                                    ":hash": entry["hash"],
                                    ":at": entry["at"],
                                    ":entry_expiry": entry["expiresAt"],
                                    # The head outlives every entry, so it is the last to go.
                                    ":expiry": max(
                                        entry["expiresAt"], int((head or {}).get("expiresAt", 0))
                                    ),
                                    **head_values,
                                }
                            ),
                        }
                    },
                ]
            )
        except ClientError as exc:
            if _lost_race(exc):
                raise _LostRace() from None
            raise

    # -- reading ------------------------------------------------------------------------------

    def page(
        self,
        tenant_id: str,
        query: AuditQuery = NO_FILTER,
        *,
        before: int | None = None,
        limit: int = 50,
    ) -> AuditPage:
        """Up to `limit` matching entries, newest first, older than seq `before` (None: from
        the newest). Reads at most MAX_EXAMINED entries; a page may then be short yet have a
        `next_before`. Raises AuditUnavailable if DynamoDB fails."""
        found: list[dict[str, Any]] = []
        lower, upper = query.lower_bound(), query.upper_bound()
        entries = self._entries(tenant_id, newest_first=True, before=before)
        for examined, entry in enumerate(entries, start=1):
            last_seq = int(entry["seq"])
            at = str(entry.get("at", ""))
            if lower is not None and at < lower:
                # `at` never decreases along the chain: nothing older can match.
                return AuditPage(found, None)
            if (upper is None or at < upper) and query.matches(entry):
                found.append(entry)
                if len(found) == limit:
                    return AuditPage(found, last_seq if last_seq > 1 else None)
            if examined >= MAX_EXAMINED:
                return AuditPage(found, last_seq if last_seq > 1 else None)
        return AuditPage(found, None)

    def export(self, tenant_id: str, query: AuditQuery = NO_FILTER) -> Iterator[dict[str, Any]]:
        """Every matching live entry, oldest first, one Query page at a time (for streaming).
        Raises AuditUnavailable if DynamoDB fails part way (the stream then ends early)."""
        upper = query.upper_bound()
        for entry in self._entries(tenant_id, newest_first=False):
            if upper is not None and str(entry.get("at", "")) >= upper:
                return
            if query.matches(entry):
                yield entry

    def has_entries(self, tenant_id: str) -> bool:
        """Whether any entry or head of `tenant_id` remains (a purged tenant's log does)."""
        answer = self._query(
            self._dynamodb(tenant_id),
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues=to_item({":pk": audit_partition(tenant_id)}),
            Limit=1,
        )
        return bool(answer["Items"])

    def verify(self, tenant_id: str) -> ChainReport:
        """Check `tenant_id`'s chain (engageiq_tenancy.audit.chain.check_chain). Reads the head
        before and after the entries and starts again if a writer moved it meanwhile."""
        client = self._dynamodb(tenant_id)
        for _ in range(5):
            try:
                before = self._raw_head(client, tenant_id)
                entries = list(self._entries(tenant_id, newest_first=False, live_only=False))
                after = self._raw_head(client, tenant_id)
            except (ClientError, BotoCoreError) as exc:
                raise AuditUnavailable(_code(exc)) from exc
            if before == after:
                return check_chain(tenant_id, entries, after, self._epoch())
        raise AuditUnavailable("the chain kept changing while it was read")

    def _raw_head(self, client: Any, tenant_id: str) -> dict[str, Any] | None:
        answer = client.get_item(
            TableName=self.table_name, Key=to_item(head_key(tenant_id)), ConsistentRead=True
        )
        return from_item(answer["Item"]) if "Item" in answer else None

    def _entries(
        self,
        tenant_id: str,
        *,
        newest_first: bool,
        before: int | None = None,
        live_only: bool = True,
    ) -> Iterator[dict[str, Any]]:
        client = self._dynamodb(tenant_id)
        tag = f"{ENTRY_TAG}{KEY_DELIMITER}"
        upper = entry_sort_key(before) if before is not None else f"{tag}~"
        request: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_item(
                {":pk": audit_partition(tenant_id), ":low": tag, ":high": upper}
            ),
            "ScanIndexForward": not newest_first,
            "ConsistentRead": True,
            "Limit": READ_PAGE,
        }
        now = self._epoch()
        while True:
            answer = self._query(client, **request)
            for item in answer["Items"]:
                entry = from_item(item)
                if before is not None and entry.get("seq") == before:
                    continue  # BETWEEN includes its bounds
                if live_only and not is_live(entry, now):
                    continue
                yield entry
            if "LastEvaluatedKey" not in answer:
                return
            request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]

    def _query(self, client: Any, **request: Any) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = client.query(TableName=self.table_name, **request)
        except (ClientError, BotoCoreError) as exc:
            log.warning("audit_read_failed", extra={"error": _code(exc)})
            raise AuditUnavailable(_code(exc)) from exc
        return answer


class _LostRace(Exception):
    """Another writer appended first (the head moved), or DynamoDB saw the two transactions
    conflict: read the head again and retry."""


def _lost_race(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in ("TransactionConflictException", "ConditionalCheckFailedException"):
        return True
    if code != "TransactionCanceledException":
        return False
    reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
    return bool(reasons & {"ConditionalCheckFailed", "TransactionConflict"})


def _code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
