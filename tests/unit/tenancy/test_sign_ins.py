"""`SignInRecorder` (decision 0119): a session's sign-in is recorded once across replicas,
costs nothing after its first request, and a session whose sign-in cannot be recorded is
refused until it can be."""

from __future__ import annotations

from typing import cast

import anyio
import pytest
from litestar.types import Scope

from engageiq_tenancy.audit import AuditSource, AuditUnavailable
from engageiq_tenancy.audit.sign_ins import SignInRecorder
from engageiq_tenancy.context import Role, TenantContext

ANA = TenantContext("acme", "u-ana", "ana@acme.example", frozenset({Role.MEMBER}), 1, "s-1")
SCOPE = cast(
    Scope, {"type": "http", "headers": [(b"user-agent", b"browser")], "client": ("10.0.0.9", 1)}
)


class Table:
    """The markers (shared by every replica) and the entries written."""

    def __init__(self) -> None:
        self.markers: set[tuple[str, str, str]] = set()
        self.entries: list[tuple[TenantContext, AuditSource]] = []
        self.claims = 0
        self.failing = False

    def claim(self, tenant: TenantContext) -> bool:
        self.claims += 1
        key = (tenant.tenant_id, tenant.user_id, tenant.session)
        if key in self.markers:
            return False
        self.markers.add(key)
        return True

    def release(self, tenant: TenantContext) -> None:
        self.markers.discard((tenant.tenant_id, tenant.user_id, tenant.session))

    def record(self, tenant: TenantContext, source: AuditSource) -> object:
        if self.failing:
            raise AuditUnavailable("down")
        self.entries.append((tenant, source))
        return None

    def replica(self) -> SignInRecorder:
        return SignInRecorder(self.claim, self.release, self.record, behind_cloudfront=False)


def seen_by(recorder: SignInRecorder, *tenants: TenantContext) -> None:
    async def go() -> None:
        async with anyio.create_task_group() as group:
            for tenant in tenants:
                group.start_soon(recorder.seen, tenant, SCOPE)

    anyio.run(go)


def test_a_session_signs_in_once_across_replicas_and_costs_nothing_after() -> None:
    table = Table()
    first, second = table.replica(), table.replica()
    seen_by(first, ANA, ANA, ANA)  # its first requests arrive together
    seen_by(second, ANA)
    claims = table.claims
    seen_by(first, ANA)
    seen_by(second, ANA)

    assert [tenant for tenant, _ in table.entries] == [ANA]
    assert table.entries[0][1].user_agent == "browser"
    assert table.entries[0][1].source_ip == "10.0.0.9"
    assert table.claims == claims == 2  # one claim per replica, none after
    refreshed = TenantContext("acme", "u-ana", "ana@acme.example", ANA.roles, 99, "s-2")
    seen_by(second, refreshed)
    assert len(table.entries) == 2  # a new sign-in is a new entry


def test_a_sign_in_that_cannot_be_recorded_refuses_the_request_until_it_can() -> None:
    table = Table()
    recorder = table.replica()
    table.failing = True
    with pytest.raises(AuditUnavailable):
        anyio.run(recorder.seen, ANA, SCOPE)
    assert table.markers == set()  # released: the next request (any replica) tries again
    table.failing = False
    seen_by(recorder, ANA)
    assert len(table.entries) == 1


def test_a_context_without_a_session_records_nothing() -> None:
    table = Table()
    seen_by(table.replica(), TenantContext("acme", "u-ana", "ana@acme.example", ANA.roles))
    assert (table.claims, table.entries) == (0, [])
