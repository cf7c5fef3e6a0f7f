"""`record_audit` in a handler of any service built on `TenancyPlugin` (both are): the entry
names the verified caller and lands in the caller's tenant; a service whose log cannot be
written answers 503 `audit_unavailable` (decision 0118)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, Request, post
from litestar.testing import TestClient

from engageiq.local.aws import LOCAL_CREDENTIALS, LocalResources
from engageiq_tenancy.audit import AuditAction, AuditTarget, AuditTrail
from engageiq_tenancy.audit.requests import record_audit
from engageiq_tenancy.service import TenancyPlugin, create_service_app
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.chat import dynamodb, service_settings
from tests.support.tokens import TokenFactory


@post("/api/files/delete-it", status_code=200)
async def delete_it(request: Request[Any, Any, Any]) -> dict[str, int]:
    entry = await record_audit(
        request, AuditAction.FILE_DELETED, AuditTarget("file", "f-1", "deck.pptx"), detail={"v": 3}
    )
    return {"seq": int(entry["seq"])}


def app(
    resources: LocalResources, tokens: TokenFactory, audit: AuditTrail | None = None
) -> Litestar:
    verifier = CognitoTokenVerifier(tokens.auth, JwksCache("x", fetcher=lambda _: tokens.jwks))
    gate = TenantGate(lambda _: GateRecord("active"), cache_seconds=0)
    # Sign-ins off: these tests count the handler's own entries (sign-ins: decision 0119).
    plugin = TenancyPlugin(
        "files",
        service_settings(resources),
        verifier=verifier,
        tenant_gate=gate,
        audit=audit,
        record_sign_ins=False,
    )
    built = create_service_app(plugin)
    built.register(delete_it)
    return built


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> TokenFactory:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    return TokenFactory()


def test_a_handler_records_the_verified_caller_in_their_tenant(
    local_resources: LocalResources, tokens: TokenFactory
) -> None:
    token = tokens.mint(tokens.claims("acme", sub="u-ana", email="ana@acme.example"))
    with TestClient(app(local_resources, tokens)) as client:
        answer = client.post("/api/files/delete-it", headers={"Authorization": f"Bearer {token}"})
    assert answer.json() == {"seq": 1}, answer.text
    trail = AuditTrail(dynamodb(local_resources), local_resources.tables["audit"])
    (entry,) = trail.page("acme").entries
    assert entry["actor"] == {"kind": "user", "userId": "u-ana", "email": "ana@acme.example"}
    assert (entry["action"], entry["detail"]) == ("file.deleted", {"v": 3})
    assert entry["requestId"] == answer.headers["x-request-id"]
    assert trail.page("globex").entries == []


def test_a_log_that_cannot_be_written_is_a_503(
    local_resources: LocalResources, tokens: TokenFactory
) -> None:
    broken = AuditTrail(dynamodb(local_resources), "engageiq-local-gone", attempts=1)
    token = tokens.mint(tokens.claims("acme"))
    with TestClient(app(local_resources, tokens, broken)) as client:
        answer = client.post("/api/files/delete-it", headers={"Authorization": f"Bearer {token}"})
    assert (answer.status_code, answer.json()["code"]) == (503, "audit_unavailable")
    assert answer.headers["retry-after"] == "5"
