"""The SSO names and keys (engageiq_tenancy.sso) and require-SSO in the tenant gate."""

from __future__ import annotations

import anyio
import pytest

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.errors import ApiError, TokenRefused
from engageiq_tenancy.sso import (
    InvalidDomain,
    domain_claim_key,
    email_domain,
    has_federated_identity,
    is_provider_name,
    normalise_domain,
    provider_mapping_key,
    provider_name,
    sso_config_key,
)
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tenant_ids import InvalidTenantId


def test_provider_names_are_deterministic_opaque_and_fit_cognito() -> None:
    names = {provider_name(t) for t in ("acme", "globex", "a" * 32, "ab-c")}
    assert len(names) == 4
    for tenant_id in ("acme", "a" * 32):
        name = provider_name(tenant_id)
        assert name == provider_name(tenant_id)
        assert len(name) <= 32
        assert tenant_id not in name
        assert is_provider_name(name)
    with pytest.raises(InvalidTenantId):
        provider_name("Not A Slug")


def test_keys() -> None:
    assert sso_config_key("acme") == {"pk": "TENANT#acme", "sk": "SSO"}
    name = provider_name("acme")
    assert provider_mapping_key(name) == {"pk": f"SSO_PROVIDER#{name}", "sk": "MAPPING"}
    assert domain_claim_key("ACME.com.") == {"pk": "SSO_DOMAIN#acme.com", "sk": "CLAIM"}
    # A forged provider name cannot address another item.
    for forged in ("COGNITO", "sso-x#MAPPING", "Google"):
        with pytest.raises(ValueError, match="provider name"):
            provider_mapping_key(forged)


@pytest.mark.parametrize(
    "raw",
    ["", "acme", "-acme.com", "acme-.com", "ac me.com", "acme..com", "1.2.3.4", "gmail.com",
     "a#b.com", "x" * 64 + ".com", ("a." * 127) + "com"],
)  # fmt: skip
def test_domains_that_cannot_be_claimed(raw: str) -> None:
    with pytest.raises(InvalidDomain):
        normalise_domain(raw)


def test_email_domains() -> None:
    assert email_domain(" Rep@Sales.ACME.com ") == "sales.acme.com"
    assert email_domain("no-at-sign") is None
    assert email_domain("a@gmail.com") is None
    assert email_domain("a@b@acme.com") == "acme.com"


@pytest.mark.parametrize(
    ("claims", "federated"),
    [
        ({}, False),
        ({"identities": []}, False),
        ({"identities": "[]"}, False),
        ({"identities": [{"providerName": "sso-1"}]}, True),
        ({"identities": '[{"providerName": "sso-1"}]'}, True),
        ({"identities": {"providerName": "x"}}, False),
    ],
)
def test_federated_identity_claim(claims: dict[str, object], federated: bool) -> None:
    assert has_federated_identity(claims) is federated


PASSWORD_USER = TenantContext("acme", "u-1", "rep@acme.example", frozenset({Role.MEMBER}))
FEDERATED_USER = TenantContext(
    "acme", "u-2", "rep@acme.example", frozenset({Role.MEMBER}), federated=True
)


def _check(gate: TenantGate, tenant: TenantContext) -> Exception | None:
    async def run() -> Exception | None:
        try:
            await gate.check(tenant)
        except (ApiError, TokenRefused) as exc:
            return exc
        return None

    return anyio.run(run)


def test_require_sso_refuses_password_tokens_only() -> None:
    gate = TenantGate(lambda _: GateRecord("active", require_sso=True))
    refused = _check(gate, PASSWORD_USER)
    assert isinstance(refused, TokenRefused)
    assert (refused.status_code, refused.code) == (401, "sso_required")
    assert _check(gate, FEDERATED_USER) is None
    assert _check(TenantGate(lambda _: GateRecord("active")), PASSWORD_USER) is None
    # A suspended tenant is refused as suspended, whoever signs in.
    suspended = _check(
        TenantGate(lambda _: GateRecord("suspended", require_sso=True)), FEDERATED_USER
    )
    assert isinstance(suspended, ApiError)
    assert suspended.code == "tenant_suspended"
