"""`TenancyPlugin`: the wiring every EngageIQ service shares, in one place.

It installs the request-id and authentication middlewares, the error handlers, the `tenant`
dependency, `/health`, `GET /api/me` and the OpenAPI document at `/api/<service>/docs`."""

from __future__ import annotations

from typing import Final

import msgspec
from litestar import Litestar, get
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityRequirement, SecurityScheme
from litestar.plugins import InitPluginProtocol

from engageiq_tenancy import aws
from engageiq_tenancy.api_contract import StrictStructSchemaPlugin, apply_api_contract
from engageiq_tenancy.audit.requests import AUDIT_STATE_KEY
from engageiq_tenancy.audit.sign_ins import trail_sign_ins
from engageiq_tenancy.audit.trail import AuditTrail
from engageiq_tenancy.auth import (
    PUBLIC_OPT_KEY,
    CognitoAuthenticationMiddleware,
    current_caller,
    provide_tenant,
)
from engageiq_tenancy.errors import EXCEPTION_HANDLERS
from engageiq_tenancy.logs import configure_logging
from engageiq_tenancy.origin_guard import OriginGuardMiddleware
from engageiq_tenancy.requests import RequestIdMiddleware
from engageiq_tenancy.resources import AUDIT
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients
from engageiq_tenancy.tenant_gate import TenantGate, dynamodb_status_reader
from engageiq_tenancy.tokens import CognitoTokenVerifier

BEARER: SecurityRequirement = {"BearerToken": []}

# Swagger UI's files, served by the platform itself (the web app's build copies them from npm
# `swagger-ui-dist`; the local edge and the web bucket serve them): the docs pages work without
# internet, and no third-party CDN runs script on a page that holds a bearer token.
DOCS_ASSETS: Final = "/docs-assets/swagger-ui"
SWAGGER_JS: Final = f"{DOCS_ASSETS}/swagger-ui-bundle.js"
SWAGGER_PRESET_JS: Final = f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js"
SWAGGER_CSS: Final = f"{DOCS_ASSETS}/swagger-ui.css"


def docs_render_plugins() -> list[SwaggerRenderPlugin]:
    """Swagger UI at `/` and `/swagger` of the docs path, from our own assets (Litestar adds
    `openapi.json` for tools). Litestar's other UIs (ReDoc, Elements, RapiDoc) load from CDNs,
    so they are deliberately not mounted."""
    return [
        SwaggerRenderPlugin(
            path=["/", "/swagger"],
            js_url=SWAGGER_JS,
            css_url=SWAGGER_CSS,
            standalone_preset_js_url=SWAGGER_PRESET_JS,
            # Litestar's default favicon is a CDN URL too.
            favicon="",
        ),
    ]


class Health(msgspec.Struct):
    status: str
    service: str


class Me(msgspec.Struct, rename="camel"):
    tenant_id: str
    user_id: str
    username: str
    roles: list[str]


@get("/api/me", security=[BEARER], tags=["identity"], sync_to_thread=False)
def me() -> Me:
    """The caller as the verified token describes them."""
    tenant = current_caller()
    return Me(
        tenant_id=tenant.tenant_id,
        user_id=tenant.user_id,
        username=tenant.username,
        # Roles are StrEnum members: sorted by, and encoded as, their values.
        roles=sorted(tenant.roles),
    )


class TenancyPlugin(InitPluginProtocol):
    def __init__(
        self,
        service: str,
        settings: ServiceSettings,
        verifier: CognitoTokenVerifier | None = None,
        tenant_gate: TenantGate | None = None,
        audit: AuditTrail | None = None,
        *,
        record_sign_ins: bool = True,
    ) -> None:
        """`record_sign_ins=False`: no `session.signed_in` entries (decision 0119), for tests
        of the tenancy wiring whose settings point at no DynamoDB."""
        self.service = service
        self.settings = settings
        self.verifier = verifier or CognitoTokenVerifier(settings.auth)
        self.tenant_gate = tenant_gate or TenantGate(
            dynamodb_status_reader(aws.client("dynamodb", settings), settings.table("tenants")),
            cache_seconds=settings.tenant_status_cache_seconds,
        )
        # Settings built by hand (tests) may name no audit table; from_env always does.
        self.audit = audit or (
            service_audit_trail(service, settings)
            if AUDIT.logical_name in settings.tables
            else None
        )
        self.sign_ins = (
            trail_sign_ins(self.audit, service, behind_cloudfront=not settings.is_local)
            if self.audit is not None and record_sign_ins
            else None
        )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        configure_logging(self.service, self.settings.log_level)
        # Litestar's default logging config would replace our JSON root handler with its
        # plain-text one (and uvicorn's lines with it).
        app_config.logging_config = None
        self._configure_middleware(app_config)
        self._configure_routes(app_config)
        self._configure_openapi(app_config)
        app_config.exception_handlers = {**EXCEPTION_HANDLERS, **app_config.exception_handlers}
        app_config.dependencies["tenant"] = Provide(provide_tenant, sync_to_thread=False)
        app_config.state["settings"] = self.settings
        # `engageiq_tenancy.audit.requests.record_audit` finds it here, in every handler.
        app_config.state[AUDIT_STATE_KEY] = self.audit
        return app_config

    def _configure_middleware(self, app_config: AppConfig) -> None:
        # Cloud only: requests that did not come through CloudFront are refused first.
        origin_guard = (
            [DefineMiddleware(OriginGuardMiddleware, secret=self.settings.origin_secret)]
            if self.settings.origin_secret is not None and not self.settings.is_local
            else []
        )
        app_config.middleware = [
            RequestIdMiddleware,
            *origin_guard,
            DefineMiddleware(
                CognitoAuthenticationMiddleware,
                service=self.service,
                verifier=self.verifier,
                tenant_gate=self.tenant_gate,
                sign_ins=self.sign_ins,
            ),
            *app_config.middleware,
        ]

    def _configure_routes(self, app_config: AppConfig) -> None:
        service = self.service

        @get(
            "/health",
            opt={PUBLIC_OPT_KEY: True},
            tags=["operations"],
            sync_to_thread=False,
            include_in_schema=False,
        )
        def health() -> Health:
            return Health(status="ok", service=service)

        app_config.route_handlers = [health, me, *app_config.route_handlers]

    def _configure_openapi(self, app_config: AppConfig) -> None:
        app_config.openapi_config = OpenAPIConfig(
            title=f"EngageIQ {self.service} API",
            version="0.1.0",
            path=f"/api/{self.service}/docs",
            render_plugins=docs_render_plugins(),
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="A Cognito ID token of the web app's user pool client.",
                    )
                }
            ),
        )


def service_audit_trail(service: str, settings: ServiceSettings) -> AuditTrail:
    """The service's audit trail (decision 0118): entries are tenant data, written with the
    tenant's credentials like every other (the tenant role in the cloud, so IAM's LeadingKeys
    refuses another tenant's partition)."""
    clients = TenantClients.from_settings(settings, f"{service}-audit", names=("dynamodb",))
    return AuditTrail(
        clients.service_client("dynamodb"),
        settings.table(AUDIT.logical_name),
        tenant_clients=clients,
        retention_days=settings.audit_retention_days,
    )


def create_service_app(plugin: TenancyPlugin, *more: InitPluginProtocol) -> Litestar:
    app = Litestar(plugins=[plugin, *more, StrictStructSchemaPlugin()])
    # Every route's shared refusals (401, 403, 503 ...) in its OpenAPI document (decision 0086).
    apply_api_contract(app)
    return app
