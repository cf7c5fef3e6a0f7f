"""PATCH /api/tenant refuses a brand colour the web app could not draw readably with a coded 400
naming its ratio and the minimum (engageiq_tenancy.brand_colour, decision 0117), and keeps the
colour it had; a readable colour is saved."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_tenancy.brand_colour import check_brand_colour, shown
from engageiq_tenancy.context import Role, group_name
from tests.support.chat import ChatHarness

TENANT = "/api/tenant"


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    with TestClient(harness.app()) as test_client:
        yield test_client


def admin(harness: ChatHarness, tenant_id: str = "acme") -> dict[str, str]:
    groups = [group_name(tenant_id, Role.MEMBER), group_name(tenant_id, Role.TENANT_ADMIN)]
    token = harness.tokens.mint(harness.tokens.claims(tenant_id, cognito__groups=groups))
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("colour", ["#ffffff", "#ffcc00", "#aabbcc"])
def test_an_unreadable_brand_colour_is_refused_naming_its_ratio_and_the_minimum(
    harness: ChatHarness, client: TestClient[Litestar], colour: str
) -> None:
    headers = admin(harness)
    assert client.patch(TENANT, json={"primaryColor": "#0b7a75"}, headers=headers).is_success

    refused = client.patch(TENANT, json={"primaryColor": colour}, headers=headers)

    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["code"] == "brand_colour_low_contrast"
    assert (
        f"{colour} reaches only {shown(check_brand_colour(colour).page_ratio)}:1" in body["message"]
    )
    assert "at least 3:1" in body["message"]
    kept = client.get(TENANT, headers=headers).json()["branding"]["primaryColor"]
    assert kept == "#0b7a75"


def test_a_readable_brand_colour_is_saved(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    headers = admin(harness)
    saved = client.patch(TENANT, json={"primaryColor": "#b02a37"}, headers=headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["branding"]["primaryColor"] == "#b02a37"
