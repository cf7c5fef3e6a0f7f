"""`SignInRecorder`: a session's first request is its sign-in in the audit log, recorded once
across every replica of both services, without a DynamoDB call on the requests after it.

Cognito signs people in, not us, so the services see a sign-in as the first request of a
session (`TenantContext.session`: the ID token's `origin_jti`, else its `auth_time`). Each
process remembers the sessions it has seen (a bounded LRU: a dictionary lookup per request,
issue 22 keeps p50 <= 20 ms). The first time a process sees one, it claims the session with a
conditional put of a marker (`<tenant>#SIGNIN`, `SESSION#<user>#<session>`) in the audit
table: the one process whose put succeeds writes the `session.signed_in` entry; every other
replica finds the marker and moves on. If the entry cannot be written the marker is released
and the request answers 503 `audit_unavailable` (decision 0119): no session acts unrecorded.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Final

import anyio.to_thread
import structlog
from botocore.exceptions import BotoCoreError, ClientError
from litestar.types import Scope

from engageiq_tenancy.audit.actions import AuditAction, AuditOutcome
from engageiq_tenancy.audit.entries import MAX_TEXT_CHARS, AuditActor, AuditSource, AuditTarget
from engageiq_tenancy.audit.requests import source_ip
from engageiq_tenancy.audit.trail import AuditTrail, AuditUnavailable
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import InvalidObjectId, sort_key, tenant_partition
from engageiq_tenancy.requests import request_id_of

log = structlog.get_logger(__name__)

SIGN_IN_ENTITY: Final = "SIGNIN"
"""The tenant's partition of session markers in the audit table: `<tenant>#SIGNIN`."""
SESSION_TAG: Final = "SESSION"
MARKER_SECONDS: Final = 8 * 24 * 3600
"""A marker outlives its session: the web client's refresh tokens last 7 days
(`platform/engageiq_infra/identity.py`), after which the person signs in again."""
REMEMBERED_SESSIONS: Final = 100_000
"""Sessions one process remembers (about 100 bytes each); one forgotten costs one more
conditional put, never a second entry."""

SessionKey = tuple[str, str, str]
Claim = Callable[[TenantContext], bool]
"""Blocking: True if this call claimed the session, False if another process had."""
Release = Callable[[TenantContext], None]
"""Blocking: give a claim back (its entry could not be written)."""
Record = Callable[[TenantContext, AuditSource], object]
"""Blocking: writes the `session.signed_in` entry; raises `AuditUnavailable`."""


def marker_key(tenant: TenantContext) -> dict[str, dict[str, str]]:
    """The session's marker, in the caller's own tenant partition. Raises `InvalidObjectId`
    for a user id or session that cannot be part of a key."""
    return {
        "pk": {"S": tenant_partition(tenant, SIGN_IN_ENTITY)},
        "sk": {"S": sort_key(SESSION_TAG, tenant.user_id, tenant.session)},
    }


class DynamoDbSessionClaims:
    """Claims and releases sessions with conditional writes to `trail`'s table, with the
    clients its entries are written with (the tenant's role in the cloud)."""

    def __init__(self, trail: AuditTrail, clock: Callable[[], float] = time.time) -> None:
        self._trail = trail
        self._clock = clock

    def claim(self, tenant: TenantContext) -> bool:
        try:
            self._trail.client_for(tenant.tenant_id).put_item(
                TableName=self._trail.table_name,
                Item={
                    **marker_key(tenant),
                    "expiresAt": {"N": str(int(self._clock()) + MARKER_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise AuditUnavailable(_code(exc)) from exc
        except BotoCoreError as exc:
            raise AuditUnavailable(type(exc).__name__) from exc
        return True

    def release(self, tenant: TenantContext) -> None:
        self._trail.client_for(tenant.tenant_id).delete_item(
            TableName=self._trail.table_name, Key=marker_key(tenant)
        )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", "ClientError"))


def trail_sign_ins(trail: AuditTrail, service: str, *, behind_cloudfront: bool) -> SignInRecorder:
    """The recorder of a service: markers and entries in `trail`'s table, with its clients."""
    claims = DynamoDbSessionClaims(trail)

    def record(tenant: TenantContext, source: AuditSource) -> object:
        return trail.record(
            tenant.tenant_id,
            AuditActor.user(tenant.user_id, tenant.username),
            AuditAction.SESSION_SIGNED_IN,
            AuditTarget("session", tenant.session),
            AuditOutcome.SUCCEEDED,
            {"service": service},
            source,
        )

    return SignInRecorder(claims.claim, claims.release, record, behind_cloudfront=behind_cloudfront)


class SignInRecorder:
    """`await recorder.seen(tenant, source)` on every authenticated request (after the tenant
    gate): a dictionary lookup, except on a session's first request in this process."""

    def __init__(
        self,
        claim: Claim,
        release: Release,
        record: Record,
        *,
        behind_cloudfront: bool,
        remember: int = REMEMBERED_SESSIONS,
    ) -> None:
        self._behind_cloudfront = behind_cloudfront
        self._claim = claim
        self._release = release
        self._record = record
        self._remember = remember
        self._seen: OrderedDict[SessionKey, None] = OrderedDict()
        self._pending: dict[SessionKey, asyncio.Future[None]] = {}

    def recorded(self, tenant: TenantContext) -> bool:
        """Whether nothing is left to record for this caller's session: a token without a
        sign-in, or a session this process has recorded. Synchronous, for the request path:
        every later request of a session stops here, without a coroutine."""
        key = (tenant.tenant_id, tenant.user_id, tenant.session)
        return not tenant.session or key in self._seen

    async def seen(self, tenant: TenantContext, scope: Scope) -> None:
        """Record the sign-in if this is the session's first request anywhere. Raises
        `AuditUnavailable` (the request answers 503) if it could not be recorded; the next
        request of the session tries again."""
        if not tenant.session:
            return  # not from a token with a sign-in (never for Cognito's ID tokens)
        key = (tenant.tenant_id, tenant.user_id, tenant.session)
        if key in self._seen:
            return
        pending = self._pending.get(key)
        if pending is not None:
            # The session's first requests arrive together: they wait for one recording.
            await asyncio.shield(pending)
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[key] = done
        try:
            await self._first_sight(tenant, self._source(scope))
        except BaseException as exc:
            done.set_exception(exc if isinstance(exc, Exception) else AuditUnavailable())
            done.exception()  # retrieved: nobody may be waiting for it
            raise
        else:
            done.set_result(None)
            self._remember_session(key)
        finally:
            del self._pending[key]

    async def _first_sight(self, tenant: TenantContext, source: AuditSource) -> None:
        try:
            claimed = await anyio.to_thread.run_sync(self._claim, tenant)
        except InvalidObjectId:
            log.warning("sign_in_not_recordable", reason="session or user id not a key")
            return
        if not claimed:
            return  # another process recorded it (or is recording it)
        try:
            await anyio.to_thread.run_sync(self._record, tenant, source)
        except BaseException:
            try:
                await anyio.to_thread.run_sync(self._release, tenant)
            except Exception as exc:
                # Marker kept, entry missing: only possible when the table failed twice in a
                # row; said loudly, as the one way a sign-in can go unrecorded.
                log.error("sign_in_unrecorded", error=type(exc).__name__)
            raise

    def _source(self, scope: Scope) -> AuditSource:
        agent = next((v for k, v in scope.get("headers", []) if k.lower() == b"user-agent"), b"")
        return AuditSource(
            request_id=request_id_of(scope),
            source_ip=source_ip(scope, behind_cloudfront=self._behind_cloudfront),
            user_agent=agent.decode("latin-1")[:MAX_TEXT_CHARS],
        )

    def _remember_session(self, key: SessionKey) -> None:
        self._seen[key] = None
        while len(self._seen) > self._remember:
            self._seen.popitem(last=False)
