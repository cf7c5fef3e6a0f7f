"""`ChatPlugin`: the chat service's routes and its `chat` dependency, wired in one place."""

from __future__ import annotations

import gc

from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol

from engageiq_chat.conversations.routes import (
    delete_conversation,
    list_conversations,
    rename_conversation,
)
from engageiq_chat.feedback.routes import delete_feedback, put_feedback
from engageiq_chat.messages.routes import chat_history
from engageiq_chat.providers.anthropic_provider import AnthropicProvider
from engageiq_chat.services import ChatServices
from engageiq_chat.turns.routes import chat_turn


class ChatPlugin(InitPluginProtocol):
    def __init__(self, services: ChatServices) -> None:
        self.services = services

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        services = self.services

        def provide_chat() -> ChatServices:
            return services

        def freeze_startup_objects() -> None:
            # Everything imported and built so far (SDK, boto3 models, the files search's
            # numpy stack) lives as long as the process; moving it out of the collector's
            # generations keeps full collections short, so they do not stall token relaying.
            gc.freeze()

        async def close_provider() -> None:
            if isinstance(services.provider, AnthropicProvider):
                await services.provider.aclose()

        app_config.route_handlers = [
            *app_config.route_handlers,
            chat_turn,
            chat_history,
            list_conversations,
            rename_conversation,
            delete_conversation,
            put_feedback,
            delete_feedback,
        ]
        app_config.dependencies["chat"] = Provide(provide_chat, sync_to_thread=False)
        app_config.signature_namespace["ChatServices"] = ChatServices
        app_config.on_startup = [*app_config.on_startup, freeze_startup_objects]
        app_config.on_shutdown = [*app_config.on_shutdown, close_provider]
        return app_config
