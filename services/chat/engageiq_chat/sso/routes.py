"""`GET/PUT/DELETE /api/tenant/sso` (the tenant admin's OIDC connection) and the public
`POST /api/sign-in/route` (email-first sign-in), decision 0120.

The admin routes are a thin layer over `SsoConnections`, the code the operator CLI runs: the
tenant is the admin's own (from the verified token); the client secret goes to Cognito and is
never stored or returned. SAML is the operator's (`engageiq tenants sso set`), since its
metadata is usually a file; an admin sees and may remove such a connection but not replace it
with OIDC (409 `sso_type_change`) without removing it first.

The routing answer never names the tenant: an opaque provider name or "password"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Any, Final, Literal, TypeVar

import msgspec
import structlog
from litestar import Controller, Request, Response, delete, get, post, put
from litestar.config.app import AppConfig
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from engageiq_chat.sso.service import SignInRouting, TenantSso, dynamodb_claim_reader
from engageiq_tenancy.audit import AuditAction, AuditOutcome, AuditTarget
from engageiq_tenancy.audit.requests import record_audit, request_source
from engageiq_tenancy.audit.write_ahead import records_denial
from engageiq_tenancy.auth import PUBLIC_OPT_KEY, requires_tenant_admin
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.sso import (
    MAX_DOMAIN_LENGTH,
    MAX_DOMAINS,
    InvalidDomain,
    SsoConfig,
    email_domain,
    normalise_domain,
    provider_name,
)
from engageiq_tenancy.sso_connections import (
    MAX_CLIENT_ID,
    MAX_CLIENT_SECRET,
    OidcSource,
    SsoRequest,
)
from engageiq_tenancy.sso_documents import MAX_URL_LENGTH

MAX_EMAIL: Final = 320
T = TypeVar("T")
log = structlog.get_logger(__name__)

_ADMIN_ONLY = (
    Errors.FORBIDDEN.documented(note="you are not a tenant admin"),
    Errors.TENANT_SUSPENDED,
)
_UNAVAILABLE = Errors.USER_DIRECTORY_UNAVAILABLE


class SsoView(msgspec.Struct, rename="camel", omit_defaults=True):
    configured: bool
    type: Literal["SAML", "OIDC"] | None = None
    provider_name: str | None = None
    domains: list[str] = msgspec.field(default_factory=list)
    # None only when not configured: a connection always states `requireSso`, false included
    # (omit_defaults would drop a plain `False`, and clients reading the field would break).
    require_sso: bool | None = None
    issuer: str | None = None
    client_id: str | None = None
    metadata_url: str | None = None


class OidcSettings(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    issuer: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_URL_LENGTH)]
    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CLIENT_ID)]
    client_secret: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_CLIENT_SECRET)]


class SsoSettings(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    oidc: OidcSettings
    domains: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=MAX_DOMAIN_LENGTH)]],
        msgspec.Meta(min_length=1, max_length=MAX_DOMAINS),
    ]
    require_sso: bool = False


class SignInLookup(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=MAX_EMAIL)]


class SignInRoute(msgspec.Struct, omit_defaults=True):
    method: Literal["password", "sso"]
    provider: str | None = None
    """With `sso`: the identity provider to name in the Hosted UI's `identity_provider`."""


def _view(config: SsoConfig | None) -> SsoView:
    if config is None:
        return SsoView(configured=False)
    return SsoView(
        configured=True,
        type=config.type.value,
        provider_name=config.provider_name,
        domains=list(config.domains),
        require_sso=config.require_sso,
        issuer=config.issuer,
        client_id=config.client_id,
        metadata_url=config.metadata_url,
    )


async def _audited(
    request: Request[Any, Any, Any],
    action: AuditAction,
    detail: dict[str, str | int | bool | None],
    effect: Callable[[], Awaitable[T]],
) -> T:
    """The audit log's rule for a change (decision 0119): the `succeeded` entry before the
    effect (503 `audit_unavailable` and no change if it cannot be written), a `failed` one
    with the error's code (best effort) if the effect then fails. Never the client secret."""
    tenant_id = request.scope["user"].tenant_id
    target = AuditTarget("sso", provider_name(tenant_id))
    await record_audit(request, action, target, AuditOutcome.SUCCEEDED, detail)
    try:
        return await effect()
    except Exception as exc:
        code = getattr(exc, "code", type(exc).__name__)
        try:
            failed = {**detail, "error": str(code)}
            await record_audit(request, action, target, AuditOutcome.FAILED, failed)
        except Exception as failure:  # the effect's own error is the one to answer with
            log.warning("audit_failure_unrecorded", action=action.value, error=repr(failure))
        raise


_BAD_SETTINGS = (
    Errors.SSO_URL_NOT_ALLOWED,
    Errors.SSO_DOCUMENT_UNREACHABLE,
    Errors.SSO_DISCOVERY_MISSING,
    Errors.SSO_DISCOVERY_INVALID,
    Errors.INVALID_SSO_DOMAIN,
    Errors.INVALID_SSO_CLIENT,
    Errors.INVALID_SSO_SOURCE,
    Errors.INVALID_REQUEST,
)


def _domains_not_yours(
    tenant: TenantContext, domains: list[str], existing: SsoConfig | None
) -> list[str]:
    """The domains a tenant admin may not claim themselves: any but those the tenant holds
    already and their own sign-in email's, when Cognito verified that mailbox (a password
    user: the invitation's temporary password went there). An identity provider can assert
    any email, so a federated admin's does not count. Otherwise any tenant's admin could claim
    another company's domain first and send its people to their own provider; a new domain
    is added by an operator (`engageiq tenants sso set`), who checks ownership. Malformed
    domains are left to `clean_domains` (400 `invalid_sso_domain`)."""
    allowed = set(existing.domains) if existing else set()
    own = None if tenant.federated else email_domain(tenant.username)
    if own is not None:
        allowed.add(own)
    refused = []
    for raw in domains:
        try:
            domain = normalise_domain(raw)
        except InvalidDomain:
            continue
        if domain not in allowed:
            refused.append(domain)
    return refused


class TenantSsoController(Controller):
    path = "/api/tenant/sso"
    tags = ("tenant",)
    security = ({"BearerToken": []},)

    @get(
        "/", guards=[requires_tenant_admin], responses=documented_errors(*_ADMIN_ONLY, _UNAVAILABLE)
    )
    async def get_sso(
        self, tenant: NamedDependency[TenantContext], sso: NamedDependency[TenantSso]
    ) -> SsoView:
        """Your organisation's single sign-on connection (never the client secret)."""
        config = await sso.run(partial(sso.connections.config, tenant.tenant_id))
        return _view(config)

    @put(
        "/",
        # A member's attempt is recorded as denied before the admin guard refuses it.
        guards=[records_denial(AuditAction.SSO_SET, "tenant"), requires_tenant_admin],
        request_max_body_size=16_384,
        responses=documented_errors(
            *_BAD_SETTINGS,
            *_ADMIN_ONLY,
            Errors.SSO_DOMAIN_CLAIMED,
            Errors.SSO_DOMAIN_NOT_YOURS,
            Errors.SSO_TYPE_CHANGE,
            Errors.SSO_CHANGED,
            Errors.SSO_UNPROVEN,
            _UNAVAILABLE,
            Errors.AUDIT_UNAVAILABLE,
        ),
    )
    async def put_sso(
        self,
        request: Request[Any, Any, Any],
        tenant: NamedDependency[TenantContext],
        sso: NamedDependency[TenantSso],
        data: JSONBody[SsoSettings],
    ) -> SsoView:
        """Connect your organisation to its OIDC identity provider, or change the connection:
        the issuer's discovery document is checked first, and a domain another organisation
        claimed is refused; nothing is half-configured after a refusal. With `requireSso`,
        password sign-in is refused for your users (signed-in sessions end within seconds); it
        can only be turned on from a session signed in through the provider (409
        `sso_unproven`), so a provider that does not work cannot lock everyone out."""
        if data.require_sso and not tenant.federated:
            raise ApiError(Errors.SSO_UNPROVEN)
        existing = await sso.run(partial(sso.connections.config, tenant.tenant_id))
        if refused := _domains_not_yours(tenant, data.domains, existing):
            raise ApiError(Errors.SSO_DOMAIN_NOT_YOURS, domain=refused[0])
        oidc = data.oidc
        wanted = SsoRequest(
            OidcSource(oidc.issuer, oidc.client_id, oidc.client_secret),
            tuple(data.domains),
            data.require_sso,
        )
        detail: dict[str, str | int | bool | None] = {
            "type": "OIDC",
            "issuer": oidc.issuer[:256],
            "domains": ",".join(data.domains)[:256],
            "requireSso": data.require_sso,
        }
        connect = partial(sso.connections.connect, tenant.tenant_id, wanted)
        config = await _audited(request, AuditAction.SSO_SET, detail, partial(sso.run, connect))
        return _view(config)

    @delete(
        "/",
        guards=[records_denial(AuditAction.SSO_REMOVED, "tenant"), requires_tenant_admin],
        status_code=204,
        responses=documented_errors(
            *_ADMIN_ONLY, Errors.SSO_NOT_CONFIGURED, _UNAVAILABLE, Errors.AUDIT_UNAVAILABLE
        ),
    )
    async def delete_sso(
        self,
        request: Request[Any, Any, Any],
        tenant: NamedDependency[TenantContext],
        sso: NamedDependency[TenantSso],
    ) -> None:
        """Remove the connection; your users sign in with passwords again."""
        config = await sso.run(partial(sso.connections.config, tenant.tenant_id))
        if config is None:
            # Nothing to remove, so nothing to record (a leftover provider alone is an
            # operator's to clean up with `engageiq tenants sso remove`).
            raise ApiError(Errors.SSO_NOT_CONFIGURED)
        disconnect = partial(sso.connections.disconnect, tenant.tenant_id)
        detail: dict[str, str | int | bool | None] = {"type": config.type.value}
        await _audited(request, AuditAction.SSO_REMOVED, detail, partial(sso.run, disconnect))


@post(
    "/api/sign-in/route",
    opt={PUBLIC_OPT_KEY: True},
    tags=["tenant"],
    status_code=200,
    request_max_body_size=1024,
    summary="How an email address signs in (no sign-in needed)",
    responses=documented_errors(
        Errors.INVALID_REQUEST, Errors.SIGN_IN_ROUTE_RATE_LIMITED, Errors.SERVICE_UNAVAILABLE
    ),
)
async def route_sign_in(
    request: Request[Any, Any, Any],
    sign_in_routing: NamedDependency[SignInRouting],
    data: JSONBody[SignInLookup],
) -> Response[SignInRoute]:
    """`{"method": "sso", "provider": "<name>"}` when the address's domain signs in with its
    organisation's identity provider (open the Hosted UI with `identity_provider=<name>`),
    else `{"method": "password"}`. Never names the organisation."""
    route = await sign_in_routing.route(data.email, request_source(request).source_ip)
    answer = SignInRoute("sso", route.provider) if route.provider else SignInRoute("password")
    return Response(answer, headers={"Cache-Control": "no-store"})


class SsoApi:
    """The SSO routes and their collaborators, registered by `TenantApiPlugin`."""

    def __init__(self, settings: ServiceSettings, dynamodb: Any) -> None:
        self.sso = TenantSso.from_settings(settings, dynamodb)
        self.routing = SignInRouting(dynamodb_claim_reader(dynamodb, settings.table("tenants")))

    def register(self, app_config: AppConfig) -> None:
        sso, routing = self.sso, self.routing

        def provide_sso() -> TenantSso:
            return sso

        def provide_routing() -> SignInRouting:
            return routing

        app_config.route_handlers.extend([TenantSsoController, route_sign_in])
        app_config.dependencies["sso"] = Provide(provide_sso, sync_to_thread=False)
        app_config.dependencies["sign_in_routing"] = Provide(provide_routing, sync_to_thread=False)
