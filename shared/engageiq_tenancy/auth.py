"""Authentication is middleware; authorisation is guards.

The middleware verifies the bearer token and puts the resulting `TenantContext` on the
connection; handlers receive it as the `tenant` dependency and never see the token."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp, Scope

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, TokenRefused
from engageiq_tenancy.requests import CALLER_STATE_KEY
from engageiq_tenancy.tenant_gate import TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, TokenError

if TYPE_CHECKING:  # the audit package imports this module (record_audit reads the caller)
    from engageiq_tenancy.audit.sign_ins import SignInRecorder


def public_paths(service: str) -> list[str]:
    """Paths that answer without a token: liveness, and this service's own OpenAPI documents
    (anchored, so a route that merely starts like them is still authenticated)."""
    return [r"^/health$", rf"^/api/{re.escape(service)}/docs(/|$)"]


class DuplicateAuthorization(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.DUPLICATE_AUTHORIZATION)


def _authorization_header(raw_headers: Iterable[tuple[bytes, bytes]]) -> str:
    """The one Authorization header's value ("" if none). Several are refused (400): proxies
    and frameworks disagree on which one counts, which is how a token gets smuggled past one
    layer's checks. (A proxy that joins them with a comma sends one value that is not a
    bearer token: 401 invalid_token.)"""
    # Reading the raw ASGI headers avoids building Litestar's Headers object on every request.
    found: bytes | None = None
    for name, value in raw_headers:
        if name == b"authorization":
            if found is not None:
                raise DuplicateAuthorization()
            found = value
    return "" if found is None else found.decode("latin-1")


class CognitoAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    def __init__(
        self,
        app: ASGIApp,
        service: str,
        verifier: CognitoTokenVerifier,
        tenant_gate: TenantGate,
        sign_ins: SignInRecorder | None = None,
    ) -> None:
        super().__init__(app, exclude=public_paths(service), exclude_from_auth_key="public")
        self.verifier = verifier
        self.tenant_gate = tenant_gate
        self.sign_ins = sign_ins

    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = _authorization_header(connection.scope["headers"])
        scheme, _, token = header.partition(" ")
        if not header:
            raise TokenRefused(Errors.MISSING_TOKEN)
        if scheme.lower() != "bearer" or not token.strip():
            raise TokenRefused(Errors.NOT_BEARER)
        try:
            tenant = await self.verifier.verify(token.strip())
        except TokenError as exc:
            if exc.error.status == 503:
                # Our outage, not the caller's token: a 503 keeps clients from signing out.
                raise ApiError(exc.error, headers={"Retry-After": "5"}, **exc.detail) from None
            structlog.get_logger(__name__).info("token_refused", reason=exc.message)
            raise TokenRefused(exc.error, **exc.detail) from None
        structlog.contextvars.bind_contextvars(tenant_id=tenant.tenant_id, user_id=tenant.user_id)
        caller = (tenant.tenant_id, tenant.user_id)
        connection.scope.setdefault("state", {})[CALLER_STATE_KEY] = caller
        if not tenant.roles:
            # Every API route needs at least membership of the token's tenant, so it is checked
            # once here rather than by a guard on each route (a Litestar guard copies the route
            # handler per call; see docs/decisions/0004-membership-checked-in-middleware.md).
            raise PermissionDeniedException(detail=Errors.NO_ROLE.sentence())
        # A user removed or demoted since the token was issued is refused or loses roles here.
        tenant = await self.tenant_gate.check(tenant)
        if self.sign_ins is not None:
            # A session's first request is its sign-in in the audit log (decision 0119): a
            # dictionary lookup on every later request; 503 if it cannot be recorded.
            await self.sign_ins.seen(tenant, connection.scope)
        return AuthenticationResult(user=tenant, auth=None)


def tenant_of(connection: ASGIConnection[Any, Any, Any, Any]) -> TenantContext:
    """The verified caller of this connection (set by the authentication middleware)."""
    return provide_tenant(connection.scope)


def provide_tenant(scope: Scope) -> TenantContext:
    """The `tenant` dependency every handler declares to learn who is calling. It reads the
    ASGI scope, not a `Request`: the caller is all it needs."""
    user = scope.get("user")
    if not isinstance(user, TenantContext):
        # Only reachable if a public route asks for a tenant: a programming error.
        raise NotAuthorizedException(Errors.UNAUTHENTICATED.sentence())
    return user


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def requires_role(role: Role) -> Guard:
    """A guard that lets the request through only if the caller holds `role` in their tenant."""

    # async on purpose: Litestar runs a sync guard in a worker thread, which costs more than
    # the check itself on every request.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not tenant_of(connection).has_role(role):
            raise PermissionDeniedException(detail=Errors.ROLE_REQUIRED.sentence(role=role.value))

    guard.__name__ = f"requires_{role.value}"
    return guard


requires_member = requires_role(Role.MEMBER)
requires_tenant_admin = requires_role(Role.TENANT_ADMIN)
