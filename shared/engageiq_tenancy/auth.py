"""Authentication is middleware; authorisation is guards.

The middleware verifies the bearer token and puts the resulting `TenantContext` on the
connection; handlers receive it as the `tenant` dependency and never see the token."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Final

import structlog
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Receive, Scope, Send

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, TokenRefused
from engageiq_tenancy.requests import CALLER_STATE_KEY
from engageiq_tenancy.tenant_gate import TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, TokenError

if TYPE_CHECKING:  # the audit package imports this module (record_audit reads the caller)
    from engageiq_tenancy.audit.sign_ins import SignInRecorder


PUBLIC_OPT_KEY: Final = "public"
"""A route handler with `opt={PUBLIC_OPT_KEY: True}` answers without a token (`/health`)."""
_AUTHENTICATED_SCOPES: Final = frozenset({"http", "websocket"})


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


class CognitoAuthenticationMiddleware:
    """Puts the verified caller (`TenantContext`) on `scope["user"]` of every HTTP and WebSocket
    request that is not public, or refuses the request.

    The same contract as Litestar's `AbstractAuthenticationMiddleware` (public by path pattern
    or by the route's `opt["public"]`, `OPTIONS` preflights let through, `scope["auth"]` set),
    as a plain ASGI middleware: it reads the scope directly instead of building an
    `ASGIConnection` and matching its patterns per request, which was a tenth of `/api/me`'s
    own cost (decision 0127)."""

    def __init__(
        self,
        app: ASGIApp,
        service: str,
        verifier: CognitoTokenVerifier,
        tenant_gate: TenantGate,
        sign_ins: SignInRecorder | None = None,
    ) -> None:
        self.app = app
        self.public_path = re.compile("|".join(public_paths(service)))
        self.verifier = verifier
        self.tenant_gate = tenant_gate
        self.sign_ins = sign_ins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        caller: TenantContext | None = None
        if self._needs_caller(scope):
            caller = await self.authenticate(scope)
            scope["user"] = caller
            scope["auth"] = None
        elif scope["type"] not in _AUTHENTICATED_SCOPES:
            await self.app(scope, receive, send)  # lifespan: no request, no caller
            return
        # Set for public requests too (to None), and reset afterwards: a server or transport
        # that serves several requests in one task, or an app called from inside another
        # request, must not leave one request's caller for the next (uvicorn gives each
        # request a task of its own, httpx's ASGITransport does not).
        reset = _current_caller.set(caller)
        try:
            await self.app(scope, receive, send)
        finally:
            _current_caller.reset(reset)

    def _needs_caller(self, scope: Scope) -> bool:
        if scope["type"] not in _AUTHENTICATED_SCOPES:
            return False  # lifespan
        route_handler = scope.get("route_handler")
        if route_handler is not None and route_handler.opt.get(PUBLIC_OPT_KEY):
            return False
        if scope.get("method") == "OPTIONS":
            return False  # a CORS preflight carries no credentials, by the Fetch standard
        # A mounted app matches its raw path, as Litestar's own exclusion does.
        mounted = getattr(route_handler, "is_mount", False)
        path = scope["raw_path"].decode("latin-1") if mounted else scope["path"]
        return self.public_path.match(path) is None

    async def authenticate(self, scope: Scope) -> TenantContext:
        """The verified caller of `scope`'s bearer token, after the tenant gate.

        Raises `TokenRefused` (401), `DuplicateAuthorization` (400), `ApiError` 503 when
        the keys or the tenant's status cannot be read, `PermissionDeniedException` (403)."""
        header = _authorization_header(scope["headers"])
        if not header:
            raise TokenRefused(Errors.MISSING_TOKEN)
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if not token or scheme.lower() != "bearer":
            raise TokenRefused(Errors.NOT_BEARER)
        try:
            tenant = await self.verifier.verify(token)
        except TokenError as exc:
            if exc.error.status == 503:
                # Our outage, not the caller's token: a 503 keeps clients from signing out.
                raise ApiError(exc.error, headers={"Retry-After": "5"}, **exc.detail) from None
            structlog.get_logger(__name__).info("token_refused", reason=exc.message)
            raise TokenRefused(exc.error, **exc.detail) from None
        structlog.contextvars.bind_contextvars(tenant_id=tenant.tenant_id, user_id=tenant.user_id)
        caller = (tenant.tenant_id, tenant.user_id)
        scope.setdefault("state", {})[CALLER_STATE_KEY] = caller
        if not tenant.roles:
            # Every API route needs at least membership of the token's tenant, so it is checked
            # once here rather than by a guard on each route (a Litestar guard copies the route
            # handler per call; see docs/decisions/0004-membership-checked-in-middleware.md).
            raise PermissionDeniedException(detail=Errors.NO_ROLE.sentence())
        # A user removed or demoted since the token was issued is refused or loses roles here.
        tenant = await self.tenant_gate.check(tenant)
        if self.sign_ins is not None and not self.sign_ins.recorded(tenant):
            # A session's first request is its sign-in in the audit log (decision 0119); 503
            # if it cannot be recorded. Every later request stops at the dictionary lookup.
            await self.sign_ins.seen(tenant, scope)
        return tenant


_current_caller: ContextVar[TenantContext | None] = ContextVar("engageiq_caller", default=None)


def current_caller() -> TenantContext:
    """The verified caller of the request being handled, for a handler that needs nothing
    else and so takes no parameters (`GET /api/me`): Litestar parses a handler's parameters
    on every call, which cost a fifth of `/api/me`'s own time (decision 0127). Handlers that
    take parameters anyway declare the `tenant` dependency instead.

    Raises NotAuthorizedException (401) outside an authenticated request."""
    caller = _current_caller.get()
    if caller is None:
        # Only reachable from a public route: a programming error.
        raise NotAuthorizedException(Errors.UNAUTHENTICATED.sentence())
    return caller


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
