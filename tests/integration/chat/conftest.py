"""Chat fixtures: local AWS credentials for the app's boto3 client, and a harness per test."""

from __future__ import annotations

import pytest

from engageiq.local.aws import LOCAL_CREDENTIALS, LocalResources
from tests.support.chat import ChatHarness, set_tenant


@pytest.fixture
def harness(local_resources: LocalResources, monkeypatch: pytest.MonkeyPatch) -> ChatHarness:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    # The tenancy gate refuses tenants without an active record; tests use these two.
    for tenant_id in ("acme", "globex"):
        set_tenant(local_resources, tenant_id)
    return ChatHarness(local_resources)
