"""TenantGate: a tenant that is not active is refused, a suspension takes effect within the
status cache time, and the status is read from the caller's own tenant record only."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.tenant_gate import TenantGate, dynamodb_status_reader
from tests.unit.tenancy.helpers import FakeClock, run

CACHE_SECONDS = 10.0


def context(tenant_id: str) -> TenantContext:
    return TenantContext(tenant_id, "user-1", "someone", frozenset({Role.MEMBER}))


class Statuses:
    def __init__(self, **statuses: str | None) -> None:
        self.statuses = dict(statuses)
        self.reads: list[str] = []
        self.error: Exception | None = None

    def __call__(self, tenant: TenantContext) -> str | None:
        self.reads.append(tenant.tenant_id)
        if self.error is not None:
            raise self.error
        return self.statuses.get(tenant.tenant_id)


def outcome(gate: TenantGate, tenant_id: str) -> tuple[int, str] | str:
    """"ok", or the (status code, error code) the gate refuses with."""

    async def go() -> tuple[int, str] | str:
        try:
            await gate.check(context(tenant_id))
        except ApiError as exc:
            return exc.status_code, exc.code
        return "ok"

    return run(go)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("active", "ok"),
        ("suspended", (403, "tenant_suspended")),
        ("deleting", (403, "tenant_unavailable")),
        (None, (403, "tenant_unavailable")),
        ("", (403, "tenant_unavailable")),
        ("Active", (403, "tenant_unavailable")),
        ("unknown-status", (403, "tenant_unavailable")),
    ],
)
def test_only_an_active_tenant_passes_the_gate(
    status: str | None, expected: tuple[int, str] | str
) -> None:
    gate = TenantGate(Statuses(acme=status), cache_seconds=CACHE_SECONDS, clock=FakeClock())

    assert outcome(gate, "acme") == expected


def test_a_suspension_takes_effect_once_the_cached_status_expires() -> None:
    statuses = Statuses(acme="active")
    clock = FakeClock()
    gate = TenantGate(statuses, cache_seconds=CACHE_SECONDS, clock=clock)
    assert outcome(gate, "acme") == "ok"

    statuses.statuses["acme"] = "suspended"
    clock.advance(CACHE_SECONDS - 0.001)
    within = outcome(gate, "acme")
    clock.advance(0.001)
    after = outcome(gate, "acme")

    assert (within, after) == ("ok", (403, "tenant_suspended"))


def test_the_status_is_read_once_per_cache_period_per_tenant() -> None:
    statuses = Statuses(acme="active", globex="active")
    gate = TenantGate(statuses, cache_seconds=CACHE_SECONDS, clock=FakeClock())

    for _ in range(5):
        outcome(gate, "acme")
        outcome(gate, "globex")

    assert sorted(statuses.reads) == ["acme", "globex"]


def test_one_tenants_status_is_never_served_for_another() -> None:
    gate = TenantGate(
        Statuses(acme="active", globex="suspended"), cache_seconds=CACHE_SECONDS,
        clock=FakeClock()
    )

    assert [outcome(gate, t) for t in ("acme", "globex", "acme")] == [
        "ok", (403, "tenant_suspended"), "ok"
    ]


@pytest.mark.parametrize(
    "error",
    [
        ClientError({"Error": {"Code": "ProvisionedThroughputExceededException"}}, "GetItem"),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:1"),
    ],
    ids=["client-error", "connection-error"],
)
def test_a_storage_failure_is_a_503_and_is_not_cached(error: Exception) -> None:
    statuses = Statuses(acme="active")
    statuses.error = error
    gate = TenantGate(statuses, cache_seconds=CACHE_SECONDS, clock=FakeClock())

    first = outcome(gate, "acme")
    statuses.error = None

    assert (first, outcome(gate, "acme")) == ((503, "storage_unavailable"), "ok")


class FakeDynamoDB:
    def __init__(self, item: dict[str, Any] | None) -> None:
        self.item = item
        self.calls: list[dict[str, Any]] = []

    def get_item(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        return {} if self.item is None else {"Item": self.item}


def test_the_dynamodb_reader_reads_the_callers_own_tenant_record() -> None:
    dynamodb = FakeDynamoDB({"status": {"S": "suspended"}})
    read = dynamodb_status_reader(dynamodb, "engageiq-local-tenants")

    status = read(context("acme"))

    assert status == "suspended"
    (call,) = dynamodb.calls
    assert call["TableName"] == "engageiq-local-tenants"
    assert call["Key"] == {"pk": {"S": "TENANT#acme"}, "sk": {"S": "PROFILE"}}


def test_the_dynamodb_reader_reports_a_missing_record_as_none() -> None:
    read = dynamodb_status_reader(FakeDynamoDB(None), "engageiq-local-tenants")

    assert read(context("acme")) is None
