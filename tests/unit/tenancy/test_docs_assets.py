"""The API docs pages load Swagger UI from the platform itself, never from a CDN, so they work
without internet and no third party runs script beside a bearer token."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_tenancy.service import (
    SWAGGER_CSS,
    SWAGGER_JS,
    SWAGGER_PRESET_JS,
    TenancyPlugin,
    create_service_app,
)
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.unit.tenancy.helpers import FakeJwksSource
from tests.unit.tenancy.test_middleware import LOCAL_AUTH, SETTINGS

# Every src/href in the page: each must be one of our own assets.
_LINKED = re.compile(r"""(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_CDN_HINTS = ("cdn.", "unpkg", "jsdelivr", "googleapis", "redoc.ly", "stoplight", "//")


@pytest.fixture(params=["chat", "files"])
def docs(
    request: pytest.FixtureRequest, jwks_source: FakeJwksSource
) -> Iterator[tuple[str, TestClient[Litestar]]]:
    service: str = request.param
    verifier = CognitoTokenVerifier(LOCAL_AUTH, JwksCache(LOCAL_AUTH.jwks_url, fetcher=jwks_source))
    plugin = TenancyPlugin(
        service, SETTINGS, verifier=verifier, tenant_gate=TenantGate(lambda _: GateRecord("active"))
    )
    with TestClient(create_service_app(plugin)) as client:
        yield service, client


@pytest.mark.parametrize("page", ["", "/", "/swagger"])
def test_swagger_ui_loads_only_the_platforms_own_assets(
    docs: tuple[str, TestClient[Litestar]], page: str
) -> None:
    service, client = docs
    response = client.get(f"/api/{service}/docs{page}")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert sorted(set(_LINKED.findall(html))) == sorted(
        [SWAGGER_CSS, SWAGGER_JS, SWAGGER_PRESET_JS]
    )
    head = html.split("<body", 1)[0].lower()
    assert not [hint for hint in _CDN_HINTS if hint in head]


@pytest.mark.parametrize("page", ["/redoc", "/elements", "/rapidoc", "/openapi.yaml"])
def test_the_cdn_based_renderers_are_not_mounted(
    docs: tuple[str, TestClient[Litestar]], page: str
) -> None:
    service, client = docs
    assert client.get(f"/api/{service}/docs{page}").status_code == 404


def test_the_openapi_document_stays_available_for_tools(
    docs: tuple[str, TestClient[Litestar]],
) -> None:
    service, client = docs
    response = client.get(f"/api/{service}/docs/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == f"EngageIQ {service} API"


def test_the_assets_are_where_the_web_build_puts_them() -> None:
    # The web app's build copies npm swagger-ui-dist into web output's docs-assets/swagger-ui/.
    assert [SWAGGER_JS, SWAGGER_PRESET_JS, SWAGGER_CSS] == [
        "/docs-assets/swagger-ui/swagger-ui-bundle.js",
        "/docs-assets/swagger-ui/swagger-ui-standalone-preset.js",
        "/docs-assets/swagger-ui/swagger-ui.css",
    ]
