"""The enterprise pages of /admin in the browser (issue 25): an admin shortens retention (and
confirms the sentence that says what goes), reads the audit log with the entries of what the
test did (the retention changes, the export of the log itself, operator actions), filters it
by action and actor, loads more, sees a refused filter's sentence beside its field, exports it
as JSON Lines; connects an OIDC provider (its discovery document served on 127.0.0.1) after a
refused issuer, never seeing the secret again, removes it, and sees an operator's SAML
connection. Each screen at both sizes with axe clean."""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from engageiq_tenancy.audit import (
    AuditAction,
    AuditActor,
    AuditOutcome,
    AuditTarget,
    AuditTrail,
)
from tests.integration.web.conftest import (
    WebPlatform,
    api_as,
    at_both_sizes,
    axe_violations,
    new_tenant,
    sign_in,
)
from tests.support.idp_documents import SAML_METADATA, idp_server

pytestmark = [pytest.mark.integration, pytest.mark.browser]

OPERATOR = "arn:aws:sts::123456789012:assumed-role/PlatformOps/ana"
PAGE_SIZE = 50
"""Entries the audit page shows before "Load more" (AuditLogPage's request)."""


def region(page: Page, name: str) -> Locator:
    return page.get_by_role("region", name=name, exact=True)


def entries(page: Page) -> Locator:
    return page.get_by_test_id("audit-entry")


def operator_downloads(web: WebPlatform, tenant: str, count: int) -> None:
    """`count` operator entries written as the CLI writes them (the AWS caller's ARN), the
    last one denied: enough for a second page."""
    target = web.target()
    trail = AuditTrail(target.client("dynamodb"), target.tables["audit"])
    for n in range(count):
        trail.record(
            tenant,
            AuditActor.operator(OPERATOR),
            AuditAction.FILE_DOWNLOADED,
            AuditTarget("file", f"file-{n}", f"Deck {n}.pdf"),
            AuditOutcome.DENIED if n == count - 1 else AuditOutcome.SUCCEEDED,
        )


def sso_cli(web: WebPlatform, *args: str) -> None:
    """`engageiq tenants sso ...` as an operator runs it, against the local platform."""
    result = subprocess.run(
        [
            sys.executable, "-m", "engageiq.cli", "tenants", "sso", *args,
            "--outputs", str(web.dev.state_dir / "outputs.json"), "--json",
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_admin_shortens_retention_and_reads_the_audit_log(page: Page, web: WebPlatform) -> None:
    admin = new_tenant(web, "audit")
    sign_in(page, web, admin, "/admin")
    invitee = f"rep-{secrets.token_hex(3)}@{admin.tenant}.example"
    users = region(page, "Users")
    users.get_by_label("Email").fill(invitee)
    users.get_by_role("button", name="Invite").click()
    expect(users.get_by_text(f"Invited {invitee}")).to_be_visible()

    # Retention: shortening asks first, with the sentence that says what goes.
    retention = region(page, "Retention")
    conversations = retention.get_by_label("Keep conversations")
    expect(conversations).to_have_value("forever")
    expect(retention.get_by_label("Deleted files recoverable for")).to_have_value("90")
    conversations.select_option(label="30 days")
    retention.get_by_role("button", name="Save retention").click()
    dialog = page.get_by_role("dialog", name="Delete older data?")
    expect(dialog).to_contain_text(
        "Conversations older than 30 days will be deleted for everyone in your organisation."
    )
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="Cancel").click()
    assert api_as(page, "GET", "/tenant")["body"]["retention"]["conversationsDays"] is None
    retention.get_by_role("button", name="Save retention").click()
    dialog.get_by_role("button", name="Shorten and delete").click()
    expect(retention.get_by_role("status")).to_contain_text("conversations are kept for 30 days")
    assert api_as(page, "GET", "/tenant")["body"]["retention"] == {
        "conversationsDays": 30,
        "deletedFilesDays": 90,
    }
    retention.get_by_label("Deleted files recoverable for").select_option(label="30 days")
    retention.get_by_role("button", name="Save retention").click()
    expect(dialog).to_contain_text(
        "Files deleted more than 30 days ago can no longer be recovered."
    )
    dialog.get_by_role("button", name="Shorten and delete").click()
    expect(retention.get_by_role("status")).to_contain_text("recovered for 30 days")
    # Keeping longer deletes nothing: no question.
    conversations.select_option(label="For ever")
    retention.get_by_role("button", name="Save retention").click()
    expect(retention.get_by_role("status")).to_contain_text("conversations are kept for ever")
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.reload()
    expect(region(page, "Retention").get_by_label("Deleted files recoverable for")).to_have_value(
        "30"
    )
    assert axe_violations(page) == []
    region(page, "Retention").scroll_into_view_if_needed()
    at_both_sizes(page, "admin-retention")

    # The audit log: what this test did, newest first.
    operator_downloads(web, admin.tenant, PAGE_SIZE)
    page.get_by_role("navigation", name="Administration pages").get_by_role(
        "link", name="Audit log"
    ).click()
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    expect(entries(page)).to_have_count(PAGE_SIZE)
    newest = entries(page).first
    expect(newest).to_contain_text("Operator")
    expect(newest).to_contain_text("File downloaded")
    expect(newest.get_by_text("Denied", exact=True)).to_be_visible()
    expect(newest.locator("time")).to_have_attribute("title", re.compile(r" UTC$"))
    expect(entries(page).nth(1).get_by_text("Succeeded", exact=True)).to_be_visible()
    page.get_by_role("button", name="Load more").click()
    expect(entries(page).filter(has_text="Retention changed")).to_have_count(3)
    expect(page.get_by_role("button", name="Load more")).to_have_count(0)
    retention_entry = entries(page).filter(has_text="Retention changed").last
    expect(retention_entry).to_contain_text(admin.email)
    expect(retention_entry).to_contain_text("conversationsDays: 30")
    expect(entries(page).filter(has_text="User invited")).to_contain_text(invitee)
    expect(entries(page).filter(has_text="Signed in")).to_contain_text(admin.email)
    assert axe_violations(page) == []
    at_both_sizes(page, "audit-log")

    # Export: JSON Lines, oldest first, and the export is itself an entry.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export (JSON Lines)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line) for line in lines]
    seqs = [e["seq"] for e in exported]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # oldest first, none missing
    assert len(seqs) >= PAGE_SIZE + 3
    assert {e["action"] for e in exported} >= {"tenant.retention_changed", "file.downloaded"}
    expect(entries(page).first).to_contain_text("Audit log exported")
    expect(entries(page).first).to_contain_text(admin.email)

    # Filters: by action, then by actor; the operator's entries by their ARN.
    page.get_by_label("Action").select_option(label="Retention changed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("audit-action")).to_have_text(["Retention changed"] * 3)
    page.get_by_role("button", name="Clear").click()
    page.get_by_label("Actor").fill(OPERATOR)
    page.get_by_role("button", name="Filter").click()
    expect(entries(page)).to_have_count(PAGE_SIZE)
    expect(page.get_by_test_id("audit-action")).to_have_text(["File downloaded"] * PAGE_SIZE)
    page.get_by_label("Actor").fill(f"nobody-{secrets.token_hex(3)}@example.com")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No entry matches these filters.")).to_be_visible()

    # A filter the service refuses: its sentence beside the field, in the field's words.
    page.get_by_role("button", name="Clear").click()
    since = page.get_by_label("From", exact=True)
    since.fill("2026-12-06")
    page.get_by_label("To", exact=True).fill("2026-12-01")
    page.get_by_role("button", name="Filter").click()
    expect(since).to_have_attribute("aria-invalid", "true")
    expect(since).to_have_accessible_description("“From” is after “To”.")
    assert axe_violations(page) == []


def test_an_admin_connects_oidc_and_sees_an_operators_saml_connection(
    page: Page, web: WebPlatform, tmp_path: Path
) -> None:
    admin = new_tenant(web, "ssoadm")
    sign_in(page, web, admin, "/admin")
    panel = region(page, "Single sign-on")
    status = panel.get_by_test_id("sso-status")
    expect(status).to_contain_text("Not connected")
    expect(panel.get_by_text(f"engageiq tenants sso set {admin.tenant}")).to_be_visible()
    secret = panel.get_by_label("Client secret")
    expect(secret).to_have_attribute("type", "password")
    # The admin's own email domain: the only new one a tenant admin may claim (decision 0120).
    domain = admin.email.rpartition("@")[2]
    client_secret = f"secret-{secrets.token_hex(8)}"

    # OIDC, from an issuer served on 127.0.0.1 (the local platform fetches loopback http).
    with idp_server() as idp:
        panel.get_by_label("Issuer URL").fill(idp.base_url + "/nothing-here")
        panel.get_by_label("Client id").fill("engageiq-web")
        secret.fill(client_secret)
        panel.get_by_label("Email domains").fill(domain)
        # Requiring SSO would sign this password admin out: the dialog says so, and Cancel.
        panel.get_by_label("Require single sign-on").check()
        panel.get_by_role("button", name="Connect").click()
        dialog = page.get_by_role("dialog", name="Require single sign-on?")
        expect(dialog).to_contain_text("who signed in with a password will be signed out")
        assert axe_violations(page) == []
        dialog.get_by_role("button", name="Cancel").click()
        panel.get_by_label("Require single sign-on").uncheck()
        panel.get_by_role("button", name="Connect").click()
        expect(panel.get_by_role("alert")).to_contain_text(
            "No OpenID Connect discovery document was found"
        )
        expect(status).to_contain_text("Not connected")

        issuer = idp.oidc("/realms/sales")
        panel.get_by_label("Issuer URL").fill(issuer)
        panel.get_by_role("button", name="Connect").click()
        expect(status).to_contain_text("OIDC")
    expect(status).to_contain_text(issuer)
    expect(status).to_contain_text("engageiq-web")
    expect(status).to_contain_text(domain)
    expect(status).to_contain_text("No: passwords work too")
    # The secret went to the sign-in service once; nothing shows it back.
    expect(secret).to_have_value("")
    # Requiring SSO from this password session would lock the admin out: refused, and said.
    secret.fill(client_secret)
    panel.get_by_label("Require single sign-on").check()
    panel.get_by_role("button", name="Save single sign-on").click()
    page.get_by_role("dialog", name="Require single sign-on?").get_by_role(
        "button", name="Require and sign them out"
    ).click()
    expect(panel.get_by_role("alert")).to_contain_text(
        "Sign in through your identity provider before requiring it"
    )
    expect(status).to_contain_text("No: passwords work too")
    answer = api_as(page, "GET", "/tenant/sso")
    assert answer["body"]["type"] == "OIDC"
    assert client_secret not in json.dumps(answer["body"])
    page.reload()
    expect(status).to_contain_text("OIDC")
    assert client_secret not in page.content()
    assert axe_violations(page) == []
    panel.scroll_into_view_if_needed()
    at_both_sizes(page, "admin-sso-oidc")
    panel.get_by_role("button", name="Remove single sign-on").click()
    page.get_by_role("dialog", name="Remove single sign-on?").get_by_role(
        "button", name="Remove"
    ).click()
    expect(status).to_contain_text("Not connected")

    # SAML is connected by an operator; the panel shows it and offers no OIDC form over it.
    metadata = tmp_path / "metadata.xml"
    metadata.write_text(SAML_METADATA)
    sso_cli(web, "set", admin.tenant, "--saml-metadata-file", str(metadata), "--domain", domain)
    page.reload()
    expect(status).to_contain_text("SAML")
    expect(status).to_contain_text(domain)
    expect(panel.get_by_label("Issuer URL")).to_have_count(0)
    assert axe_violations(page) == []
    panel.get_by_role("button", name="Remove single sign-on").click()
    page.get_by_role("dialog", name="Remove single sign-on?").get_by_role(
        "button", name="Remove"
    ).click()
    expect(status).to_contain_text("Not connected")
    page.reload()
    expect(status).to_contain_text("Not connected")

    # Each change is in the audit log, the refused issuer as a failed attempt.
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_test_id("audit-action")).to_contain_text(
        ["Single sign-on removed", "Single sign-on connected or changed", "Single sign-on removed"]
    )
    expect(entries(page).filter(has_text="Operator").first).to_contain_text(
        "Single sign-on connected or changed"
    )
    refused = entries(page).filter(has_text="error: sso_discovery_missing")
    expect(refused.get_by_role("cell").nth(4)).to_have_text("Failed")
