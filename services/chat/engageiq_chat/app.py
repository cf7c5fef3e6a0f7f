"""The chat service's app factory (`uvicorn engageiq_chat.app:create_app --factory`)."""

from __future__ import annotations

from litestar import Litestar

from engageiq_tenancy.service import TenancyPlugin, create_service_app
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_api import TenantApiPlugin


def create_app(settings: ServiceSettings | None = None) -> Litestar:
    settings = settings or ServiceSettings.from_env()
    return create_service_app(TenancyPlugin("chat", settings), TenantApiPlugin(settings))
