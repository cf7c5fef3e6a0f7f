"""GET /api/branding: a tenant's name, colour and logo without sign-in, and for every other
slug exactly the default EngageIQ branding."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import httpx
import pytest
from botocore.exceptions import EndpointConnectionError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from engageiq.local.aws import LocalResources
from engageiq_chat.branding.directory import (
    DEFAULT_BRANDING,
    BrandingDirectory,
    PublicBranding,
    RateLimited,
)
from engageiq_tenancy.items import to_item
from engageiq_tenancy.tenants import Branding, TenantRecord, TenantStatus, record_to_item
from tests.support.chat import ChatHarness, dynamodb
from tests.unit.tenancy.helpers import FakeClock, run

DEFAULT_BODY = {"displayName": "EngageIQ", "primaryColor": "#1f6feb", "logoUrl": None}
ACME_BRANDING = Branding(
    display_name="Acme Sales", primary_color="#aa3300", logo_url="https://acme.example/logo.png"
)
# Headers that legitimately differ per response; everything else must be byte-identical.
PER_RESPONSE_HEADERS = {"x-request-id", "date"}


def put_tenant(resources: LocalResources, slug: str, status: TenantStatus) -> None:
    record = TenantRecord(
        tenant_id=slug,
        name=f"{slug.title()} Corp (internal)",
        status=status,
        monthly_token_budget=123,
        branding=ACME_BRANDING,
    )
    dynamodb(resources).put_item(
        TableName=resources.tables["tenants"], Item=to_item(record_to_item(record))
    )


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    put_tenant(harness.resources, "acme", TenantStatus.ACTIVE)
    put_tenant(harness.resources, "frozen", TenantStatus.SUSPENDED)
    put_tenant(harness.resources, "leaving", TenantStatus.DELETING)
    with TestClient(harness.app()) as test_client:
        yield test_client


def shape(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k not in PER_RESPONSE_HEADERS}
    return response.status_code, headers, response.content


def test_an_active_tenant_shows_its_branding_without_sign_in(
    client: TestClient[Litestar],
) -> None:
    response = client.get("/api/branding", params={"tenant": "acme"})

    assert response.status_code == 200
    # Exactly three keys: no status, plan, budget, id or internal name.
    assert response.json() == {
        "displayName": "Acme Sales",
        "primaryColor": "#aa3300",
        "logoUrl": "https://acme.example/logo.png",
    }
    assert response.headers["cache-control"] == "public, max-age=60"


# One app for all of them: setting up moto and the app dominates these tests' time.
OTHER_SLUGS = [
    "nobody",  # unknown
    "frozen",  # suspended
    "leaving",  # being offboarded
    "ACME",  # malformed: upper case
    "a--b",  # malformed: the group separator
    "acme#PROFILE",  # malformed: the key delimiter
    "../acme",
    "x" * 500,
    "",
    "%00",
]


def test_every_other_slug_answers_exactly_the_default(client: TestClient[Litestar]) -> None:
    reference = shape(client.get("/api/branding", params={"tenant": "nobody-else"}))
    for slug in OTHER_SLUGS:
        response = client.get("/api/branding", params={"tenant": slug})
        assert response.json() == DEFAULT_BODY, slug
        assert shape(response) == reference, slug
    # No parameter at all is the same default.
    assert shape(client.get("/api/branding")) == reference


def test_a_token_is_neither_needed_nor_consulted(client: TestClient[Litestar]) -> None:
    garbage = client.get(
        "/api/branding", params={"tenant": "acme"}, headers={"Authorization": "Bearer junk"}
    )
    assert garbage.status_code == 200
    assert garbage.json()["displayName"] == "Acme Sales"


def test_the_openapi_document_lists_it_without_security(client: TestClient[Litestar]) -> None:
    operation = client.get("/api/chat/docs/openapi.json").json()["paths"]["/api/branding"]["get"]
    assert "security" not in operation
    assert "429" in operation["responses"]


# --- the directory: cache, bound, failures ------------------------------------------------


class FakeRecords:
    def __init__(self, items: dict[str, dict[str, Any]]) -> None:
        self.items = items
        self.reads: list[str] = []
        self.error: Exception | None = None

    def __call__(self, slug: str) -> dict[str, Any] | None:
        self.reads.append(slug)
        if self.error is not None:
            raise self.error
        return self.items.get(slug)


def acme_item(**branding: str) -> dict[str, Any]:
    return {
        "tenantId": "acme",
        "name": "Acme",
        "status": "active",
        "branding": {"displayName": "Acme", **branding},
    }


def test_answers_are_cached_briefly_then_reread() -> None:
    records = FakeRecords({"acme": acme_item(primaryColor="#000000")})
    clock = FakeClock()
    directory = BrandingDirectory(records, cache_seconds=60, clock=clock)

    first = run(lambda: directory.branding("acme"))
    records.items["acme"] = acme_item(primaryColor="#ffffff")
    cached = run(lambda: directory.branding("acme"))
    clock.advance(61)
    fresh = run(lambda: directory.branding("acme"))

    assert (first.primary_color, cached.primary_color, fresh.primary_color) == (
        "#000000",
        "#000000",
        "#ffffff",
    )
    assert records.reads == ["acme", "acme"]


def test_unknown_slugs_are_cached_and_malformed_ones_never_read() -> None:
    records = FakeRecords({})
    directory = BrandingDirectory(records, clock=FakeClock())
    for _ in range(3):
        run(lambda: directory.branding("nobody"))
        run(lambda: directory.branding("NOT A SLUG"))
    assert records.reads == ["nobody"]


def test_reads_past_the_bound_are_refused_alike_for_every_slug() -> None:
    records = FakeRecords({"acme": acme_item()})
    clock = FakeClock()
    directory = BrandingDirectory(records, reads_per_second=1, burst=2, clock=clock)
    run(lambda: directory.branding("first"))
    run(lambda: directory.branding("second"))
    for slug in ("acme", "third"):
        with pytest.raises(RateLimited):
            run(partial(directory.branding, slug))
    clock.advance(1)
    assert run(lambda: directory.branding("acme")).display_name == "Acme"
    # Cached answers cost no read, so they are never refused.
    assert run(lambda: directory.branding("first")) == DEFAULT_BRANDING


def test_the_cache_is_bounded() -> None:
    records = FakeRecords({})
    directory = BrandingDirectory(records, max_entries=3, burst=100, clock=FakeClock())
    for n in range(10):
        run(partial(directory.branding, f"tenant-{n}"))
    run(lambda: directory.branding("tenant-0"))
    assert records.reads.count("tenant-0") == 2


def test_a_storage_failure_answers_the_default_and_is_not_cached() -> None:
    records = FakeRecords({"acme": acme_item()})
    records.error = EndpointConnectionError(endpoint_url="http://127.0.0.1:1")
    directory = BrandingDirectory(records, clock=FakeClock())
    assert run(lambda: directory.branding("acme")) == DEFAULT_BRANDING
    records.error = None
    assert run(lambda: directory.branding("acme")).display_name == "Acme"


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(slug=st.text(max_size=80), status=st.sampled_from(["suspended", "deleting", "", "odd"]))
def test_nothing_but_an_active_record_changes_the_answer(slug: str, status: str) -> None:
    item = {**acme_item(primaryColor="#123456"), "tenantId": slug or "x", "status": status}
    directory = BrandingDirectory(FakeRecords({slug: item}), burst=1000, clock=FakeClock())
    answer: PublicBranding = run(lambda: directory.branding(slug))
    assert answer == DEFAULT_BRANDING
