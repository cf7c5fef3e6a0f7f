"""`FilesPlugin`: the files service's routes, its runtime dependency and its lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol

from engageiq_files.catalog.routes import delete_file, get_file, list_files, restore_version
from engageiq_files.catalog.stewardship_routes import (
    update_file,
    verify_file,
    withdraw_verification,
)
from engageiq_files.collections.routes import (
    create_collection,
    delete_collection,
    list_collections,
    update_collection,
)
from engageiq_files.config import FilesSettings
from engageiq_files.reading.routes import file_content, file_passages
from engageiq_files.runtime import FilesRuntime
from engageiq_files.search.routes import search_files
from engageiq_files.uploads.routes import (
    complete_direct_upload,
    create_direct_upload,
    upload_limits,
    upload_router,
)
from engageiq_tenancy.settings import ServiceSettings

STATE_KEY = "files_runtime"


def provide_files(state: State) -> FilesRuntime:
    runtime: FilesRuntime = state[STATE_KEY]
    return runtime


class FilesPlugin(InitPluginProtocol):
    def __init__(
        self,
        service: ServiceSettings,
        settings: FilesSettings,
        runtime: FilesRuntime | None = None,
    ) -> None:
        self.service = service
        self.settings = settings
        self.runtime = runtime

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers += [
            list_files,
            search_files,
            get_file,
            delete_file,
            restore_version,
            file_content,
            file_passages,
            upload_router(self.settings),
            create_direct_upload,
            complete_direct_upload,
            upload_limits,
            update_file,
            verify_file,
            withdraw_verification,
            list_collections,
            create_collection,
            update_collection,
            delete_collection,
        ]
        app_config.dependencies["files"] = Provide(provide_files, sync_to_thread=False)
        app_config.signature_namespace["FilesRuntime"] = FilesRuntime
        app_config.lifespan = [*app_config.lifespan, self._lifespan]
        return app_config

    @asynccontextmanager
    async def _lifespan(self, app: Litestar) -> AsyncIterator[None]:
        # Clients are created at start-up, once, and shared (boto3 clients are thread-safe).
        runtime = self.runtime or FilesRuntime.create(self.service, self.settings)
        app.state[STATE_KEY] = runtime
        async with runtime.running():
            yield
