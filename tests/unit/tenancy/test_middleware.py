"""The tenancy plugin over HTTP: a real Litestar app, a real verifier (with the test pool's
JWKS), and Litestar's TestClient. Every refusal has one shape: 401/403/404 with exactly
{code, message, requestId}, and the request id in the `x-request-id` header as well."""

from __future__ import annotations

import asyncio
import json
import re
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar import Litestar, get
from litestar.background_tasks import BackgroundTask
from litestar.config.app import AppConfig
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.plugins import InitPluginProtocol
from litestar.response import Stream
from litestar.testing import TestClient
from litestar.types import ASGIApp, Receive, Scope, Send

from engageiq_tenancy.auth import (
    PUBLIC_OPT_KEY,
    current_caller,
    requires_member,
    requires_tenant_admin,
)
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.resources import BUCKETS, TABLES
from engageiq_tenancy.service import TenancyPlugin, create_service_app
from engageiq_tenancy.settings import AuthSettings, ServiceSettings
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.tokens import AUTH, TokenFactory
from tests.unit.tenancy.helpers import FakeJwksSource, hmac_token, unsigned_token

LOCAL_AUTH = AuthSettings(
    region=AUTH.region,
    user_pool_id=AUTH.user_pool_id,
    client_id=AUTH.client_id,
    local_jwks_url=f"http://127.0.0.1:1/{AUTH.user_pool_id}/.well-known/jwks.json",
)
SETTINGS = ServiceSettings(
    env="local",
    auth=LOCAL_AUTH,
    aws_endpoint_url="http://127.0.0.1:1",
    tables={t.logical_name: t.physical_name("local") for t in TABLES},
    buckets={b.logical_name: b.physical_name("local") for b in BUCKETS},
)
ERROR_KEYS = {"code", "message", "requestId"}
MINTED_ID = re.compile(r"[0-9a-f]{32}")


@get("/api/admin-only", guards=[requires_tenant_admin], sync_to_thread=False)
def admin_only(tenant: NamedDependency[TenantContext]) -> dict[str, str]:
    return {"tenantId": tenant.tenant_id}


@get("/api/members-only", guards=[requires_member], sync_to_thread=False)
def members_only(tenant: NamedDependency[TenantContext]) -> dict[str, str]:
    return {"tenantId": tenant.tenant_id}


@get("/api/explodes", sync_to_thread=False)
def explodes() -> dict[str, str]:
    raise RuntimeError("database password is hunter2")


@get("/api/chat/docsearch", sync_to_thread=False)
def docsearch() -> dict[str, str]:
    """A protected route that needs no tenant data; its path only starts like the docs."""
    return {"index": "internal"}


class ExtraRoutes(InitPluginProtocol):
    """A service's own routes, added the way a service adds them: by another plugin."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers = [
            *app_config.route_handlers,
            admin_only,
            members_only,
            explodes,
            docsearch,
        ]
        return app_config


class TenantStatuses:
    """The tenants table as the tenant gate reads it: every tenant active unless told."""

    def __init__(self) -> None:
        self.statuses: dict[str, str | None] = {}
        self.error: Exception | None = None

    def __call__(self, tenant: TenantContext) -> GateRecord:
        if self.error is not None:
            raise self.error
        return GateRecord(self.statuses.get(tenant.tenant_id, "active"))


@pytest.fixture
def tenant_statuses() -> TenantStatuses:
    return TenantStatuses()


class YieldAfterAuthentication(InitPluginProtocol):
    """A middleware inside authentication that gives the event loop to other requests before
    the handler runs, as any later middleware awaiting I/O would."""

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        def middleware(app: ASGIApp) -> ASGIApp:
            async def call(scope: Scope, receive: Receive, send: Send) -> None:
                await asyncio.sleep(0.001)
                await app(scope, receive, send)

            return call

        app_config.middleware = [*app_config.middleware, middleware]
        return app_config


async def call_directly(app: Litestar, path: str, token: str | None) -> tuple[int, dict[str, Any]]:
    """GET `path` by calling the ASGI app in the calling task; the status and JSON body."""
    headers = [(b"host", b"testserver")]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
        "root_path": "", "query_string": b"", "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000), "state": {}, "headers": headers,
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


def build_app(
    jwks_source: FakeJwksSource, statuses: TenantStatuses, *more: InitPluginProtocol
) -> Litestar:
    verifier = CognitoTokenVerifier(LOCAL_AUTH, JwksCache(LOCAL_AUTH.jwks_url, fetcher=jwks_source))
    gate = TenantGate(statuses, cache_seconds=0)
    plugin = TenancyPlugin(
        "chat", SETTINGS, verifier=verifier, tenant_gate=gate, record_sign_ins=False
    )
    return create_service_app(plugin, ExtraRoutes(), *more)


@pytest.fixture
def client(
    jwks_source: FakeJwksSource, tenant_statuses: TenantStatuses
) -> Iterator[TestClient[Litestar]]:
    app = build_app(jwks_source, tenant_statuses)
    with TestClient(app) as test_client:
        yield test_client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_error_shape(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert (response.status_code, set(body), body["code"]) == (status, ERROR_KEYS, code)
    assert isinstance(body["message"], str)
    assert body["message"]
    assert response.headers["x-request-id"] == body["requestId"]
    return body


def assert_unauthorized(response: httpx.Response, code: str) -> None:
    assert_error_shape(response, 401, code)
    assert re.fullmatch(r"Bearer( .*)?", response.headers["www-authenticate"])


def test_building_a_service_app_emits_no_warnings(
    jwks_source: FakeJwksSource, tenant_statuses: TenantStatuses
) -> None:
    # The project runs its tests with warnings as errors, so a warning at app construction
    # makes every in-process test of every service fail at set-up.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_app(jwks_source, tenant_statuses)

    assert [str(w.message) for w in caught] == []


# --- public routes ------------------------------------------------------------------------


def test_health_answers_without_a_token(client: TestClient[Litestar]) -> None:
    response = client.get("/health")

    assert (response.status_code, response.json()) == (200, {"status": "ok", "service": "chat"})


def test_health_ignores_a_broken_authorization_header(client: TestClient[Litestar]) -> None:
    assert client.get("/health", headers={"Authorization": "Bearer garbage"}).status_code == 200


def test_the_openapi_document_is_public_and_lists_me_behind_bearer_auth(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/api/chat/docs/openapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["paths"]["/api/me"]["get"]["security"] == [{"BearerToken": []}]
    scheme = document["components"]["securitySchemes"]["BearerToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")


def test_only_the_docs_themselves_are_public_not_routes_that_start_like_them(
    client: TestClient[Litestar],
) -> None:
    # PUBLIC_PATHS exempts r"^/api/[a-z]+/docs" with no end anchor: any route whose path
    # merely begins with "/api/<word>/docs" answers without a token.
    assert_unauthorized(client.get("/api/chat/docsearch"), "missing_token")


# --- the verified caller ------------------------------------------------------------------


def test_me_describes_the_caller_from_the_token(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    claims = factory.claims("acme", cognito__groups=["acme--tenant_admin"])

    response = client.get("/api/me", headers=bearer(factory.mint(claims)))

    assert response.status_code == 200
    assert response.json() == {
        "tenantId": "acme",
        "userId": claims["sub"],
        "username": "user-of-acme",
        "roles": ["member", "tenant_admin"],
    }


def test_concurrent_callers_each_see_only_themselves(
    jwks_source: FakeJwksSource, tenant_statuses: TenantStatuses, factory: TokenFactory
) -> None:
    """`/api/me` reads the caller from a context variable (decision 0127), not from its
    request: 60 requests of 12 users in 3 tenants in flight at once, each suspended between
    authentication and its handler while the others run, each answered with its own caller."""
    tenants = ("acme", "globex", "initech")
    callers = [factory.claims(tenants[n % 3]) for n in range(12)]
    tokens = [factory.mint(claims) for claims in callers]

    app = build_app(jwks_source, tenant_statuses, YieldAfterAuthentication())

    async def run() -> list[tuple[int, dict[str, Any]]]:
        # The ASGI app called directly, so that the requests really run at once (a test
        # client's transport serves one request at a time).
        requests = (call_directly(app, "/api/me", tokens[n % 12]) for n in range(60))
        return await asyncio.gather(*requests)

    for n, (status, body) in enumerate(asyncio.run(run())):
        expected = callers[n % 12]
        assert status == 200
        assert (body["tenantId"], body["userId"]) == (expected["custom:tenant_id"], expected["sub"])


@get("/api/public-caller", opt={PUBLIC_OPT_KEY: True}, sync_to_thread=False)
def public_caller() -> dict[str, str]:
    """A public route that (wrongly) asks for the caller: it must be refused, never answered
    with somebody else's."""
    return {"tenantId": current_caller().tenant_id}


class WithRoutes(InitPluginProtocol):
    """Adds a test's own route handlers the way a service adds its routes: by a plugin."""

    def __init__(self, *handlers: Any) -> None:
        self.handlers = handlers

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers = [*app_config.route_handlers, *self.handlers]
        return app_config


def test_the_caller_does_not_outlive_its_request_in_the_task_that_served_it(
    jwks_source: FakeJwksSource, tenant_statuses: TenantStatuses, factory: TokenFactory
) -> None:
    """A server or transport may serve several requests in one task, one after the other
    (httpx's ASGITransport does): the next request, and the task itself, must not find the
    previous request's caller in `current_caller()`."""
    app = build_app(jwks_source, tenant_statuses, WithRoutes(public_caller))
    token = factory.mint(factory.claims("acme"))

    async def run() -> tuple[int, int]:
        # Awaited in this task, not wrapped in a task of its own, as such a transport does.
        signed_in, _ = await call_directly(app, "/api/me", token)
        anonymous, _ = await call_directly(app, "/api/public-caller", None)
        with pytest.raises(NotAuthorizedException):
            current_caller()
        return signed_in, anonymous

    assert asyncio.run(run()) == (200, 401)


@get("/api/caller-stream", sync_to_thread=False)
def caller_stream() -> Stream:
    """A streamed body and a background task, both read after the handler returned."""

    async def body() -> AsyncIterator[str]:
        await asyncio.sleep(0)
        yield current_caller().tenant_id

    async def after() -> None:
        SEEN_AFTER.append(current_caller().tenant_id)

    return Stream(body(), background=BackgroundTask(after))


SEEN_AFTER: list[str] = []


def test_a_streamed_body_and_a_background_task_still_see_their_caller(
    jwks_source: FakeJwksSource, tenant_statuses: TenantStatuses, factory: TokenFactory
) -> None:
    """The caller is reset only once the response is sent: a streamed answer and a task run
    after it are still the request's own."""
    app = build_app(jwks_source, tenant_statuses, WithRoutes(caller_stream))
    SEEN_AFTER.clear()
    with TestClient(app) as client:
        response = client.get(
            "/api/caller-stream", headers=bearer(factory.mint(factory.claims("acme")))
        )

    assert (response.status_code, response.text) == (200, "acme")
    assert SEEN_AFTER == ["acme"]


def test_a_cors_preflight_passes_authentication(client: TestClient[Litestar]) -> None:
    """OPTIONS carries no credentials (the Fetch standard), so it is never refused for the
    lack of a token: Litestar's authentication middleware let it through, and so does ours."""
    response = client.options("/api/members-only")

    assert response.status_code != 401


def test_the_bearer_scheme_is_case_insensitive(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    response = client.get("/api/me", headers={"Authorization": f"bearer {factory.mint()}"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("headers", "params"),
    [
        ({"x-tenant-id": "other"}, {}),
        ({}, {"tenantId": "other"}),
        ({}, {"tenant_id": "other"}),
        ({"x-tenant-id": "other", "x-amz-tenant": "other"}, {"tenantId": "other"}),
    ],
    ids=["header", "query-camel", "query-snake", "all"],
)
def test_a_tenant_id_sent_outside_the_token_is_ignored(
    client: TestClient[Litestar],
    factory: TokenFactory,
    headers: dict[str, str],
    params: dict[str, str],
) -> None:
    response = client.get("/api/me", headers={**bearer(factory.mint()), **headers}, params=params)

    assert (response.status_code, response.json()["tenantId"]) == (200, "acme")


def test_a_token_in_the_query_string_is_not_accepted(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    response = client.get("/api/me", params={"access_token": factory.mint()})

    assert_unauthorized(response, "missing_token")


# --- refusals -----------------------------------------------------------------------------

TokenMaker = Callable[[TokenFactory, rsa.RSAPrivateKey], str]


def _now() -> int:
    return int(time.time())


def _public_pem(factory: TokenFactory) -> bytes:
    return factory.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


REFUSED_TOKENS: dict[str, tuple[TokenMaker, str]] = {
    "malformed": (lambda f, k: "not.a.jwt", "invalid_token"),
    "alg-none": (
        lambda f, k: unsigned_token({"alg": "none", "kid": f.kid}, f.claims()),
        "invalid_token",
    ),
    "hs256-with-public-key": (
        lambda f, k: hmac_token({"alg": "HS256", "kid": f.kid}, f.claims(), _public_pem(f)),
        "invalid_token",
    ),
    "unknown-kid": (lambda f, k: f.mint(key=k, kid="attacker"), "invalid_token"),
    "bad-signature": (lambda f, k: f.mint(key=k), "invalid_token"),
    "expired": (
        lambda f, k: f.mint(f.claims(iat=_now() - 7200, exp=_now() - 60)),
        "token_expired",
    ),
    "no-exp": (lambda f, k: f.mint(f.claims(exp=None)), "invalid_token"),
    "nbf-future": (lambda f, k: f.mint(f.claims(nbf=_now() + 600)), "invalid_token"),
    "other-pool": (
        lambda f, k: f.mint(
            f.claims(iss="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_" + "f" * 32)
        ),
        "invalid_token",
    ),
    "wrong-audience": (lambda f, k: f.mint(f.claims(aud="otherclient")), "invalid_token"),
    "access-token": (
        lambda f, k: f.mint(f.claims(token_use="access", aud=None, client_id=AUTH.client_id)),
        "invalid_token",
    ),
    "no-tenant": (lambda f, k: f.mint(f.claims(custom__tenant_id=None)), "invalid_token"),
    "malformed-tenant": (
        lambda f, k: f.mint(f.claims(custom__tenant_id="a#b")),
        "invalid_token",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED_TOKENS))
def test_a_refused_token_is_a_401_with_the_error_shape(
    client: TestClient[Litestar], factory: TokenFactory, other_key: rsa.RSAPrivateKey, case: str
) -> None:
    make, code = REFUSED_TOKENS[case]

    assert_unauthorized(client.get("/api/me", headers=bearer(make(factory, other_key))), code)


def test_no_authorization_header_is_a_401_missing_token(client: TestClient[Litestar]) -> None:
    assert_unauthorized(client.get("/api/me"), "missing_token")


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic dXNlcjpwYXNzd29yZA==",
        "Token {jwt}",
        "JWT {jwt}",
        "{jwt}",
        "Bearer",
        "Bearer    ",
        "Bearer,{jwt}",
    ],
    ids=[
        "basic",
        "token-scheme",
        "jwt-scheme",
        "no-scheme",
        "bearer-alone",
        "bearer-blank",
        "comma",
    ],
)
def test_a_non_bearer_authorization_header_is_a_401_invalid_token(
    client: TestClient[Litestar], factory: TokenFactory, authorization: str
) -> None:
    headers = {"Authorization": authorization.format(jwt=factory.mint())}

    assert_unauthorized(client.get("/api/me", headers=headers), "invalid_token")


def test_a_jwks_outage_is_reported_with_the_error_shape_not_as_a_crash(
    client: TestClient[Litestar], factory: TokenFactory, jwks_source: FakeJwksSource
) -> None:
    jwks_source.error = OSError("connection refused")

    response = client.get("/api/me", headers=bearer(factory.mint()))

    # Our outage, not the caller's fault: 503 with Retry-After, so clients retry rather than
    # sending the user back to sign in.
    assert_error_shape(response, 503, "auth_unavailable")
    assert response.headers["retry-after"] == "5"


# --- roles --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups",
    [[], ["globex--member", "globex--tenant_admin"], None],
    ids=["no-groups", "groups-of-another-tenant", "no-groups-claim"],
)
def test_a_user_without_a_role_in_their_tenant_is_forbidden(
    client: TestClient[Litestar], factory: TokenFactory, groups: list[str] | None
) -> None:
    claims = factory.claims("acme", cognito__groups=groups)  # None removes the claim

    response = client.get("/api/me", headers=bearer(factory.mint(claims)))

    assert_error_shape(response, 403, "forbidden")


def test_a_member_passes_the_member_guard(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    response = client.get("/api/members-only", headers=bearer(factory.mint()))

    assert (response.status_code, response.json()) == (200, {"tenantId": "acme"})


def test_a_member_is_forbidden_a_tenant_admin_route(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    response = client.get("/api/admin-only", headers=bearer(factory.mint()))

    assert_error_shape(response, 403, "forbidden")


def test_a_tenant_admin_passes_the_tenant_admin_guard(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    token = factory.mint(factory.claims("acme", cognito__groups=["acme--tenant_admin"]))

    response = client.get("/api/admin-only", headers=bearer(token))

    assert (response.status_code, response.json()) == (200, {"tenantId": "acme"})


def test_an_admin_of_another_tenant_is_not_an_admin_here(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    token = factory.mint(
        factory.claims("acme", cognito__groups=["acme--member", "globex--tenant_admin"])
    )

    response = client.get("/api/admin-only", headers=bearer(token))

    assert_error_shape(response, 403, "forbidden")


# --- tenant status ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("suspended", "tenant_suspended"),
        ("deleting", "tenant_unavailable"),
        (None, "tenant_unavailable"),
        ("", "tenant_unavailable"),
        ("ACTIVE", "tenant_unavailable"),
    ],
    ids=["suspended", "deleting", "no-record", "blank", "wrong-case"],
)
@pytest.mark.parametrize("path", ["/api/me", "/api/members-only", "/api/admin-only"])
def test_a_tenant_that_is_not_active_is_refused_on_every_route(
    client: TestClient[Litestar],
    factory: TokenFactory,
    tenant_statuses: TenantStatuses,
    status: str | None,
    code: str,
    path: str,
) -> None:
    tenant_statuses.statuses["acme"] = status
    token = factory.mint(factory.claims("acme", cognito__groups=["acme--tenant_admin"]))

    assert_error_shape(client.get(path, headers=bearer(token)), 403, code)


def test_another_tenants_suspension_does_not_affect_the_caller(
    client: TestClient[Litestar], factory: TokenFactory, tenant_statuses: TenantStatuses
) -> None:
    tenant_statuses.statuses["globex"] = "suspended"

    assert client.get("/api/me", headers=bearer(factory.mint())).status_code == 200


def test_a_storage_outage_while_checking_the_tenant_is_a_503_with_retry_after(
    client: TestClient[Litestar], factory: TokenFactory, tenant_statuses: TenantStatuses
) -> None:
    tenant_statuses.error = ClientError(
        {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}},
        "GetItem",
    )

    response = client.get("/api/me", headers=bearer(factory.mint()))

    assert_error_shape(response, 503, "service_unavailable")
    assert response.headers["retry-after"].isdigit()


# --- request ids and unknown routes -------------------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/api/me"])
def test_a_well_formed_inbound_request_id_is_echoed(
    client: TestClient[Litestar], factory: TokenFactory, path: str
) -> None:
    inbound = "edge-4f2a.91_Zz-0001"

    response = client.get(path, headers={**bearer(factory.mint()), "x-request-id": inbound})

    assert (response.status_code, response.headers["x-request-id"]) == (200, inbound)


def test_a_well_formed_inbound_request_id_is_echoed_in_a_refusal(
    client: TestClient[Litestar],
) -> None:
    inbound = "edge-4f2a.91_Zz-0002"

    response = client.get("/api/me", headers={"x-request-id": inbound})

    assert assert_error_shape(response, 401, "missing_token")["requestId"] == inbound


@pytest.mark.parametrize(
    "inbound",
    [
        "has some spaces",
        "line\nbreak-injected",
        "carriage\rreturn",
        "nul\x00byte0",
        "tab\tseparated",
        "a" * 65,
        "short",
        "",
        "semi;colon-id",
        'quote"d-id0',
    ],
    ids=[
        "spaces",
        "newline",
        "cr",
        "nul",
        "tab",
        "too-long",
        "too-short",
        "empty",
        "semicolon",
        "quote",
    ],
)
def test_a_malformed_inbound_request_id_is_replaced(
    client: TestClient[Litestar], inbound: str
) -> None:
    response = client.get("/api/me", headers={"x-request-id": inbound})

    body = assert_error_shape(response, 401, "missing_token")
    assert body["requestId"] != inbound
    assert MINTED_ID.fullmatch(body["requestId"])


def test_each_request_gets_its_own_request_id(client: TestClient[Litestar]) -> None:
    ids = {client.get("/health").headers["x-request-id"] for _ in range(5)}

    assert len(ids) == 5


def test_an_unknown_route_is_a_404_with_the_error_shape(client: TestClient[Litestar]) -> None:
    assert_error_shape(client.get("/api/does-not-exist"), 404, "not_found")


def test_an_unexpected_error_is_a_500_with_the_error_shape_and_no_internals(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    response = client.get("/api/explodes", headers=bearer(factory.mint()))

    assert_error_shape(response, 500, "internal_error")
    assert "hunter2" not in response.text
    assert "RuntimeError" not in response.text


def test_a_wrong_method_is_a_405_with_the_error_shape(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    response = client.post("/api/me", headers=bearer(factory.mint()))

    assert_error_shape(response, 405, "method_not_allowed")


def test_two_authorization_headers_joined_by_a_client_are_not_a_bearer_token(
    client: TestClient[Litestar], factory: TokenFactory
) -> None:
    # The in-process client joins repeated headers with a comma; a real server keeps them
    # apart and answers 400 duplicate_authorization (tests/integration/test_edge_headers.py).
    valid = f"Bearer {factory.mint(factory.claims('acme'))}"
    response = client.get("/api/me", headers=[("Authorization", valid), ("Authorization", valid)])
    assert_unauthorized(response, "invalid_token")
