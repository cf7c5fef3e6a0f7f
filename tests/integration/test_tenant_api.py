"""The tenant admin API through the edge: branding for everyone, changes for admins only,
usage against the budget."""

from __future__ import annotations

import httpx
import pytest

from engageiq.local.seed import create_user, sign_in
from engageiq_tenancy.context import Role
from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import demo_token, resources_of

pytestmark = pytest.mark.integration


def call(
    platform: DevPlatform, method: str, path: str, token: str, json: object | None = None
) -> httpx.Response:
    return httpx.request(
        method,
        f"{platform.web_url}{path}",
        json=json,
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_admin_reads_and_changes_branding(dev_platform: DevPlatform) -> None:
    token = demo_token(dev_platform)
    before = call(dev_platform, "GET", "/api/tenant", token).json()
    assert before["tenantId"] == "demo"
    assert before["branding"]["displayName"] == "Demo Company"
    changed = call(dev_platform, "PATCH", "/api/tenant", token, {"primaryColor": "#112233"})
    assert changed.status_code == 200, changed.text
    after = call(dev_platform, "GET", "/api/tenant", token).json()
    assert after["branding"] == {**before["branding"], "primaryColor": "#112233"}


def test_branding_input_is_checked(dev_platform: DevPlatform) -> None:
    token = demo_token(dev_platform)
    bad = call(dev_platform, "PATCH", "/api/tenant", token, {"primaryColor": "red"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid_color"
    # A tenant id in a body is never trusted: unknown fields are refused outright.
    smuggled = call(dev_platform, "PATCH", "/api/tenant", token, {"tenantId": "other"})
    assert smuggled.status_code == 400
    assert smuggled.json()["code"] == "invalid_request"


def test_members_read_but_cannot_change_branding(dev_platform: DevPlatform) -> None:
    resources = resources_of(dev_platform.outputs)
    member = create_user(resources, "demo", "member@demo.example", Role.MEMBER)
    token = sign_in(
        resources.endpoint_url, resources.user_pool_client_id, member.username, member.password
    )
    assert call(dev_platform, "GET", "/api/tenant", token).status_code == 200
    refused = call(dev_platform, "PATCH", "/api/tenant", token, {"primaryColor": "#000000"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_usage_reports_against_the_budget(dev_platform: DevPlatform) -> None:
    usage = call(dev_platform, "GET", "/api/tenant/usage", demo_token(dev_platform)).json()
    assert usage["monthlyTokenBudget"] > 0
    assert usage["remainingTokens"] == usage["monthlyTokenBudget"] - usage["tokens"]
    assert usage["tokens"] == usage["inputTokens"] + usage["outputTokens"]
