"""Helpers for chat tests: an in-process chat app against the test's moto, tokens for any
tenant and user, SSE parsing, and scriptable fake providers."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from litestar import Litestar
from litestar.testing import TestClient

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.platform import service_environment
from engageiq_chat.app import create_app
from engageiq_chat.context.retrieval import Retriever
from engageiq_chat.providers.base import (
    ChatProvider,
    Cited,
    Finished,
    ModelRequest,
    PassageCitation,
    ProviderError,
    ProviderEvent,
    TextDelta,
)
from engageiq_chat.settings import ChatSettings
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenants import TenantRecord, TenantStatus, record_to_item
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.tokens import TokenFactory


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: dict[str, Any]
    id: str | None = None
    """The event's `id:` (the answer's length after it, decision 0114)."""


def parse_sse(text: str) -> tuple[list[SseEvent], int]:
    """The events of a stream, and how many comment (heartbeat) lines it had."""
    events: list[SseEvent] = []
    comments = 0
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data, event_id = "message", "", None
        for line in block.split("\n"):
            if line.startswith(":"):
                comments += 1
            elif line.startswith("id: "):
                event_id = line[len("id: ") :]
            elif line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data += line[len("data: ") :]
        if data:
            events.append(SseEvent(name, json.loads(data), event_id))
    return events, comments


def service_settings(resources: LocalResources) -> ServiceSettings:
    return ServiceSettings.from_env(service_environment(resources))


def set_tenant(
    resources: LocalResources,
    tenant_id: str,
    *,
    budget: int = 2_000_000,
    status: TenantStatus = TenantStatus.ACTIVE,
) -> None:
    """Write (or overwrite) a tenant record, as provisioning does."""
    record = TenantRecord(
        tenant_id=tenant_id, name=tenant_id.title(), monthly_token_budget=budget, status=status
    )
    serializer = TypeSerializer()
    dynamodb(resources).put_item(
        TableName=resources.tables["tenants"],
        Item={k: serializer.serialize(v) for k, v in record_to_item(record).items()},
    )


def dynamodb(resources: LocalResources) -> Any:
    return aws_client("dynamodb", resources.endpoint_url)


@dataclass
class ChatHarness:
    """One chat app (in process) and a token factory whose key its verifier trusts."""

    resources: LocalResources
    chat_settings: ChatSettings = field(default_factory=ChatSettings)
    provider: ChatProvider | None = None
    retriever: Retriever | None = None
    tokens: TokenFactory = field(default_factory=TokenFactory)
    settings_override: ServiceSettings | None = None

    def app(self) -> Litestar:
        factory = self.tokens
        verifier = CognitoTokenVerifier(
            factory.auth, JwksCache("x", fetcher=lambda _: factory.jwks)
        )
        settings = self.settings_override or service_settings(self.resources)
        return create_app(
            settings,
            chat_settings=self.chat_settings,
            verifier=verifier,
            provider=self.provider,
            retriever=self.retriever,
        )

    def headers(self, tenant_id: str = "acme", user_id: str = "user-1") -> dict[str, str]:
        # One sign-in per person, as a browser's tokens share it: the audit log records it on
        # the first request only (decision 0119).
        claims = self.tokens.claims(tenant_id, sub=user_id, origin_jti=f"s-{tenant_id}-{user_id}")
        token = self.tokens.mint(claims)
        return {"Authorization": f"Bearer {token}"}


def chat(
    client: TestClient[Litestar],
    headers: dict[str, str],
    message: str,
    conversation_id: str | None = None,
) -> list[SseEvent]:
    body: dict[str, Any] = {"message": message}
    if conversation_id:
        body["conversationId"] = conversation_id
    response = client.post("/api/chat", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)[0]


def cites(*passages: int, text: str = "") -> Cited:
    """A `Cited` event naming `passages` (indices into the request's), quoting `text`."""
    return Cited(tuple(PassageCitation(i, text or f"passage {i}") for i in passages))


@dataclass
class ScriptedProvider:
    """Deltas (and `Cited` events, given among the tokens), then a Finished or an error;
    optionally waits `pause` seconds before each."""

    tokens: Sequence[str | Cited] = ("One", " two", " three.")
    fail_after: int | None = None
    pause: float = 0.0
    stop_reason: str = "end_turn"
    name: str = "scripted"
    requests: list[ModelRequest] = field(default_factory=list)
    cancelled: bool = False

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        self.requests.append(request)
        try:
            for n, token in enumerate(self.tokens):
                if self.fail_after is not None and n == self.fail_after:
                    raise ProviderError(
                        "model_overloaded",
                        "The model is overloaded.",
                        input_tokens=10,
                        output_tokens=n,
                    )
                if self.pause:
                    await asyncio.sleep(self.pause)
                yield TextDelta(token) if isinstance(token, str) else token
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        yield Finished(self.stop_reason, 10, len(self.tokens))
