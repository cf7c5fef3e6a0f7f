"""The chat service's app factory (`uvicorn engageiq_chat.app:create_app --factory`)."""

from __future__ import annotations

from litestar import Litestar

from engageiq_chat.context.retrieval import Retriever
from engageiq_chat.plugin import ChatPlugin, TenantApiPlugin
from engageiq_chat.providers.base import ChatProvider
from engageiq_chat.services import ChatServices
from engageiq_chat.settings import ChatSettings
from engageiq_tenancy.service import TenancyPlugin, create_service_app
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tokens import CognitoTokenVerifier


def create_app(
    settings: ServiceSettings | None = None,
    *,
    chat_settings: ChatSettings | None = None,
    verifier: CognitoTokenVerifier | None = None,
    provider: ChatProvider | None = None,
    retriever: Retriever | None = None,
) -> Litestar:
    """Keyword arguments exist for tests and benchmarks; the server passes none of them."""
    settings = settings or ServiceSettings.from_env()
    services = ChatServices.build(
        settings, chat_settings or ChatSettings.from_env(), provider=provider, retriever=retriever
    )
    return create_service_app(
        TenancyPlugin("chat", settings, verifier=verifier),
        TenantApiPlugin(settings),
        ChatPlugin(services),
    )
