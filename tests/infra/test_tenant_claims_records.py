"""The trigger's reader against what the repository itself writes (decision 0121): the
provider mapping (engageiq_tenancy.sso), the tenant record (.tenants), access changes and
removals of federated users (.user_access, written by UserDirectory.remove). The handler cannot
import these modules, so these tests are what keeps its copies of the keys and names equal."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
import pytest

from engageiq.local.aws import LocalResources, aws_client
from engageiq_infra import tenant_claims as infra
from engageiq_infra.lambdas import tenant_claims as trigger
from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.items import to_item
from engageiq_tenancy.resources import TENANTS, USER_POOL
from engageiq_tenancy.sso import (
    IDENTITIES_CLAIM,
    ProviderMapping,
    is_provider_name,
    provider_mapping_key,
    provider_name,
)
from engageiq_tenancy.tenant_ids import TENANT_ID_PATTERN
from engageiq_tenancy.tenant_users import ServicePool, UserDirectory
from engageiq_tenancy.tenants import TenantRecord, TenantStatus, record_to_item
from engageiq_tenancy.user_access import (
    forget_federated_removals,
    record_access_change,
    record_federated_removal,
)

from .test_tenant_claims_handler import federated

ACME: Final = provider_name("acme")
FEDERATED_NAME: Final = f"{ACME}_00u1abcdEFGH"
OLD_SUB: Final = "7f1c2d3e-0000-4000-8000-00000000000a"
NEW_SUB: Final = "7f1c2d3e-0000-4000-8000-00000000000b"


def test_the_handlers_copies_are_the_libraries_names() -> None:
    assert trigger.TENANT_ID.pattern == TENANT_ID_PATTERN.pattern
    assert USER_POOL.tenant_claim == trigger.TENANT_CLAIM
    assert trigger.IDENTITIES_ATTRIBUTE == IDENTITIES_CLAIM
    assert TenantStatus.ACTIVE.value == trigger.ACTIVE_STATUS
    assert trigger.TABLE_VARIABLE == infra.TABLE_VARIABLE
    assert f"acme{trigger.GROUP_DELIMITER}{trigger.MEMBER_ROLE}" == group_name("acme", Role.MEMBER)
    for tenant in ("acme", "pied-piper", "a" * 32):
        name = provider_name(tenant)
        assert trigger.PROVIDER_NAME.fullmatch(name)
        assert is_provider_name(name)
    for name in ("Google", "sso-XYZ", f"{ACME}x", ACME.upper()):
        assert bool(trigger.PROVIDER_NAME.fullmatch(name)) == is_provider_name(name)


@pytest.fixture
def dynamodb(local_resources: LocalResources) -> Any:
    return aws_client("dynamodb", local_resources.endpoint_url)


@pytest.fixture
def table(local_resources: LocalResources) -> str:
    return local_resources.tables[TENANTS.logical_name]


def put(dynamodb: Any, table: str, item: dict[str, Any]) -> None:
    dynamodb.put_item(TableName=table, Item=to_item(item))


def seed(dynamodb: Any, table: str, *, require_sso: bool = False) -> None:
    """acme, connected to its provider, as `engageiq tenants sso set` leaves it."""
    mapping = msgspec.to_builtins(ProviderMapping(tenant_id="acme"))
    put(dynamodb, table, {**provider_mapping_key(ACME), **mapping})
    put(
        dynamodb,
        table,
        record_to_item(TenantRecord(tenant_id="acme", name="Acme", require_sso=require_sso)),
    )


def records(dynamodb: Any, table: str, cognito: Any = None) -> trigger.AwsTenantRecords:
    return trigger.AwsTenantRecords(table, dynamodb, cognito)


def test_the_reader_finds_the_mapping_the_record_and_access_changes(
    dynamodb: Any, table: str
) -> None:
    seed(dynamodb, table, require_sso=True)
    record_access_change(dynamodb, table, "acme", OLD_SUB, frozenset())
    record_access_change(dynamodb, table, "acme", NEW_SUB, frozenset({Role.MEMBER}))
    reader = records(dynamodb, table)
    assert reader.provider_tenant(ACME) == "acme"
    assert reader.provider_tenant(provider_name("globex")) is None
    assert reader.tenant("globex", OLD_SUB) is None
    removed = reader.tenant("acme", OLD_SUB)
    assert removed == trigger.TenantState("active", require_sso=True, revoked_roles=())
    demoted = reader.tenant("acme", NEW_SUB)
    assert demoted is not None
    assert demoted.revoked_roles == ("member",)
    untouched = reader.tenant("acme", "someone-else")
    assert untouched is not None
    assert untouched.revoked_roles is None
    assert not reader.is_removed("acme", FEDERATED_NAME)


@dataclass
class FederatedPool:
    """A Cognito user pool holding one federated user, for UserDirectory. moto cannot create
    one (it insists on e-mail user names in this pool), so this fake answers the few calls
    that listing and removing make."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add(self, user_name: str, sub: str, email: str, *groups: str) -> None:
        identities = json.dumps([{"providerName": user_name.split("_")[0], "userId": "x"}])
        self.users[user_name] = {
            "Username": user_name,
            "UserStatus": "EXTERNAL_PROVIDER",
            "Enabled": True,
            "Attributes": [
                {"Name": "sub", "Value": sub},
                {"Name": "email", "Value": email},
                {"Name": IDENTITIES_CLAIM, "Value": identities},
            ],
        }
        for group in groups:
            self.groups.setdefault(group, set()).add(user_name)

    def _by(self, name: str) -> dict[str, Any]:
        for user in self.users.values():
            emails = [a["Value"] for a in user["Attributes"] if a["Name"] == "email"]
            if name in (user["Username"], *emails):
                return user
        raise AssertionError(f"no user {name}")

    def admin_get_user(self, UserPoolId: str, Username: str) -> dict[str, Any]:
        user = self._by(Username)
        return {**user, "UserAttributes": user["Attributes"]}

    def admin_list_groups_for_user(self, UserPoolId: str, Username: str) -> dict[str, Any]:
        name = self._by(Username)["Username"]
        return {"Groups": [{"GroupName": g} for g, m in self.groups.items() if name in m]}

    def get_paginator(self, operation: str) -> Any:
        pool = self

        class Pages:
            def paginate(self, UserPoolId: str, GroupName: str = "") -> list[dict[str, Any]]:
                if operation == "list_users":
                    return [{"Users": list(pool.users.values())}]
                members = pool.groups.get(GroupName, set())
                return [{"Users": [pool.users[n] for n in sorted(members)]}]

        return Pages()

    def admin_user_global_sign_out(self, UserPoolId: str, Username: str) -> None:
        self.calls.append(f"sign-out {Username}")

    def admin_delete_user(self, UserPoolId: str, Username: str) -> None:
        self.calls.append(f"delete {Username}")
        del self.users[self._by(Username)["Username"]]
        for members in self.groups.values():
            members.discard(Username)

    def admin_add_user_to_group(self, UserPoolId: str, Username: str, GroupName: str) -> None:
        self.groups.setdefault(GroupName, set()).add(Username)


def test_a_removed_federated_user_stays_out_when_cognito_recreates_them(
    dynamodb: Any, table: str
) -> None:
    seed(dynamodb, table)
    pool = FederatedPool()
    pool.add(FEDERATED_NAME, OLD_SUB, "ana@acme.example", "acme--member")
    reader = records(dynamodb, table, pool)
    # First sign-in: a member, in the group and in the token.
    pool.groups["acme--member"].clear()
    answer = trigger.decide(federated(attributes={"sub": OLD_SUB}), reader)
    assert answer["response"]["claimsAndScopeOverrideDetails"]["groupOverrideDetails"][
        "groupsToOverride"
    ] == ["acme--member"]
    assert pool.groups["acme--member"] == {FEDERATED_NAME}

    directory = UserDirectory(
        ServicePool("eu-west-1_pool", False, pool, dynamodb, {TENANTS.logical_name: table})
    )
    # The admin page lists the federated user as acme's, though their tenant attribute is unset.
    [listed] = [u for u in directory.tenant_members("acme") if u.user_id == FEDERATED_NAME]
    assert listed.roles == ("member",)
    assert [u.user_id for u in directory.tenant_members("globex")] == []

    directory.remove("acme", "ana@acme.example")
    assert f"delete {FEDERATED_NAME}" in pool.calls
    assert reader.is_removed("acme", FEDERATED_NAME)
    # Cognito recreates the user at their next sign-in through the IdP: a new sub, no groups.
    with pytest.raises(trigger.SignInRefused) as refused:
        trigger.decide(federated(attributes={"sub": NEW_SUB}), reader)
    assert refused.value.code == "user_removed"
    assert FEDERATED_NAME not in pool.groups["acme--member"]


def test_a_password_user_of_a_tenant_that_requires_sso_gets_no_token(
    dynamodb: Any, table: str
) -> None:
    seed(dynamodb, table, require_sso=True)
    event = {
        "version": "2",
        "triggerSource": "TokenGeneration_Authentication",
        "userPoolId": "eu-west-1_pool",
        "userName": OLD_SUB,
        "request": {"userAttributes": {"sub": OLD_SUB, "custom:tenant_id": "acme"}},
        "response": {},
    }
    with pytest.raises(trigger.SignInRefused) as refused:
        trigger.decide(event, records(dynamodb, table))
    assert refused.value.code == "sso_required"


def test_the_member_group_is_added_in_the_user_pool(local_resources: LocalResources) -> None:
    cognito = aws_client("cognito-idp", local_resources.endpoint_url)
    pool = local_resources.user_pool_id
    cognito.create_group(UserPoolId=pool, GroupName="acme--member")
    cognito.admin_create_user(
        UserPoolId=pool, Username="ana@acme.example", MessageAction="SUPPRESS"
    )
    reader = trigger.AwsTenantRecords("unused", None, cognito)
    reader.add_to_group(pool, "ana@acme.example", "acme--member")
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="ana@acme.example")
    assert [g["GroupName"] for g in groups["Groups"]] == ["acme--member"]


def test_a_purge_forgets_the_tenants_removals_only(dynamodb: Any, table: str) -> None:
    for tenant, user_name in (("acme", FEDERATED_NAME), ("acme", f"{ACME}_other"), ("globex", "x")):
        record_federated_removal(dynamodb, table, tenant, user_name)
    seed(dynamodb, table)
    assert forget_federated_removals(dynamodb, table, "acme") == 2
    reader = records(dynamodb, table)
    assert not reader.is_removed("acme", FEDERATED_NAME)
    assert reader.is_removed("globex", "x")
    assert reader.provider_tenant(ACME) == "acme"  # the record and mapping are not removals
    assert reader.tenant("acme", OLD_SUB) is not None
