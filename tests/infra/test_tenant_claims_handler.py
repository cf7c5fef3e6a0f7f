"""The pre-token-generation trigger's decisions over a table of forged and unusual events
(decision 0121): the tenant in a token comes from EngageIQ's provider mapping, never from what
an identity provider sent; refusals are SignInRefused with a stable code.

The table runs against an in-memory `TenantRecords`; test_tenant_claims_records.py proves the
real reader against items the repository's own modules write into moto."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any, Final

import pytest

from engageiq_infra.lambdas import tenant_claims
from engageiq_infra.lambdas.tenant_claims import (
    REFRESH_TRIGGER,
    SignInRefused,
    TenantState,
    decide,
)
from engageiq_tenancy.sso import provider_name

ACME: Final = provider_name("acme")
GLOBEX: Final = provider_name("globex")
INITECH: Final = provider_name("initech")  # a provider name nobody mapped
SIGN_IN: Final = "TokenGeneration_HostedAuth"
PASSWORD_SIGN_IN: Final = "TokenGeneration_Authentication"
POOL: Final = "eu-west-1_pool"
SUB: Final = "7f1c2d3e-0000-4000-8000-000000000001"
PASSWORD_SUB: Final = "7f1c2d3e-0000-4000-8000-000000000002"
REMOVED_SUB: Final = "7f1c2d3e-0000-4000-8000-000000000003"


@dataclass
class FakeRecords:
    """acme and globex (SSO), umbrella (SSO required), hooli (suspended), pied-piper (being
    deleted), gone (a mapping left without a tenant record)."""

    providers: dict[str, str] = field(
        default_factory=lambda: {
            ACME: "acme",
            GLOBEX: "globex",
            provider_name("hooli"): "hooli",
            provider_name("pied-piper"): "pied-piper",
            provider_name("gone"): "gone",
            provider_name("bad"): "ACME!",
        }
    )
    tenants: dict[str, TenantState] = field(
        default_factory=lambda: {
            "acme": TenantState("active", require_sso=False, revoked_roles=None),
            "globex": TenantState("active", require_sso=False, revoked_roles=None),
            "umbrella": TenantState("active", require_sso=True, revoked_roles=None),
            "hooli": TenantState("suspended", require_sso=False, revoked_roles=None),
            "pied-piper": TenantState("deleting", require_sso=False, revoked_roles=None),
        }
    )
    access: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {REMOVED_SUB: (), PASSWORD_SUB: ("member",)}
    )
    removed: set[tuple[str, str]] = field(
        default_factory=lambda: {("acme", f"{ACME}_removed-person")}
    )
    added: list[tuple[str, str, str]] = field(default_factory=list)

    def provider_tenant(self, provider_name: str) -> str | None:
        return self.providers.get(provider_name)

    def tenant(self, tenant_id: str, user_sub: str) -> TenantState | None:
        state = self.tenants.get(tenant_id)
        if state is None or user_sub not in self.access:
            return state
        return TenantState(state.status, state.require_sso, self.access[user_sub])

    def is_removed(self, tenant_id: str, user_name: str) -> bool:
        return (tenant_id, user_name) in self.removed

    def add_to_group(self, user_pool_id: str, user_name: str, group: str) -> None:
        self.added.append((user_pool_id, user_name, group))


def federated(
    provider: str = ACME,
    subject: str = "00u1abcdEFGH",
    *,
    trigger: str = SIGN_IN,
    groups: tuple[str, ...] = (),
    attributes: dict[str, Any] | None = None,
    identities: Any = None,
) -> dict[str, Any]:
    """A V2_0 event for a user who signed in through `provider`, as Cognito sends it."""
    entries = identities
    if entries is None:
        entries = json.dumps(
            [
                {
                    "userId": subject,
                    "providerName": provider,
                    "providerType": "OIDC",
                    "issuer": None,
                    "primary": "true",
                    "dateCreated": "1733480000000",
                }
            ]
        )
    return {
        "version": "2",
        "triggerSource": trigger,
        "region": "eu-west-1",
        "userPoolId": POOL,
        "userName": f"{provider}_{subject}",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "web"},
        "request": {
            "userAttributes": {
                "sub": SUB,
                "cognito:user_status": "EXTERNAL_PROVIDER",
                "email": "ana@acme.example",
                "email_verified": "false",
                "identities": entries,
                **(attributes or {}),
            },
            "groupConfiguration": {
                "groupsToOverride": list(groups),
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
            "scopes": ["openid", "email", "profile"],
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def password(
    tenant: Any = "acme", *, trigger: str = PASSWORD_SIGN_IN, sub: str = SUB
) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "sub": sub,
        "cognito:user_status": "CONFIRMED",
        "email": "bo@acme.example",
    }
    if tenant is not None:
        attributes["custom:tenant_id"] = tenant
    return {
        "version": "2",
        "triggerSource": trigger,
        "region": "eu-west-1",
        "userPoolId": POOL,
        "userName": sub,
        "request": {
            "userAttributes": attributes,
            "groupConfiguration": {
                "groupsToOverride": ["acme--member"],
                "iamRolesToOverride": [],
                "preferredRole": None,
            },
        },
        "response": {"claimsAndScopeOverrideDetails": None},
    }


def without(event: dict[str, Any], *path: str) -> dict[str, Any]:
    forged = copy.deepcopy(event)
    holder = forged
    for key in path[:-1]:
        holder = holder[key]
    del holder[path[-1]]
    return forged


def replaced(event: dict[str, Any], value: Any, *path: str) -> dict[str, Any]:
    forged = copy.deepcopy(event)
    holder = forged
    for key in path[:-1]:
        holder = holder[key]
    holder[path[-1]] = value
    return forged


@dataclass(frozen=True)
class Issued:
    tenant: str
    groups: tuple[str, ...] | None
    """The token's groups when the trigger overrides them (federated users); None leaves
    Cognito's own (password users)."""
    joined: bool = False
    """Whether the user was added to `<tenant>--member` just now."""


@dataclass(frozen=True)
class Refused:
    code: str


Outcome = Issued | Refused

CASES: Final[list[tuple[str, dict[str, Any], Outcome]]] = [
    # Federated users: the tenant is the provider's.
    ("first-sign-in-joins-as-member", federated(), Issued("acme", ("acme--member",), True)),
    (
        "returning-admin-keeps-roles",
        federated(groups=("acme--member", "acme--tenant_admin")),
        Issued("acme", ("acme--member", "acme--tenant_admin")),
    ),
    (
        "provider-prefix-in-lower-case",
        replaced(federated(), f"{ACME.upper()}_00u1abcdEFGH", "userName"),
        Issued("acme", ("acme--member",), True),
    ),
    ("unknown-provider", federated(INITECH), Refused("sso_provider_unknown")),
    (
        "provider-mapped-to-a-malformed-tenant",
        federated(provider_name("bad")),
        Refused("sso_provider_unknown"),
    ),
    (
        "provider-of-another-tenant-claims-acme",
        federated(GLOBEX, attributes={"custom:tenant_id": "acme"}),
        Issued("globex", ("globex--member",), True),
    ),
    (
        "groups-of-another-tenant-never-reach-the-token",
        federated(GLOBEX, groups=("acme--tenant_admin", "globex--member")),
        Issued("globex", ("globex--member",)),
    ),
    (
        "idp-injects-tenant-attribute",
        federated(attributes={"custom:tenant_id": "globex"}),
        Issued("acme", ("acme--member",), True),
    ),
    (
        "idp-injects-groups-attribute",
        federated(attributes={"cognito:groups": "acme--tenant_admin"}),
        Issued("acme", ("acme--member",), True),
    ),
    (
        "idp-injects-identities-of-another-provider",
        replaced(federated(GLOBEX), f"{ACME}_00u1abcdEFGH", "userName"),
        Refused("invalid_identity"),
    ),
    (
        "identities-with-two-providers",
        federated(
            identities=json.dumps(
                [{"providerName": ACME, "userId": "x"}, {"providerName": GLOBEX, "userId": "x"}]
            )
        ),
        Refused("invalid_identity"),
    ),
    ("identities-not-json", federated(identities="[{not json"), Refused("invalid_identity")),
    (
        "identities-an-object",
        federated(identities='{"providerName": "x"}'),
        Refused("invalid_identity"),
    ),
    ("identities-empty", federated(identities="[]"), Refused("invalid_identity")),
    (
        "identities-without-provider",
        federated(identities='[{"userId": "x"}]'),
        Refused("invalid_identity"),
    ),
    (
        "provider-not-an-engageiq-name",
        federated("Google", identities='[{"providerName": "Google", "userId": "1"}]'),
        Refused("invalid_identity"),
    ),
    (
        "external-user-without-identities",
        without(federated(), "request", "userAttributes", "identities"),
        Refused("invalid_identity"),
    ),
    (
        "federated-user-name-without-identities",
        without(
            without(federated(), "request", "userAttributes", "identities"),
            "request",
            "userAttributes",
            "cognito:user_status",
        ),
        Refused("invalid_identity"),
    ),
    (
        "user-name-without-subject",
        replaced(federated(), f"{ACME}_", "userName"),
        Refused("invalid_identity"),
    ),
    (
        "no-user-attributes",
        without(federated(), "request", "userAttributes"),
        Refused("invalid_identity"),
    ),
    ("no-request", without(federated(), "request"), Refused("invalid_identity")),
    ("no-user-name", without(federated(), "userName"), Refused("invalid_identity")),
    (
        "attributes-not-a-map",
        replaced(federated(), ["x"], "request", "userAttributes"),
        Refused("invalid_identity"),
    ),
    ("v1-event", replaced(federated(), "1", "version"), Refused("invalid_identity")),
    ("v1-password-event", replaced(password(), "1", "version"), Refused("invalid_identity")),
    (
        "no-group-configuration",
        without(federated(), "request", "groupConfiguration"),
        Issued("acme", ("acme--member",), True),
    ),
    # The tenant must be there and active.
    ("suspended-tenant", federated(provider_name("hooli")), Refused("tenant_unavailable")),
    ("tenant-being-deleted", federated(provider_name("pied-piper")), Refused("tenant_unavailable")),
    (
        "mapped-tenant-has-no-record",
        federated(provider_name("gone")),
        Refused("tenant_unavailable"),
    ),
    # Removals stick.
    (
        "removed-user-signing-in-again",
        federated(subject="removed-person"),
        Refused("user_removed"),
    ),
    (
        "user-removed-a-moment-ago",
        federated(attributes={"sub": REMOVED_SUB}),
        Refused("user_removed"),
    ),
    ("removed-password-user", password(sub=REMOVED_SUB), Refused("user_removed")),
    # Refresh: checked again, never joined again.
    (
        "refresh-without-membership-does-not-join",
        federated(trigger=REFRESH_TRIGGER),
        Issued("acme", ()),
    ),
    (
        "refresh-keeps-roles",
        federated(trigger=REFRESH_TRIGGER, groups=("acme--member",)),
        Issued("acme", ("acme--member",)),
    ),
    (
        "refresh-of-a-suspended-tenant",
        federated(provider_name("hooli"), trigger=REFRESH_TRIGGER, groups=("hooli--member",)),
        Refused("tenant_unavailable"),
    ),
    # Password users: their operator-set tenant, unless the tenant requires SSO.
    ("password-user", password(), Issued("acme", None)),
    (
        "password-user-named-with-an-underscore",
        replaced(password(), "jo_doe@acme.example", "userName"),
        Issued("acme", None),
    ),
    ("password-user-demoted-a-moment-ago", password(sub=PASSWORD_SUB), Issued("acme", None)),
    ("password-user-of-require-sso-tenant", password("umbrella"), Refused("sso_required")),
    (
        "refresh-of-password-user-of-require-sso-tenant",
        password("umbrella", trigger=REFRESH_TRIGGER),
        Refused("sso_required"),
    ),
    ("password-user-without-tenant", password(None), Refused("invalid_identity")),
    ("password-user-with-malformed-tenant", password("ACME"), Refused("invalid_identity")),
    ("password-user-with-tenant-list", password(["acme"]), Refused("invalid_identity")),
    (
        "password-user-of-a-suspended-tenant-is-the-gates",
        password("hooli"),
        Issued("hooli", None),
    ),
]


@pytest.mark.parametrize(("event", "outcome"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_trigger_decides_every_event(event: dict[str, Any], outcome: Outcome) -> None:
    records = FakeRecords()
    if isinstance(outcome, Refused):
        with pytest.raises(SignInRefused) as refused:
            decide(copy.deepcopy(event), records)
        assert refused.value.code == outcome.code
        assert str(refused.value).startswith(f"{outcome.code}: ")
        assert records.added == []
        return
    answer = decide(copy.deepcopy(event), records)
    details = answer["response"]["claimsAndScopeOverrideDetails"]
    assert details["idTokenGeneration"]["claimsToAddOrOverride"] == {
        "custom:tenant_id": outcome.tenant
    }
    if outcome.groups is None:
        assert "groupOverrideDetails" not in details
    else:
        assert details["groupOverrideDetails"]["groupsToOverride"] == list(outcome.groups)
    joined = [(POOL, event["userName"], f"{outcome.tenant}--member")]
    assert records.added == (joined if outcome.joined else [])
    # Nothing but the response changes.
    assert without(answer, "response") == without(event, "response")


def test_refusals_name_no_tenant() -> None:
    """The sentence is shown to the person signing in: never which tenant was involved."""
    records = FakeRecords()
    for _, event, outcome in CASES:
        if isinstance(outcome, Refused):
            with pytest.raises(SignInRefused) as refused:
                decide(copy.deepcopy(event), records)
            for tenant in ("acme", "globex", "umbrella", "hooli", "pied-piper", "gone"):
                assert tenant not in refused.value.sentence


def test_every_refusal_code_is_in_the_table() -> None:
    codes = {o.code for _, _, o in CASES if isinstance(o, Refused)}
    assert codes == {
        "invalid_identity",
        "sso_provider_unknown",
        "tenant_unavailable",
        "user_removed",
        "sso_required",
    }


def test_the_handler_logs_each_refusal_and_lets_cognito_see_it(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    records = FakeRecords()
    monkeypatch.setattr(tenant_claims, "_records", records)
    with pytest.raises(SignInRefused):
        tenant_claims.handler(federated(INITECH), None)
    [line] = [json.loads(r.getMessage()) for r in caplog.records]
    assert line == {
        "refused": "sso_provider_unknown",
        "trigger": SIGN_IN,
        "userName": f"{INITECH}_00u1abcdEFGH",
    }
    answer = tenant_claims.handler(federated(), None)
    assert answer["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"] == {
        "claimsToAddOrOverride": {"custom:tenant_id": "acme"}
    }
