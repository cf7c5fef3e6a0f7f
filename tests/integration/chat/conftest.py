"""Chat fixtures: local AWS credentials for the app's boto3 client, and a harness per test."""

from __future__ import annotations

import pytest

from engageiq.local.aws import LOCAL_CREDENTIALS, LocalResources
from tests.support.chat import ChatHarness, set_tenant
from tests.support.tokens import TokenFactory


@pytest.fixture(scope="session")
def harness_tokens() -> TokenFactory:
    """One signing key for every harness of the session: generating a 2048-bit RSA key takes
    0.1-0.5 s, and each test verifies only the tokens its own harness minted."""
    return TokenFactory()


@pytest.fixture
def harness(
    local_resources: LocalResources,
    monkeypatch: pytest.MonkeyPatch,
    harness_tokens: TokenFactory,
) -> ChatHarness:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    # The tenancy gate refuses tenants without an active record; tests use these two.
    for tenant_id in ("acme", "globex"):
        set_tenant(local_resources, tenant_id)
    return ChatHarness(local_resources, tokens=harness_tokens)
