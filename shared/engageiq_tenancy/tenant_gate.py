"""`TenantGate`: refuses every request of a tenant that is suspended, being deleted or gone.

Verified tokens stay valid until they expire (up to an hour), so suspending or offboarding a
tenant must be enforced on each request, not at sign-in. The tenant record is read with the
caller's `TenantContext` and kept for a few seconds per process, so suspension takes effect
within `cache_seconds` without a DynamoDB read on every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import anyio
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.tenants import STATUS_CACHE_SECONDS, TenantStatus, record_key

RecordReader = Callable[[TenantContext], str | None]
"""Returns the tenant's status, or None if it has no record. Blocking (boto3)."""


class TenantSuspended(ApiError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "tenant_suspended",
            "Your organisation's account is suspended. Contact your administrator.",
        )


class TenantUnavailable(ApiError):
    def __init__(self) -> None:
        super().__init__(
            403,
            "tenant_unavailable",
            "Your organisation's account no longer exists or is being removed.",
        )


class StorageUnavailable(ApiError):
    def __init__(self) -> None:
        super().__init__(
            503,
            "storage_unavailable",
            "Our storage is not answering right now; nothing was changed. Try again shortly.",
            {"Retry-After": "5"},
        )


def dynamodb_status_reader(dynamodb: Any, table: str) -> RecordReader:
    def read(tenant: TenantContext) -> str | None:
        item = dynamodb.get_item(
            TableName=table,
            Key={k: {"S": v} for k, v in record_key(tenant).items()},
            ProjectionExpression="#s",
            ExpressionAttributeNames={"#s": "status"},
        ).get("Item")
        if item is None:
            return None
        return str(item.get("status", {}).get("S", ""))

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
        self._cache: dict[str, tuple[float, str | None]] = {}

    async def check(self, tenant: TenantContext) -> None:
        """Raise unless the caller's tenant is active."""
        status = await self._status(tenant)
        if status == TenantStatus.ACTIVE:
            return
        if status == TenantStatus.SUSPENDED:
            raise TenantSuspended()
        raise TenantUnavailable()

    async def _status(self, tenant: TenantContext) -> str | None:
        cached = self._cache.get(tenant.tenant_id)
        now = self._clock()
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            status = await anyio.to_thread.run_sync(self._read_status, tenant)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable() from exc
        self._cache[tenant.tenant_id] = (now + self._cache_seconds, status)
        return status
