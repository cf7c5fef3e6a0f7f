"""Access changes: tokens issued before a removal are refused, before a demotion lose the role,
and tokens issued after are untouched; the gate follows a change within its cache time, and
the record in DynamoDB stays bounded."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from botocore.exceptions import ClientError
from litestar.exceptions import NotAuthorizedException

from engageiq.local.aws import LocalResources, aws_client
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.items import to_item
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate, dynamodb_status_reader
from engageiq_tenancy.tenants import TenantRecord, record_to_item
from engageiq_tenancy.user_access import (
    ACCESS_ATTRIBUTE,
    AccessChange,
    record_access_change,
    restricted,
    revoked_before,
)

ADMIN = frozenset({Role.MEMBER, Role.TENANT_ADMIN})
CHANGED_AT = 1_800_000_000.5


def caller(issued_at: int, roles: frozenset[Role] = ADMIN) -> TenantContext:
    return TenantContext("acme", "u-1", "rep@acme.example", roles, issued_at)


def test_a_removed_users_older_tokens_grant_nothing() -> None:
    removed = AccessChange(revoked_before(CHANGED_AT), frozenset())
    assert restricted(caller(1_800_000_000 - 3000), removed) is None
    # iat has whole seconds: a token of the very second of the change is void as well.
    assert restricted(caller(1_800_000_000), removed) is None
    assert restricted(caller(1_800_000_001), removed) == caller(1_800_000_001)


def test_a_demoted_users_older_tokens_keep_only_the_remaining_role() -> None:
    demoted = AccessChange(revoked_before(CHANGED_AT), frozenset({Role.MEMBER}))
    kept = restricted(caller(1_800_000_000 - 10), demoted)
    assert kept is not None
    assert kept.roles == {Role.MEMBER}
    assert not kept.has_role(Role.TENANT_ADMIN)
    # A change never adds roles a token did not carry.
    member = caller(1_800_000_000 - 10, frozenset({Role.MEMBER}))
    promoted = AccessChange(revoked_before(CHANGED_AT), ADMIN)
    assert restricted(member, promoted) == member


class Records:
    def __init__(self) -> None:
        self.record = GateRecord("active")
        self.reads = 0

    def __call__(self, tenant: TenantContext) -> GateRecord:
        self.reads += 1
        return self.record


def check(gate: TenantGate, tenant: TenantContext) -> TenantContext | NotAuthorizedException:
    async def run() -> TenantContext | NotAuthorizedException:
        try:
            return await gate.check(tenant)
        except NotAuthorizedException as exc:
            return exc

    return anyio.run(run)


def test_the_gate_follows_a_removal_within_its_cache_time() -> None:
    now = [0.0]
    records = Records()
    gate = TenantGate(records, cache_seconds=10, clock=lambda: now[0])
    token = caller(1_800_000_000 - 60)
    assert check(gate, token) == token
    records.record = GateRecord(
        "active", {"u-1": AccessChange(revoked_before(CHANGED_AT), frozenset())}
    )
    now[0] = 10.1
    refused = check(gate, token)
    assert isinstance(refused, NotAuthorizedException)
    assert (refused.status_code, getattr(refused, "code", None)) == (401, "token_revoked")
    # Other users of the tenant are not affected.
    other = TenantContext("acme", "u-2", "x", ADMIN, 1_800_000_000 - 60)
    assert check(gate, other) == other
    assert records.reads == 2


@pytest.fixture
def dynamodb(local_resources: LocalResources) -> Any:
    client = aws_client("dynamodb", local_resources.endpoint_url)
    client.put_item(
        TableName=local_resources.tables["tenants"],
        Item=to_item(record_to_item(TenantRecord(tenant_id="acme", name="Acme"))),
    )
    return client


def test_changes_are_written_where_the_gate_reads_them(
    dynamodb: Any, local_resources: LocalResources
) -> None:
    table = local_resources.tables["tenants"]
    record_access_change(dynamodb, table, "acme", "u-1", frozenset(), now=CHANGED_AT)
    record_access_change(dynamodb, table, "acme", "u-2", frozenset({Role.MEMBER}), now=CHANGED_AT)
    read = dynamodb_status_reader(dynamodb, table)(caller(0))
    assert read.status == "active"
    assert read.access == {
        "u-1": AccessChange(1_800_000_001, frozenset()),
        "u-2": AccessChange(1_800_000_001, frozenset({Role.MEMBER})),
    }


def test_entries_no_token_can_match_are_pruned(
    dynamodb: Any, local_resources: LocalResources
) -> None:
    table = local_resources.tables["tenants"]
    record_access_change(dynamodb, table, "acme", "old", frozenset(), now=CHANGED_AT)
    two_hours_later = CHANGED_AT + 7200
    record_access_change(dynamodb, table, "acme", "new", frozenset(), now=two_hours_later)
    item = dynamodb.get_item(TableName=table, Key=to_item({"pk": "TENANT#acme", "sk": "PROFILE"}))[
        "Item"
    ]
    assert set(item[ACCESS_ATTRIBUTE]["M"]) == {"new"}


def test_a_change_for_an_unknown_tenant_is_refused(
    dynamodb: Any, local_resources: LocalResources
) -> None:
    with pytest.raises(ClientError):
        record_access_change(
            dynamodb, local_resources.tables["tenants"], "nosuch", "u-1", frozenset()
        )
