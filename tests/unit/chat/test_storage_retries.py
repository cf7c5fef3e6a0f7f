"""Transactions are retried on transient failures with one idempotency token, and only then."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest
from botocore.exceptions import ClientError

from engageiq_chat.storage import (
    TRANSACTION_ATTEMPTS,
    ConditionFailed,
    DynamoTables,
    TransientStorageError,
)
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.tenant_gate import StorageUnavailable


def client_error(code: str, status: int, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "TransactWriteItems")  # type: ignore[arg-type]


class FlakyClient:
    def __init__(self, failures: list[ClientError]) -> None:
        self.failures = failures
        self.tokens: list[str] = []

    def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
        self.tokens.append(kwargs["ClientRequestToken"])
        if self.failures:
            raise self.failures.pop(0)
        return {}


ACME = TenantContext("acme", "u1", "u1", frozenset({Role.MEMBER}))


@dataclass
class PerTenantClients:
    """Stands in for TenantClients: one client per tenant, and a record of who asked."""

    clients: dict[str, Any]
    asked: list[str] = field(default_factory=list)

    def client(self, tenant: TenantContext, name: str) -> Any:
        self.asked.append(f"{tenant.tenant_id}:{name}")
        return self.clients[tenant.tenant_id]


def transact(client: FlakyClient) -> None:
    tables = DynamoTables(
        PerTenantClients({"acme": client}), object(), conversations="c", usage="u", tenants="t"
    )
    asyncio.run(tables.transact(ACME, [{"Put": {}}], token="message-1"))


class Recorder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[str] = []

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs["TableName"])
        return {}


def test_tenant_data_uses_the_tenants_client_and_only_the_tenants_table_the_service() -> None:
    acme, globex, service = Recorder("acme"), Recorder("globex"), Recorder("service")
    clients = PerTenantClients({"acme": acme, "globex": globex})
    tables = DynamoTables(clients, service, conversations="c", usage="u", tenants="t")

    async def calls() -> None:
        await tables.call(ACME, "get_item", TableName="c")
        await tables.call_as_service("get_item", TableName="t")

    asyncio.run(calls())
    assert (acme.calls, globex.calls, service.calls) == (["c"], [], ["t"])
    assert clients.asked == ["acme:dynamodb"]


CONFLICT = client_error("TransactionCanceledException", 400, ["None", "TransactionConflict"])


def test_transaction_conflicts_are_retried_with_the_same_token() -> None:
    client = FlakyClient([client_error("TransactionConflictException", 400), CONFLICT])
    transact(client)
    assert client.tokens == ["message-1"] * 3


def test_persistent_conflicts_end_as_service_unavailable() -> None:
    client = FlakyClient([CONFLICT] * TRANSACTION_ATTEMPTS)
    with pytest.raises(TransientStorageError):
        transact(client)
    assert len(client.tokens) == TRANSACTION_ATTEMPTS


@pytest.mark.parametrize(
    "error",
    [
        client_error("InternalServerError", 500),
        client_error("ProvisionedThroughputExceededException", 400),
    ],
)
def test_throttling_and_5xx_are_left_to_botocore_retries(error: ClientError) -> None:
    """botocore already retried them (4 attempts): retrying again multiplied the wait."""
    client = FlakyClient([error] * TRANSACTION_ATTEMPTS)
    with pytest.raises(TransientStorageError):
        transact(client)
    assert len(client.tokens) == 1


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (
            client_error("TransactionCanceledException", 400, ["ConditionalCheckFailed", "None"]),
            ConditionFailed,
        ),
        (client_error("ResourceNotFoundException", 400), StorageUnavailable),
        (client_error("ValidationException", 400), StorageUnavailable),
    ],
)
def test_other_failures_are_not_retried(error: ClientError, raised: type[Exception]) -> None:
    client = FlakyClient([error])
    with pytest.raises(raised) as caught:
        transact(client)
    assert not isinstance(caught.value, TransientStorageError)
    assert len(client.tokens) == 1
