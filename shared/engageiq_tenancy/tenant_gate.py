"""`TenantGate`: refuses every request of a tenant that is suspended, being deleted or gone,
and every token an access change voided (a user removed or demoted since it was issued).

Verified tokens stay valid until they expire (up to an hour), so suspending or offboarding a
tenant, and removing or demoting a user, must be enforced on each request, not at sign-in. The
tenant record (status and access changes, see `user_access`) is read with the caller's
`TenantContext` and kept for a few seconds per process, so each change takes effect within
`cache_seconds` without a DynamoDB read on every request."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, ServiceUnavailable, TokenRefused
from engageiq_tenancy.tenants import STATUS_CACHE_SECONDS, TenantStatus, record_key
from engageiq_tenancy.user_access import (
    ACCESS_ATTRIBUTE,
    AccessChange,
    access_changes_from_item,
    restricted,
)


@dataclass(frozen=True, slots=True)
class GateRecord:
    """What the gate needs of a tenant record: its status (None: no record) and its access
    changes by user sub."""

    status: str | None
    access: Mapping[str, AccessChange] = field(default_factory=dict)
    require_sso: bool = False
    """Only tokens of users who signed in through the tenant's IdP are accepted."""


RecordReader = Callable[[TenantContext], GateRecord]
"""Reads the caller's tenant record. Blocking (boto3)."""


class TokenRevoked(TokenRefused):
    def __init__(self) -> None:
        super().__init__(Errors.TOKEN_REVOKED)


class SsoRequired(TokenRefused):
    """A password user's token for a tenant that requires single sign-on (decision 0120)."""

    def __init__(self) -> None:
        super().__init__(Errors.SSO_REQUIRED)


class TenantSuspended(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.TENANT_SUSPENDED)


class TenantUnavailable(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.TENANT_UNAVAILABLE)


class StorageUnavailable(ServiceUnavailable):
    """The tables did not answer through every retry: the one 503 `service_unavailable`."""

    def __init__(self) -> None:
        super().__init__(Errors.STORAGE_NOT_ANSWERING)


def dynamodb_status_reader(dynamodb: Any, table: str) -> RecordReader:
    def read(tenant: TenantContext) -> GateRecord:
        item = dynamodb.get_item(
            TableName=table,
            Key={k: {"S": v} for k, v in record_key(tenant).items()},
            ProjectionExpression="#s, #a, #r",
            ExpressionAttributeNames={"#s": "status", "#a": ACCESS_ATTRIBUTE, "#r": "requireSso"},
        ).get("Item")
        if item is None:
            return GateRecord(None)
        return GateRecord(
            str(item.get("status", {}).get("S", "")),
            access_changes_from_item(item),
            require_sso=item.get("requireSso", {}).get("BOOL") is True,
        )

    return read


class TenantGate:
    def __init__(
        self,
        read_status: RecordReader,
        cache_seconds: float = STATUS_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read_status = read_status
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._cache: dict[str, tuple[float, GateRecord]] = {}

    async def check(self, tenant: TenantContext) -> TenantContext:
        """The caller as their tenant's record allows them: raises 403 unless the tenant is
        active, 401 `sso_required` for a password user's token when the tenant requires single
        sign-on, 401 `token_revoked` if the user was removed since the token was issued; a user
        demoted since then comes back with the roles they still hold."""
        cached = self._cache.get(tenant.tenant_id)
        # The cached record without another coroutine: this runs on every request.
        record = (
            cached[1]
            if cached is not None and cached[0] > self._clock()
            else await self._read(tenant)
        )
        if record.status != TenantStatus.ACTIVE:
            if record.status == TenantStatus.SUSPENDED:
                raise TenantSuspended()
            raise TenantUnavailable()
        if record.require_sso and not tenant.federated:
            # Read with the status, from the same cached record: no extra round trip.
            raise SsoRequired()
        if not record.access:
            return tenant  # the common case: nobody's access changed in the last hour
        allowed = restricted(tenant, record.access.get(tenant.user_id))
        if allowed is None:
            raise TokenRevoked()
        return allowed

    async def _read(self, tenant: TenantContext) -> GateRecord:
        now = self._clock()
        try:
            record = await anyio.to_thread.run_sync(self._read_status, tenant)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable() from exc
        self._cache[tenant.tenant_id] = (now + self._cache_seconds, record)
        return record
