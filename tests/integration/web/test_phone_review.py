"""What a reviewer found on a phone (390x844): the conversations drawer could not be closed,
the users table on /admin collapsed its role select and clipped its columns, and the files
list could not tell apart two files with the same name."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.integration.web.conftest import (
    SIZES,
    WebPlatform,
    at_both_sizes,
    axe_violations,
    invite,
    new_tenant,
    screenshot,
    sign_in,
)
from tests.integration.web.test_web_app import drop_files, send, wait_answered

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def inside_viewport(page: Page, element: Locator) -> None:
    """The element is shown whole, left to right, without scrolling anything sideways."""
    element.scroll_into_view_if_needed()  # vertical scrolling is fine on a phone
    # ...sideways is not: reaching it must not have scrolled a table (or the page) sideways.
    sideways = element.evaluate(
        """(e) => { const s = []; for (let a = e.parentElement; a; a = a.parentElement)
            if (a.scrollLeft > 0) s.push(`${a.tagName}.${a.className}`); return s; }"""
    )
    assert sideways == [], f"scrolled sideways to reach it: {sideways}"
    box = element.bounding_box()
    assert box is not None, "not rendered"
    width = page.viewport_size["width"] if page.viewport_size else 0
    assert box["width"] > 0, box
    assert box["x"] >= 0, box
    assert box["x"] + box["width"] <= width, box
    # Not cut off by a scrolling or clipping ancestor: the point at its centre is the element.
    hit = element.evaluate(
        """(e) => {
            const r = e.getBoundingClientRect();
            const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return at === e || e.contains(at) ? "" : `${at?.tagName}.${at?.className}`;
        }"""
    )
    assert not hit, f"covered or clipped by {hit}: {box}"


def test_the_phone_conversation_drawer_closes_by_button_and_escape(
    page: Page, web: WebPlatform
) -> None:
    sign_in(page, web, new_tenant(web, "drawer"))
    send(page, "Pricing for Acme")
    wait_answered(page)
    page.set_viewport_size(SIZES["phone"])
    toggle = page.get_by_role("button", name="Conversations", exact=True)
    drawer = page.get_by_role("navigation", name="Conversations")
    expect(drawer).to_be_hidden()

    toggle.click()
    expect(drawer).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    close = page.get_by_role("button", name="Close conversations")
    expect(close).to_be_visible()
    expect(close).to_be_focused()  # focus moves into the drawer it opened
    inside_viewport(page, close)
    assert axe_violations(page) == []
    at_both_sizes(page, "chat-drawer")
    page.set_viewport_size(SIZES["phone"])

    close.click()
    expect(drawer).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    # By keyboard alone: Enter opens, Escape closes, and focus is back on the toggle.
    page.keyboard.press("Enter")
    expect(drawer).to_be_visible()
    page.keyboard.press("Escape")
    expect(drawer).to_be_hidden()
    expect(toggle).to_be_focused()

    # Enter opens with focus on the close control, and Enter there closes.
    page.keyboard.press("Enter")
    expect(close).to_be_focused()
    page.keyboard.press("Enter")
    expect(drawer).to_be_hidden()
    expect(toggle).to_be_focused()

    # On a desktop the list is always there, with no close control.
    page.set_viewport_size(SIZES["desktop"])
    expect(drawer).to_be_visible()
    expect(close).to_be_hidden()


def test_admin_users_are_readable_on_a_phone(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "phoneusers")
    member = invite(web, owner.tenant)
    sign_in(page, web, owner, "/admin")
    users = page.get_by_role("region", name="Users")
    expect(users.get_by_text(member.email, exact=True)).to_be_visible()
    page.set_viewport_size(SIZES["phone"])
    page.wait_for_timeout(150)
    for email in (owner.email, member.email):
        inside_viewport(page, users.get_by_text(email, exact=True))
        role = users.get_by_label(f"Role of {email}")
        inside_viewport(page, role)
        # The select is wide enough to show its value, not an empty arrow.
        shown = role.evaluate("(s) => s.scrollWidth <= s.clientWidth && s.clientWidth >= 80")
        assert shown, role.bounding_box()
    expect(users.get_by_label(f"Role of {owner.email}")).to_have_value("tenant_admin")
    for email in (owner.email, member.email):
        status = users.locator("tbody tr").filter(has_text=email).locator("td").nth(2)
        expect(status).to_have_text(re.compile("[a-z]"))
        inside_viewport(page, status)
    remove = users.get_by_role("button", name=f"Remove {member.email}")
    inside_viewport(page, remove)
    assert axe_violations(page) == []
    at_both_sizes(page, "admin-users")
    page.set_viewport_size(SIZES["phone"])
    users.get_by_role("button", name=f"Remove {member.email}").scroll_into_view_if_needed()
    screenshot(page, "admin-users-list-phone")


def test_files_show_when_each_was_uploaded(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "dates")
    sign_in(page, web, owner, "/files")
    drop_files(page, [("notes.md", "# Notes\nFirst.\n")])
    rows = page.get_by_test_id("file-row").filter(has_text="notes.md")
    expect(rows).to_have_count(1)
    drop_files(page, [("notes.md", "# Notes\nSecond.\n")])
    expect(page.locator(".upload", has_text="notes.md")).to_have_count(2)
    expect(page.locator(".upload", has_text="Uploaded")).to_have_count(2)
    page.reload()
    rows = page.get_by_test_id("file-row").filter(has_text="notes.md")
    expect(rows).to_have_count(2)  # the same name twice, told apart by date and uploader
    today = datetime.now(UTC)
    for i in range(2):
        uploaded = rows.nth(i).locator("time")
        expect(uploaded).to_have_attribute("datetime", re.compile(f"^{today:%Y-%m-%d}"))
        # Words and digits a person reads (locale formatted), with the time of day.
        expect(uploaded).to_have_text(re.compile(r"\d{1,2}:\d{2}"))
        expect(rows.nth(i).locator(".uploaded")).to_contain_text("by you")
    at_both_sizes(page, "files-dates")

    # A colleague sees the same dates but not "by you": the files are not theirs.
    colleague = invite(web, owner.tenant)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, web, colleague, "/files")
    rows = page.get_by_test_id("file-row").filter(has_text="notes.md")
    expect(rows).to_have_count(2)
    expect(rows.locator("time")).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i).locator(".uploaded")).not_to_contain_text("by you")
