"""DynamoDB access for the chat service: one low-level client, every call off the event loop,
and one translation of storage failures into the 503 clients see (`StorageUnavailable`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Final, Protocol

import anyio
import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.errors import is_transient_aws_error
from engageiq_tenancy.items import serialize

# One 503 for every storage failure, owned by the tenancy library.
from engageiq_tenancy.tenant_gate import StorageUnavailable

log = structlog.get_logger(__name__)


# boto3 calls block, so they run in worker threads; but building and parsing requests is
# Python work that holds the GIL. With 100 streams ending together, 64 threads measurably
# delayed the event loop's token relaying (chat_concurrency: added p99 13-21 ms); 16 keep it at
# 8-11 ms while still overlapping DynamoDB's network waits.
_THREADS: Final = anyio.CapacityLimiter(16)


class TransientStorageError(StorageUnavailable):
    """A failure DynamoDB documents as safe to retry (5xx, throttling, transaction conflict)."""


class TransactionConflict(TransientStorageError):
    """Another transaction held an item: the one transient failure botocore does not retry
    (it arrives as TransactionCanceledException), so `transact` retries it."""


TRANSACTION_ATTEMPTS: Final = 6


class ConditionFailed(Exception):
    """A conditional write found the item in another state than it required."""


def values(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from plain values."""
    return {k: serialize(v) for k, v in mapping.items()}


class TenantDataClients(Protocol):
    """What `engageiq_tenancy.tenant_credentials.TenantClients` offers: the client to use for
    one tenant's data (the tenant role's session in the cloud, the service's own locally)."""

    def client(self, tenant: TenantContext, name: str) -> Any: ...


class DynamoTables:
    """The chat service's tables and the clients to reach them. Tenant data (conversations,
    usage) goes through the caller's tenant-scoped client, so IAM's `LeadingKeys` condition
    checks every key a second time; only the tenants table is read as the service itself."""

    def __init__(
        self,
        tenant_clients: TenantDataClients,
        service_client: Any,
        conversations: str,
        usage: str,
        tenants: str,
    ) -> None:
        self._tenant_clients = tenant_clients
        self._service_client = service_client
        self.conversations = conversations
        self.usage = usage
        self.tenants = tenants

    async def call(self, tenant: TenantContext, operation: str, **kwargs: Any) -> dict[str, Any]:
        """`operation` on tenant data, with `tenant`'s credentials."""

        def run() -> dict[str, Any]:
            # In a worker thread: getting tenant credentials may call STS (blocking).
            method = getattr(self._tenant_clients.client(tenant, "dynamodb"), operation)
            result: dict[str, Any] = method(**kwargs)
            return result

        return await self._run(operation, run)

    async def call_as_service(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        """`operation` with the service's own credentials (the tenants table only)."""
        method: Callable[..., dict[str, Any]] = getattr(self._service_client, operation)
        return await self._run(operation, partial(method, **kwargs))

    async def _run(self, operation: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        try:
            return await anyio.to_thread.run_sync(run, limiter=_THREADS)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed(operation) from None
            reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
            if code == "TransactionCanceledException" and "ConditionalCheckFailed" in reasons:
                raise ConditionFailed(operation) from None
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            log.warning("storage_error", operation=operation, code=code, status=status)
            if code == "TransactionConflictException" or "TransactionConflict" in reasons:
                raise TransactionConflict() from exc
            if is_transient_aws_error(exc):
                raise TransientStorageError() from exc
            raise StorageUnavailable() from exc
        except BotoCoreError as exc:
            log.warning("storage_error", operation=operation, error=type(exc).__name__)
            raise StorageUnavailable() from exc

    async def transact(
        self, tenant: TenantContext, items: list[dict[str, Any]], token: str
    ) -> None:
        """TransactWriteItems, retried with jittered backoff on transaction conflicts
        (concurrent transactions on one conversation), which botocore does not retry.
        Throttling and 5xx are botocore's own retries (decision 0091): retrying them here too
        multiplied them, and a user waited some 20 s for the 503. `token`
        (ClientRequestToken) makes a retry of a transaction that did commit a no-op instead of
        a failed condition."""
        for attempt in range(TRANSACTION_ATTEMPTS):
            try:
                await self.call(
                    tenant, "transact_write_items", TransactItems=items, ClientRequestToken=token
                )
                return
            except TransactionConflict:
                if attempt == TRANSACTION_ATTEMPTS - 1:
                    raise
                await anyio.sleep(random.uniform(0, 0.025 * 2**attempt))  # noqa: S311
