"""The chat service's routes and their dependencies, wired in one place: `ChatPlugin` (chat,
history, conversations, feedback, plays) and `TenantApiPlugin` (the tenant's record, usage,
users and public branding)."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol

from engageiq_chat.audit_log.routes import export_audit_entries, list_audit_entries
from engageiq_chat.branding.directory import BrandingDirectory, dynamodb_branding_reader
from engageiq_chat.branding.routes import public_branding
from engageiq_chat.content.routes import (
    content_health,
    list_content_issues,
    resolve_content_issue,
)
from engageiq_chat.conversations.export_routes import export_conversation
from engageiq_chat.conversations.routes import (
    delete_conversation,
    list_conversations,
    rename_conversation,
)
from engageiq_chat.feedback.routes import delete_feedback, put_feedback
from engageiq_chat.messages.routes import chat_history
from engageiq_chat.plays.routes import (
    change_play,
    count_play_use,
    create_play,
    delete_play,
    list_plays,
)
from engageiq_chat.services import ChatServices
from engageiq_chat.sharing.routes import (
    copy_shared_conversation,
    list_shares,
    read_shared,
    revoke_share,
    share_conversation,
    unshare_conversation,
)
from engageiq_chat.sso.routes import SsoApi
from engageiq_chat.tenant.directory import TenantDirectory
from engageiq_chat.tenant.routes import TenantController
from engageiq_chat.turns.resume_routes import resume_answer, stop_answer
from engageiq_chat.turns.routes import chat_turn, continue_turn
from engageiq_chat.users.routes import TenantUserController
from engageiq_chat.users.service import ServicePool, TenantUsers
from engageiq_tenancy import aws
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_users import UserDirectory

# App Runner waits 30 s after SIGTERM before it kills: answers get a part of it to end.
SHUTDOWN_GRACE_SECONDS = 10.0


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
            # Only the Anthropic provider holds connections; its class is not imported here,
            # so that a service without a key never loads the SDK (`default_provider`).
            aclose = getattr(services.provider, "aclose", None)
            if aclose is not None:
                await aclose()

        async def settle_answers() -> None:
            # Answers outlive their connections (decision 0114): at shutdown they get a
            # moment to end, and the rest are stopped and saved to be continued.
            await services.live.settle(SHUTDOWN_GRACE_SECONDS)

        @asynccontextmanager
        async def background_tasks(_: Litestar) -> AsyncIterator[None]:
            # The retention sweep lives as long as the app (decision 0122).
            async with anyio.create_task_group() as tasks:
                if services.retention is not None:
                    await tasks.start(services.retention.serve)
                try:
                    yield
                finally:
                    tasks.cancel_scope.cancel()

        async def settle_content_signals() -> None:
            # The last turns' signals are written after their streams; let them land, and the
            # merges that drop deleted conversations from search indexes.
            await services.content.signals.settled()
            await services.conversation_search.settled()

        app_config.route_handlers = [
            *app_config.route_handlers,
            chat_turn,
            continue_turn,
            resume_answer,
            stop_answer,
            chat_history,
            list_conversations,
            rename_conversation,
            delete_conversation,
            put_feedback,
            delete_feedback,
            list_content_issues,
            resolve_content_issue,
            content_health,
            export_conversation,
            share_conversation,
            unshare_conversation,
            list_shares,
            revoke_share,
            read_shared,
            copy_shared_conversation,
            list_plays,
            create_play,
            change_play,
            delete_play,
            count_play_use,
        ]
        app_config.dependencies["chat"] = Provide(provide_chat, sync_to_thread=False)
        app_config.signature_namespace["ChatServices"] = ChatServices
        app_config.on_startup = [*app_config.on_startup, freeze_startup_objects]
        app_config.lifespan = [*app_config.lifespan, background_tasks]
        app_config.on_shutdown = [
            *app_config.on_shutdown,
            settle_answers,
            settle_content_signals,
            close_provider,
        ]
        return app_config


class TenantApiPlugin(InitPluginProtocol):
    """Mounted by the chat service, which the edge routes `/api/tenant*` and `/api/branding`
    to."""

    def __init__(self, settings: ServiceSettings) -> None:
        dynamodb = aws.client("dynamodb", settings)
        self.users = TenantUsers(
            UserDirectory(
                ServicePool(
                    settings.auth.user_pool_id,
                    is_local=settings.is_local,
                    cognito=aws.client("cognito-idp", settings),
                    dynamodb=dynamodb,
                    tables=settings.tables,
                )
            )
        )
        self.directory = TenantDirectory(
            dynamodb, settings.table("tenants"), settings.table("usage")
        )
        self.branding = BrandingDirectory(
            dynamodb_branding_reader(dynamodb, settings.table("tenants"))
        )
        self.sso = SsoApi(settings, dynamodb)

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        directory = self.directory
        branding = self.branding
        users = self.users

        def provide() -> TenantDirectory:
            return directory

        def provide_branding() -> BrandingDirectory:
            return branding

        def provide_users() -> TenantUsers:
            return users

        app_config.route_handlers.extend([TenantController, TenantUserController, public_branding])
        app_config.route_handlers.extend([list_audit_entries, export_audit_entries])
        app_config.dependencies["users"] = Provide(provide_users, sync_to_thread=False)
        app_config.dependencies["tenants"] = Provide(provide, sync_to_thread=False)
        app_config.dependencies["branding"] = Provide(provide_branding, sync_to_thread=False)
        self.sso.register(app_config)
        return app_config
