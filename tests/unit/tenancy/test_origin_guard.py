"""In the cloud a service answers only requests that came through CloudFront (which adds the
origin secret header); its own public URL refuses everything else, except `/health`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_tenancy.resources import BUCKETS, ORIGIN_HEADER, TABLES
from engageiq_tenancy.service import TenancyPlugin, create_service_app
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.tokens import AUTH, TokenFactory
from tests.unit.tenancy.helpers import FakeJwksSource
from tests.unit.tenancy.test_middleware import SETTINGS, assert_error_shape

SECRET = "origin-secret-" + "x" * 40
CLOUD = ServiceSettings(
    env="prod",
    auth=AUTH,
    aws_endpoint_url=None,
    tables={t.logical_name: t.physical_name("prod") for t in TABLES},
    buckets={b.logical_name: b.physical_name("prod") for b in BUCKETS},
    origin_secret=SECRET,
)


def app_for(settings: ServiceSettings, jwks_source: FakeJwksSource) -> Litestar:
    verifier = CognitoTokenVerifier(AUTH, JwksCache(AUTH.jwks_url, fetcher=jwks_source))
    gate = TenantGate(lambda _: GateRecord("active"), cache_seconds=0)
    return create_service_app(
        TenancyPlugin("chat", settings, verifier=verifier, tenant_gate=gate, record_sign_ins=False)
    )


@pytest.fixture
def cloud(jwks_source: FakeJwksSource) -> Iterator[TestClient[Litestar]]:
    with TestClient(app_for(CLOUD, jwks_source)) as client:
        yield client


@pytest.mark.parametrize("sent", [None, "", "wrong", SECRET[:-1], SECRET + "x"])
def test_requests_without_the_origin_secret_are_refused_even_with_a_valid_token(
    cloud: TestClient[Litestar], factory: TokenFactory, sent: str | None
) -> None:
    headers = {"Authorization": f"Bearer {factory.mint(factory.claims('acme'))}"}
    if sent is not None:
        headers[ORIGIN_HEADER] = sent
    response = cloud.get("/api/me", headers=headers)
    assert_error_shape(response, 403, "direct_access_refused")


def test_requests_through_cloudfront_pass(
    cloud: TestClient[Litestar], factory: TokenFactory
) -> None:
    token = factory.mint(factory.claims("acme"))
    through_edge = {"Authorization": f"Bearer {token}", ORIGIN_HEADER: SECRET}
    assert cloud.get("/api/me", headers=through_edge).status_code == 200
    # The docs are also behind CloudFront; the health check is not (App Runner calls it).
    assert cloud.get("/api/chat/docs").status_code == 403
    assert cloud.get("/health").status_code == 200


def test_local_mode_has_no_origin_guard(jwks_source: FakeJwksSource, factory: TokenFactory) -> None:
    local = ServiceSettings(
        env=SETTINGS.env,
        auth=SETTINGS.auth,
        aws_endpoint_url=SETTINGS.aws_endpoint_url,
        tables=SETTINGS.tables,
        buckets=SETTINGS.buckets,
    )
    with TestClient(app_for(local, jwks_source)) as client:
        assert client.get("/api/chat/docs").status_code != 403
