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


def test_branding_is_public_and_the_same_default_for_any_other_slug(
    dev_platform: DevPlatform,
) -> None:
    def branding(slug: str) -> httpx.Response:
        return httpx.get(
            f"{dev_platform.web_url}/api/branding", params={"tenant": slug}, timeout=10
        )

    demo = branding("demo")
    assert demo.status_code == 200
    assert set(demo.json()) == {"displayName", "primaryColor", "logoUrl"}
    assert demo.json()["displayName"] == "Demo Company"
    unknown, malformed = branding("nobody-here"), branding("NOT--valid")
    assert (
        unknown.json()
        == malformed.json()
        == {
            "displayName": "EngageIQ",
            "primaryColor": "#1f6feb",
            "logoUrl": None,
        }
    )


def test_an_admin_invites_a_user_who_signs_in_and_is_then_removed(
    dev_platform: DevPlatform,
) -> None:
    resources = resources_of(dev_platform.outputs)
    admin = demo_token(dev_platform)
    invited = call(
        dev_platform, "POST", "/api/tenant/users", admin, {"email": "invitee@demo.example"}
    )
    assert invited.status_code == 201, invited.text
    body = invited.json()
    assert body["user"]["role"] == "member"
    # Locally nothing sends e-mail: the admin gets the temporary password to hand over.
    token = sign_in(
        resources.endpoint_url,
        resources.user_pool_client_id,
        "invitee@demo.example",
        body["temporaryPassword"],
        new_password="Invitee-passw0rd-1",
    )
    me = call(dev_platform, "GET", "/api/me", token).json()
    assert (me["tenantId"], me["userId"]) == ("demo", body["user"]["userId"])
    # The new member cannot manage users.
    refused = call(dev_platform, "GET", "/api/tenant/users", token)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    user_id = body["user"]["userId"]
    assert call(dev_platform, "DELETE", f"/api/tenant/users/{user_id}", admin).status_code == 204
    listed = call(dev_platform, "GET", "/api/tenant/users", admin).json()["users"]
    assert "invitee@demo.example" not in [u["email"] for u in listed]


def test_usage_has_days_and_cited_documents(dev_platform: DevPlatform) -> None:
    usage = call(dev_platform, "GET", "/api/tenant/usage", demo_token(dev_platform)).json()
    assert isinstance(usage["daily"], list)
    assert isinstance(usage["topDocuments"], list)
    assert sum(d["tokens"] for d in usage["daily"]) == usage["tokens"]
