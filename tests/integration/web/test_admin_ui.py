"""The web app's screens over the APIs added for issue 9 on the `web-api` branch (public
branding, feedback, tenant users, usage per day and most-cited documents, the API docs pages'
own Swagger assets)."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.tenants import TenantStatus
from tests.integration.web.conftest import (
    NEW_PASSWORD,
    WebPlatform,
    api_as,
    at_both_sizes,
    axe_violations,
    fill_sign_in,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_web_app import drop_files, last_answer, send, wait_answered
from tests.support.messages_server import Cite, Reply

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
]


def brand_colour(page: Page) -> str:
    value = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand')")
    return str(value).strip()


def test_the_sign_in_page_shows_the_tenant_named_in_the_address(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "pub")
    TenantProvisioner(web.target()).update(
        owner.tenant, display_name="Narwhal Sales", primary_color="#0b7a75"
    )
    page.goto(f"{web.url}/?tenant={owner.tenant}")
    expect(page.locator(".auth-brand")).to_contain_text("Narwhal Sales")
    assert brand_colour(page) == "#0b7a75"
    at_both_sizes(page, "sign-in-branded")

    port = urlsplit(web.url).port
    page.goto(f"http://{owner.tenant}.localhost:{port}/")
    expect(page.locator(".auth-brand")).to_contain_text("Narwhal Sales")
    # Signing in on the tenant's own address works (the API and Cognito stay same-origin).
    fill_sign_in(page, owner.email, owner.password)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_test_id("brand-name")).to_have_text("Narwhal Sales")

    # A suspended tenant's address shows the default, like an unknown one (a fresh tenant:
    # the service keeps public branding for a minute).
    suspended = new_tenant(web, "gone")
    provisioner = TenantProvisioner(web.target())
    provisioner.update(suspended.tenant, display_name="Gone Sales", primary_color="#0b7a75")
    provisioner.set_status(suspended.tenant, TenantStatus.SUSPENDED)
    other = page.context.new_page()
    other.goto(f"{web.url}/?tenant={suspended.tenant}")
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(other.locator(".auth-brand")).to_contain_text("EngageIQ")


def test_admin_invites_changes_role_and_removes_a_user(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "users")
    sign_in(page, web, owner, "/admin")
    users = page.get_by_role("region", name="Users")
    expect(users.get_by_role("cell", name=owner.email, exact=True)).to_be_visible()
    assert axe_violations(page) == []

    email = f"rep@{owner.tenant}.example"
    users.get_by_label("Email").fill(email)
    users.get_by_role("button", name="Invite").click()
    password = page.get_by_test_id("temporary-password")
    expect(password).to_have_text(re.compile(r".{8,}"))
    expect(users.get_by_role("cell", name=email, exact=True)).to_be_visible()

    users.get_by_label(f"Role of {email}").select_option("tenant_admin")
    page.wait_for_timeout(300)
    listed = api_as(page, "GET", "/tenant/users")["body"]["users"]
    assert {u["email"]: u["role"] for u in listed}[email] == "tenant_admin"

    users.get_by_role("button", name=f"Remove {email}").click()
    page.get_by_role("dialog").get_by_role("button", name="Remove").click()
    expect(users.get_by_role("cell", name=email, exact=True)).to_have_count(0)

    # The only admin cannot demote themselves: the refusal is a sentence.
    users.get_by_label(f"Role of {owner.email}").select_option("member")
    expect(users.get_by_role("alert")).to_contain_text("at least one administrator")


def test_usage_chart_and_most_cited_documents(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "usage")
    sign_in(page, web, owner, "/files")
    drop_files(page, [("orca-terms.md", "# Terms\nOrca contracts renew every 12 months.\n")])
    row = page.get_by_test_id("file-row").first
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "ready", timeout=60_000)
    page.get_by_role("link", name="Chat", exact=True).click()
    # Only what an answer cites counts as cited (decision 0109): the model cites the terms.
    web.model.enqueue(
        Reply(tokens=("They ", Cite("renew every 12 months", (), containing="12 months"), "."))
    )
    send(page, "How often do Orca contracts renew?")
    wait_answered(page)

    page.get_by_role("link", name="Admin", exact=True).click()
    usage = page.get_by_role("region", name="Usage this month")
    expect(usage).to_contain_text("tokens used")
    # One slot per day of the month: a single busy day is one narrow bar, not the whole chart.
    today = datetime.now(UTC)
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    expect(usage.locator("svg rect.bar")).to_have_count(days_in_month)
    expect(
        usage.locator(f"svg rect.bar:has(title:text-matches('^{today:%Y-%m-%d}: '))")
    ).not_to_have_attribute("height", "0")
    expect(usage.locator(".top-documents")).to_contain_text("orca-terms.md")
    assert axe_violations(page) == []
    at_both_sizes(page, "admin")


def test_thumbs_feedback_is_stored_per_message(page: Page, web: WebPlatform) -> None:
    web.model.enqueue(Reply(tokens=("A helpful answer.",)))
    owner = new_tenant(web, "thumbs")
    sign_in(page, web, owner)
    send(page, "Help me")
    wait_answered(page)
    up = last_answer(page).get_by_role("button", name="Good answer")
    up.click()
    expect(up).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(last_answer(page).get_by_role("button", name="Good answer")).to_have_attribute(
        "aria-pressed", "true"
    )
    down = last_answer(page).get_by_role("button", name="Bad answer")
    down.click()
    page.get_by_label("What was wrong? (optional)").fill("Too vague")
    page.get_by_role("button", name="Send feedback").click()
    page.reload()
    expect(last_answer(page).get_by_role("button", name="Bad answer")).to_have_attribute(
        "aria-pressed", "true"
    )


@pytest.mark.parametrize("service", ["chat", "files"])
def test_api_docs_pages_render_from_the_platforms_own_assets(
    page: Page, web: WebPlatform, service: str
) -> None:
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith(web.url) else None,
    )
    page.goto(f"{web.url}/api/{service}/docs")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=20_000)
    assert outside == []
