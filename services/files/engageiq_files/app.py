"""The files service's app factory (`uvicorn engageiq_files.app:create_app --factory`)."""

from __future__ import annotations

from litestar import Litestar

from engageiq_files.config import FilesSettings
from engageiq_files.plugin import FilesPlugin
from engageiq_tenancy.service import TenancyPlugin, create_service_app
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_gate import TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier


def create_app(
    settings: ServiceSettings | None = None,
    *,
    files_settings: FilesSettings | None = None,
    verifier: CognitoTokenVerifier | None = None,
    tenant_gate: TenantGate | None = None,
) -> Litestar:
    settings = settings or ServiceSettings.from_env()
    return create_service_app(
        TenancyPlugin("files", settings, verifier=verifier, tenant_gate=tenant_gate),
        FilesPlugin(settings, files_settings or FilesSettings.from_env()),
    )
