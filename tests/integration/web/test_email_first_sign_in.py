"""Email-first sign-in (issue 25, decision 0123): the sign-in page asks for the email, the
API routes it, and the page goes on to the password step or, for a domain a tenant connected
to its identity provider, to the Hosted UI page the cloud would open (the local platform has
no Hosted UI, so the page shows that URL and says so). A tenant that requires SSO ends a
password session with a sentence on the sign-in page."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from engageiq_tenancy.sso import provider_name
from tests.integration.web.conftest import (
    NEW_PASSWORD,
    TenantUser,
    WebPlatform,
    at_both_sizes,
    axe_violations,
    demo_user,
    fill_sign_in,
    new_tenant,
)
from tests.support.idp_documents import SAML_METADATA

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
]


@dataclass(frozen=True)
class SsoTenant:
    admin: TenantUser
    domain: str
    """The email domain the tenant claimed; it does not contain the tenant's slug."""


def sso_cli(web: WebPlatform, *args: str) -> dict[str, object]:
    """`engageiq tenants sso ...` as an operator runs it, against the local platform."""
    result = subprocess.run(
        [
            sys.executable, "-m", "engageiq.cli", "tenants", "sso", *args,
            "--outputs", str(web.dev.state_dir / "outputs.json"), "--json",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


@pytest.fixture(scope="module")
def sso_tenant(web: WebPlatform, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoTenant]:
    """A tenant connected to a SAML IdP for one domain (SSO not required yet)."""
    admin = new_tenant(web, "sso")
    domain = f"corp{secrets.token_hex(3)}.example"
    metadata = tmp_path_factory.mktemp("saml") / "metadata.xml"
    metadata.write_text(SAML_METADATA)
    connected = sso_cli(
        web, "set", admin.tenant, "--saml-metadata-file", str(metadata), "--domain", domain
    )
    assert connected["providerName"] == provider_name(admin.tenant)
    yield SsoTenant(admin, domain)
    sso_cli(web, "remove", admin.tenant)


def continue_and_route(page: Page) -> object:
    """Click Continue and return the JSON of the `POST /api/sign-in/route` it made (waited
    for: a response listener can run after the page has already moved on)."""
    with page.expect_response(lambda r: r.url.endswith("/api/sign-in/route")) as routed:
        page.get_by_role("button", name="Continue", exact=True).click()
    return routed.value.json()


def test_email_first_routes_a_password_user_to_the_password_step(
    page: Page, web: WebPlatform
) -> None:
    demo = demo_user(web)
    page.goto(web.url + "/chat")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    assert axe_violations(page) == []
    at_both_sizes(page, "sign-in-email")

    page.get_by_label("Email").fill(f"  {demo.email} ")
    assert continue_and_route(page) == {"method": "password"}
    password = page.get_by_label("Password", exact=True)
    expect(password).to_be_focused()
    expect(page.get_by_test_id("announcer")).to_have_text(f"Enter the password for {demo.email}.")
    # The address stays in the form (read-only, for password managers) and can be changed.
    expect(page.get_by_label("Email")).to_have_value(demo.email)
    expect(page.get_by_label("Email")).not_to_be_editable()
    assert axe_violations(page) == []
    at_both_sizes(page, "sign-in-password")

    page.get_by_role("button", name="Use a different email").click()
    expect(page.get_by_label("Email")).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value(demo.email)
    page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_label("Password", exact=True).fill(demo.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()


def test_an_sso_domain_shows_the_page_the_cloud_would_open(
    page: Page, web: WebPlatform, sso_tenant: SsoTenant
) -> None:
    page.goto(web.url + "/")
    page.get_by_label("Email").fill(f"Rep@{sso_tenant.domain.upper()}")
    answer = continue_and_route(page)
    heading = page.get_by_role("heading", name="Sign in with your organisation")
    expect(heading).to_be_focused()
    provider = provider_name(sso_tenant.admin.tenant)
    # The answer names the provider, never the tenant.
    assert answer == {"method": "sso", "provider": provider}
    expect(page.get_by_test_id("sso-provider")).to_have_text(provider)
    expect(page.get_by_text("no Hosted UI")).to_be_visible()
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)

    config = page.evaluate("fetch('/config.json').then((r) => r.json())")
    url = page.get_by_test_id("sso-url")
    expect(url).to_contain_text("https://")
    where = urlsplit(url.inner_text())
    assert where.path == "/oauth2/authorize"
    assert where.netloc.endswith(f".auth.{config['region']}.amazoncognito.com")
    query = parse_qs(where.query)
    assert query["identity_provider"] == [provider]
    assert query["client_id"] == [config["userPoolClientId"]]
    assert query["redirect_uri"] == [web.url + "/auth/callback"]
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # a SHA-256, base64url without padding
    assert query["state"][0]
    assert sso_tenant.admin.tenant not in page.content()
    assert axe_violations(page) == []
    at_both_sizes(page, "sign-in-sso")

    # An organisation that has not required SSO keeps its password users (the admin who
    # connected it, say): they go on to the password step with the address kept.
    page.get_by_role("button", name="Sign in with a password instead").click()
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value(f"Rep@{sso_tenant.domain.upper()}")

    page.get_by_role("button", name="Use a different email").click()
    expect(page.get_by_label("Email")).to_be_focused()
    expect(page.get_by_label("Email")).to_have_value(f"Rep@{sso_tenant.domain.upper()}")


def test_a_tenant_that_requires_sso_ends_a_password_session_with_a_sentence(
    page: Page, web: WebPlatform, sso_tenant: SsoTenant, tmp_path: Path
) -> None:
    admin = sso_tenant.admin
    metadata = tmp_path / "metadata.xml"
    metadata.write_text(SAML_METADATA)
    sso_cli(
        web, "set", admin.tenant, "--saml-metadata-file", str(metadata),
        "--domain", sso_tenant.domain, "--require-sso",
    )  # fmt: skip
    # The admin's own address is outside the claimed domain, so it routes to the password
    # step; locally no trigger refuses the tokens, and the API refuses the session instead.
    page.goto(web.url + "/chat")
    fill_sign_in(page, admin.email, admin.password)
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("requires single sign-on")
    assert page.evaluate("sessionStorage.getItem('eiq.tokens')") is None
    assert axe_violations(page) == []
    at_both_sizes(page, "sign-in-sso-required")


def test_a_refusal_from_the_identity_provider_round_trip_is_our_own_sentence(
    page: Page, web: WebPlatform
) -> None:
    # The Hosted UI sends the trigger's refusal back as error_description, which anyone can
    # also write into a link: the page names the refusal in its own words, never the text.
    lure = "user_removed: Call +1 555 0100 to restore your access"
    page.goto(
        f"{web.url}/auth/callback?"
        + urlencode({"error": "invalid_request", "error_description": lure})
    )
    alert = page.get_by_role("alert")
    expect(alert).to_have_text("Your organisation's administrator removed your access.")
    assert "555" not in page.content()
    assert "error_description" not in page.url
