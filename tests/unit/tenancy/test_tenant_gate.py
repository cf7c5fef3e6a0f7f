"""TenantGate: only active tenants pass; statuses are cached briefly; storage errors are 503."""

from __future__ import annotations

import anyio
import pytest
from botocore.exceptions import EndpointConnectionError

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate

ACME = TenantContext("acme", "u-1", "rep@acme.example", frozenset({Role.MEMBER}))


class Statuses:
    """A status reader over a dict, counting reads (the gate's only dependency)."""

    def __init__(self, **statuses: str | None) -> None:
        self.statuses = statuses
        self.reads = 0

    def __call__(self, tenant: TenantContext) -> GateRecord:
        self.reads += 1
        return GateRecord(self.statuses.get(tenant.tenant_id))


def check(gate: TenantGate, tenant: TenantContext = ACME) -> ApiError | None:
    async def run() -> ApiError | None:
        try:
            await gate.check(tenant)
        except ApiError as exc:
            return exc
        return None

    return anyio.run(run)


def test_active_tenant_passes() -> None:
    assert check(TenantGate(Statuses(acme="active"))) is None


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("suspended", "tenant_suspended"),
        ("deleting", "tenant_unavailable"),
        (None, "tenant_unavailable"),
        ("garbage", "tenant_unavailable"),
    ],
)
def test_any_other_status_is_refused_with_403(status: str | None, code: str) -> None:
    refused = check(TenantGate(Statuses(acme=status)))
    assert refused is not None
    assert (refused.status_code, refused.code) == (403, code)


def test_status_is_cached_until_it_expires() -> None:
    now = [0.0]
    statuses = Statuses(acme="active")
    gate = TenantGate(statuses, cache_seconds=10, clock=lambda: now[0])
    assert check(gate) is None
    statuses.statuses["acme"] = "suspended"
    now[0] = 9.9
    assert check(gate) is None
    assert statuses.reads == 1
    now[0] = 10.1
    refused = check(gate)
    assert refused is not None
    assert refused.code == "tenant_suspended"
    assert statuses.reads == 2


def test_cache_is_per_tenant() -> None:
    statuses = Statuses(acme="active", globex="suspended")
    gate = TenantGate(statuses)
    globex = TenantContext("globex", "u-2", "x", frozenset({Role.MEMBER}))
    assert check(gate) is None
    refused = check(gate, globex)
    assert refused is not None
    assert refused.code == "tenant_suspended"


def test_storage_failure_is_a_503_not_a_pass() -> None:
    def broken(_: TenantContext) -> GateRecord:
        raise EndpointConnectionError(endpoint_url="http://127.0.0.1:1")

    refused = check(TenantGate(broken))
    assert refused is not None
    assert (refused.status_code, refused.code) == (503, "service_unavailable")
