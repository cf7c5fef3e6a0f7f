"""/api/tenant/sso (a tenant admin's OIDC connection), POST /api/sign-in/route (email-first,
no token, never the tenant) and require-SSO in the tenant gate, on the chat app in process
against moto, with the IdP's discovery document served from 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq.local.aws import aws_client
from engageiq_tenancy.sso import provider_name
from tests.support.chat import ChatHarness
from tests.support.idp_documents import IdpServer, idp_server

SSO = "/api/tenant/sso"
ROUTE = "/api/sign-in/route"
SECRET = "the-oidc-client-secret"


@pytest.fixture
def idp() -> Iterator[IdpServer]:
    with idp_server() as server:
        yield server


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    with TestClient(app=harness.app()) as test_client:
        yield test_client


def _headers(
    harness: ChatHarness, tenant_id: str = "acme", *, admin: bool = True, **claims: Any
) -> dict[str, str]:
    groups = [f"{tenant_id}--member", *([f"{tenant_id}--tenant_admin"] if admin else [])]
    # A password admin of their own company's domain (the only new domain they may claim).
    claims.setdefault("email", f"boss@{tenant_id}.example")
    token = harness.tokens.mint(harness.tokens.claims(tenant_id, cognito__groups=groups, **claims))
    return {"Authorization": f"Bearer {token}"}


def _body(issuer: str, *domains: str, require_sso: bool = False) -> dict[str, Any]:
    return {
        "oidc": {"issuer": issuer, "clientId": "engageiq", "clientSecret": SECRET},
        "domains": list(domains),
        "requireSso": require_sso,
    }


def test_admin_connects_reads_and_removes_oidc_never_seeing_the_secret(
    client: TestClient[Litestar], harness: ChatHarness, idp: IdpServer
) -> None:
    admin = _headers(harness)
    assert client.get(SSO, headers=admin).json() == {"configured": False}
    issuer = idp.oidc()
    put = client.put(SSO, json=_body(issuer, "acme.example"), headers=admin)
    assert put.status_code == 200, put.text
    assert SECRET not in put.text
    view = client.get(SSO, headers=admin).json()
    assert view == {
        "configured": True,
        "type": "OIDC",
        "providerName": provider_name("acme"),
        "domains": ["acme.example"],
        "requireSso": False,
        "issuer": issuer,
        "clientId": "engageiq",
    }
    # The secret went to Cognito, and only there.
    cognito = aws_client("cognito-idp", harness.resources.endpoint_url)
    provider = cognito.describe_identity_provider(
        UserPoolId=harness.resources.user_pool_id, ProviderName=provider_name("acme")
    )["IdentityProvider"]
    assert provider["ProviderDetails"]["client_secret"] == SECRET
    assert client.delete(SSO, headers=admin).status_code == 204
    assert client.get(SSO, headers=admin).json() == {"configured": False}
    # Both changes are in the audit log with the admin as actor, never the secret.
    audit = client.get("/api/tenant/audit", headers=admin)
    assert audit.status_code == 200, audit.text
    assert SECRET not in audit.text
    entries = [e for e in audit.json()["entries"] if e["target"]["kind"] == "sso"]
    assert [(e["action"], e["outcome"], e["actor"]["kind"]) for e in entries] == [
        ("sso.removed", "succeeded", "user"),
        ("sso.set", "succeeded", "user"),
    ]
    again = client.delete(SSO, headers=admin)
    assert (again.status_code, again.json()["code"]) == (404, "sso_not_configured")


def test_members_are_refused_and_bad_settings_have_codes(
    client: TestClient[Litestar], harness: ChatHarness, idp: IdpServer
) -> None:
    member = _headers(harness, admin=False)
    assert client.get(SSO, headers=member).status_code == 403
    assert client.put(SSO, json=_body(idp.oidc(), "a.example"), headers=member).status_code == 403
    admin = _headers(harness)
    cases = [
        (_body(idp.base_url + "/none", "acme.example"), 400, "sso_discovery_missing"),
        (_body("http://10.1.2.3/", "acme.example"), 400, "sso_url_not_allowed"),
        (_body(idp.oidc(), "gmail.com"), 400, "invalid_sso_domain"),
        ({**_body(idp.oidc(), "acme.example"), "tenantId": "globex"}, 400, "invalid_request"),
    ]
    for body, status, code in cases:
        answer = client.put(SSO, json=body, headers=admin)
        assert (answer.status_code, answer.json()["code"]) == (status, code), answer.text
    assert client.get(SSO, headers=admin).json() == {"configured": False}


def test_a_domain_of_another_tenant_is_refused_without_naming_it(
    client: TestClient[Litestar], harness: ChatHarness, idp: IdpServer
) -> None:
    issuer = idp.oidc()
    assert (
        client.put(
            SSO, json=_body(issuer, "globex.example"), headers=_headers(harness, "globex")
        ).status_code
        == 200
    )
    # acme's admin has an address at globex.example (a consultant, say): may try, is refused.
    consultant = _headers(harness, email="consultant@globex.example")
    answer = client.put(SSO, json=_body(issuer, "globex.example"), headers=consultant)
    assert (answer.status_code, answer.json()["code"]) == (409, "sso_domain_claimed")
    assert "globex'" not in answer.text
    assert client.get(SSO, headers=_headers(harness)).json() == {"configured": False}


def test_sign_in_route_names_the_provider_never_the_tenant(
    client: TestClient[Litestar], harness: ChatHarness, idp: IdpServer
) -> None:
    put = client.put(SSO, json=_body(idp.oidc(), "acme.example"), headers=_headers(harness))
    assert put.status_code == 200, put.text
    sso = client.post(ROUTE, json={"email": "Rep@ACME.example"})
    assert sso.status_code == 200
    assert sso.json() == {"method": "sso", "provider": provider_name("acme")}
    assert 'acme"' not in sso.text
    for email in ("rep@other.example", "not-an-email", "", "a@gmail.com"):
        assert client.post(ROUTE, json={"email": email}).json() == {"method": "password"}
    assert client.post(ROUTE, json={"email": "a" * 400 + "@acme.example"}).status_code == 400
    assert client.post(ROUTE, json={"email": "a@acme.example", "tenant": "x"}).status_code == 400
    too_big = client.post(ROUTE, content=json.dumps({"email": "x" * 5000}))
    assert too_big.status_code in (400, 413)
    operation = client.get("/api/chat/docs/openapi.json").json()["paths"][ROUTE]["post"]
    assert not operation.get("security")


def test_require_sso_refuses_password_tokens_and_admits_federated_ones(
    client: TestClient[Litestar], harness: ChatHarness, idp: IdpServer
) -> None:
    admin = _headers(harness)
    issuer = idp.oidc()
    # From a password session, requiring SSO would lock the admin out: refused, nothing set.
    unproven = client.put(SSO, json=_body(issuer, "acme.example", require_sso=True), headers=admin)
    assert (unproven.status_code, unproven.json()["code"]) == (409, "sso_unproven")
    assert client.get(SSO, headers=admin).json() == {"configured": False}
    # Connected first from the password session, then required from one through the provider.
    assert client.put(SSO, json=_body(issuer, "acme.example"), headers=admin).status_code == 200
    identities = [{"providerName": provider_name("acme"), "providerType": "OIDC"}]
    federated_admin = _headers(harness, identities=identities)
    put = client.put(
        SSO, json=_body(issuer, "acme.example", require_sso=True), headers=federated_admin
    )
    assert put.status_code == 200, put.text
    # A fresh app: the gate's cached record predates the change.
    with TestClient(app=harness.app()) as fresh:
        refused = fresh.get("/api/conversations", headers=_headers(harness, admin=False))
        assert (refused.status_code, refused.json()["code"]) == (401, "sso_required")
        federated = _headers(harness, admin=False, identities=identities)
        assert fresh.get("/api/conversations", headers=federated).status_code == 200
        # Another tenant is untouched.
        assert (
            fresh.get("/api/conversations", headers=_headers(harness, "globex")).status_code == 200
        )


def test_an_admin_may_claim_only_their_own_email_domain_or_the_tenants_own(
    client: TestClient[Litestar], harness: ChatHarness, idp: IdpServer
) -> None:
    """An unclaimed domain of another company is refused: else any tenant's admin could claim
    bigcorp.example first and send bigcorp's people to a provider of their own."""
    issuer = idp.oidc()
    admin = _headers(harness)
    answer = client.put(SSO, json=_body(issuer, "acme.example", "bigcorp.example"), headers=admin)
    assert (answer.status_code, answer.json()["code"]) == (403, "sso_domain_not_yours")
    assert "bigcorp.example" in answer.json()["message"]
    assert client.get(SSO, headers=admin).json() == {"configured": False}
    # An identity provider asserts any email it likes: a federated admin's address is no proof.
    federated = _headers(harness, email="it@bigcorp.example", identities='[{"providerName":"x"}]')
    answer = client.put(SSO, json=_body(issuer, "bigcorp.example"), headers=federated)
    assert (answer.status_code, answer.json()["code"]) == (403, "sso_domain_not_yours")
    # Their own domain, then (an operator added another) keeping both, is fine.
    assert client.put(SSO, json=_body(issuer, "acme.example"), headers=admin).status_code == 200
    operator_added = _body(issuer, "acme.example", "acme-sales.example")
    refused = client.put(SSO, json=operator_added, headers=admin)
    assert refused.json()["code"] == "sso_domain_not_yours"
