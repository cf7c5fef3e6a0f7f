"""The files service in process against the session's moto server, with tokens the tests
mint. Limits are small so size tests stay fast."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.platform import service_environment
from engageiq_files.app import create_app
from engageiq_files.config import MIB, FilesSettings
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.tokens import TokenFactory
from tests.unit.files.governance_support import Governance
from tests.unit.files.support import FilesClient

LIMIT = 12 * MIB


@pytest.fixture(scope="session")
def token_factory() -> TokenFactory:
    return TokenFactory()


@pytest.fixture
def files_settings() -> FilesSettings:
    return FilesSettings(
        max_upload_bytes=LIMIT,
        part_size=5 * MIB,
        parse_timeout_seconds=20,
        max_docx_uncompressed_bytes=20 * MIB,
        # Short polls: a test's app stops within a second, and its last poll cannot hold a
        # job of the next test (moto is reset and the queue made again under the same name).
        ingestion_wait_seconds=1,
        ingestion_retry_base_seconds=1,
    )


@pytest.fixture
def service_settings(local_resources: LocalResources) -> ServiceSettings:
    return ServiceSettings.from_env(service_environment(local_resources))


@pytest.fixture
def files_client(
    service_settings: ServiceSettings,
    files_settings: FilesSettings,
    token_factory: TokenFactory,
    monkeypatch: pytest.MonkeyPatch,
    local_resources: LocalResources,
) -> Iterator[FilesClient]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    verifier = CognitoTokenVerifier(
        token_factory.auth, JwksCache("x", fetcher=lambda url: token_factory.jwks)
    )
    app = create_app(
        service_settings,
        files_settings=files_settings,
        verifier=verifier,
        tenant_gate=TenantGate(lambda tenant: GateRecord("active"), cache_seconds=0),
    )
    with TestClient(app) as client:
        yield FilesClient(client, token_factory)


@pytest.fixture
def s3(local_resources: LocalResources) -> Any:
    return aws_client("s3", local_resources.endpoint_url)


@pytest.fixture
def dynamodb(local_resources: LocalResources) -> Any:
    return aws_client("dynamodb", local_resources.endpoint_url)


@pytest.fixture
def governance(
    files_client: FilesClient, local_resources: LocalResources, service_settings: ServiceSettings
) -> Governance:
    return Governance(files_client, local_resources, service_settings.table("files"))
