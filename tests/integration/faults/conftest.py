"""The faults suite: the services in process (and as processes, for kills) with the fault
proxy between them and moto, and the invariant checker after every fault."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from engageiq.local.aws import LOCAL_CREDENTIALS, LocalResources
from engageiq.local.platform import service_environment
from engageiq_chat.settings import ChatSettings
from engageiq_files.app import create_app
from engageiq_files.config import MIB, FilesSettings
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.chat import ChatHarness, set_tenant
from tests.support.fault_proxy import FaultProxy
from tests.support.messages_server import MessagesServer
from tests.support.tokens import TokenFactory
from tests.unit.files.support import FilesClient


@pytest.fixture
def proxy(local_resources: LocalResources) -> Iterator[FaultProxy]:
    running = FaultProxy(local_resources.endpoint_url, seed=15).start()
    yield running
    running.stop()


@pytest.fixture
def proxied(local_resources: LocalResources, proxy: FaultProxy) -> LocalResources:
    """The same resources, reached through the proxy: what the services are given."""
    return dataclasses.replace(local_resources, endpoint_url=proxy.url)


@pytest.fixture(scope="session")
def fault_tokens() -> TokenFactory:
    """One signing key for the session: generating a 2048-bit RSA key takes 0.1-0.5 s, and
    each test verifies only the tokens its own app was given."""
    return TokenFactory()


@pytest.fixture
def files_client(
    proxied: LocalResources, monkeypatch: pytest.MonkeyPatch, fault_tokens: TokenFactory
) -> Iterator[FilesClient]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    tokens = fault_tokens
    verifier = CognitoTokenVerifier(tokens.auth, JwksCache("x", fetcher=lambda _: tokens.jwks))
    app = create_app(
        ServiceSettings.from_env(service_environment(proxied)),
        files_settings=FilesSettings(
            max_upload_bytes=12 * MIB, part_size=5 * MIB, parse_timeout_seconds=20
        ),
        verifier=verifier,
        tenant_gate=TenantGate(lambda tenant: GateRecord("active"), cache_seconds=0),
    )
    with TestClient(app) as client:
        yield FilesClient(client, tokens)


@pytest.fixture
def messages_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagesServer]:
    server = MessagesServer().start()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def chat_harness(
    local_resources: LocalResources,
    proxied: LocalResources,
    messages_api: MessagesServer,
    monkeypatch: pytest.MonkeyPatch,
    fault_tokens: TokenFactory,
) -> ChatHarness:
    """The chat app in process, its AWS calls through the proxy, its model the local
    Messages API through the real SDK."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    set_tenant(local_resources, "acme")
    harness = ChatHarness(proxied, tokens=fault_tokens)
    harness.chat_settings = ChatSettings(anthropic_api_key="test-key")
    return harness
