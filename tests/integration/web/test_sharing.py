"""Sharing and export in the browser (issue 24, decision 0113): an admin shares an answer that
cites a file only admins may see; a member of the same organisation opens the link, reads it
with that source shown as unavailable (never named), and continues it as their own; the
admin downloads the conversation as Markdown and JSON and revokes the link. Each screen at
desktop and phone sizes with axe clean."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.integration.test_local_platform import resources_of
from tests.integration.web.conftest import (
    SIZES,
    WebPlatform,
    at_both_sizes,
    axe_violations,
    invite,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_governed_knowledge import sources, upload
from tests.integration.web.test_phone_review import inside_viewport
from tests.integration.web.test_web_app import last_answer, send, wait_answered
from tests.support.governance import put_collection
from tests.support.messages_server import Cite, Reply

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PRICING = ("otter-pricing.md", "# Pricing\nThe Otter Pro plan costs 65 dollars per seat.\n")
BOARD = ("otter-board-plans.md", "# Board plans\nOtter Pro will add offline mode in spring.\n")


def test_share_open_as_a_colleague_continue_as_own_export_and_revoke(
    page: Page, web: WebPlatform
) -> None:
    admin = new_tenant(web, "share")
    member = invite(web, admin.tenant)
    # A collection only administrators may see, made before the tenant's first turn.
    put_collection(resources_of(web.outputs), admin.tenant, "board", restricted=True)
    sign_in(page, web, admin, "/files")
    upload(page, [PRICING])
    upload(page, [BOARD], into=["Board"])

    page.get_by_role("link", name="Chat", exact=True).click()
    web.model.enqueue(
        Reply(
            tokens=(
                "It costs ",
                Cite("65 dollars per seat", (), containing="65 dollars"),
                " and gets ",
                Cite("offline mode", (), containing="offline mode"),
                ".",
            )
        )
    )
    send(page, "What does Otter Pro cost and what is planned?")
    wait_answered(page)
    expect(sources(last_answer(page))).to_have_count(2)

    # Share: a link made, copied, and listed with the admin's links.
    page.get_by_role("button", name="Share", exact=True).click()
    dialog = page.get_by_role("dialog", name="Share this conversation")
    expect(dialog.get_by_text("You are not sharing any conversation.")).to_be_visible()
    dialog.get_by_role("button", name="Create link").click()
    address = dialog.get_by_label("Link", exact=True)
    expect(address).to_have_value(re.compile(r"/shared/[A-Za-z0-9_-]{43}$"))
    link = address.input_value()
    dialog.get_by_role("button", name="Copy link").click()
    assert page.evaluate("navigator.clipboard.readText()") == link
    expect(dialog.locator(".share-list li")).to_have_count(1)
    assert axe_violations(page) == []
    at_both_sizes(page, "sharing-dialog")
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_have_count(0)

    # A colleague opens the link (signing in first): read-only, the board's file unavailable.
    colleague = page.context.new_page()
    sign_in(colleague, web, member, link.removeprefix(web.url))
    expect(colleague.get_by_role("heading", level=1)).to_have_text(
        "What does Otter Pro cost and what is planned?"
    )
    answer = last_answer(colleague)
    expect(answer.locator(".markdown")).to_contain_text("65 dollars per seat")
    expect(sources(answer).get_by_role("button")).to_have_text(re.compile(PRICING[0]))
    expect(colleague.get_by_test_id("withheld")).to_have_text("[2] Source no longer available")
    expect(colleague.get_by_text(BOARD[0])).to_have_count(0)
    expect(colleague.get_by_role("textbox", name="Message", exact=True)).to_have_count(0)
    assert axe_violations(colleague) == []
    at_both_sizes(colleague, "sharing-shared-page")
    colleague.set_viewport_size(SIZES["phone"])
    inside_viewport(colleague, colleague.get_by_role("button", name="Continue as my own"))
    colleague.set_viewport_size(SIZES["desktop"])

    # Continue as my own: their own conversation, the hidden source still unavailable.
    colleague.get_by_role("button", name="Continue as my own").click()
    expect(colleague).to_have_url(re.compile(r"/chat/[0-9a-z]{26}$"))
    expect(colleague.get_by_test_id("withheld")).to_have_text("[2] Source no longer available")
    web.model.enqueue(Reply(tokens=("Per seat, ", Cite("65 dollars", (), containing="65"), ".")))
    send(colleague, "Is that per seat?")
    wait_answered(colleague)
    expect(colleague.get_by_test_id("answer")).to_have_count(2)
    expect(
        colleague.get_by_role("link", name=re.compile("What does Otter Pro cost"))
    ).to_be_visible()

    # Export: Markdown for an e-mail, and JSON.
    menu = page.get_by_text("Export", exact=True)
    menu.click()
    assert axe_violations(page) == []
    with page.expect_download() as markdown_download:
        page.get_by_role("button", name="Markdown (.md)").click()
    markdown = markdown_download.value
    assert re.fullmatch(r"what-does-otter-pro-cost-and-what-is-planned-\d{4}-\d\d-\d\d\.md",
                        markdown.suggested_filename)  # fmt: skip
    text = Path(markdown.path()).read_text(encoding="utf-8")
    assert "**Question**" in text
    assert "It costs 65 dollars per seat[1] and gets offline mode[2]." in text
    assert re.search(
        rf"\n- \[1\] {re.escape(PRICING[0])}[^\n]* \(version of \d{{4}}-\d\d-\d\d\)\n", text
    )
    assert f"[2] {BOARD[0]}" in text  # the admin may see it
    menu.click()
    with page.expect_download() as json_download:
        page.get_by_role("button", name="JSON (.json)").click()
    exported = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))
    assert exported["format"] == "engageiq.conversation.v1"
    assert [m["role"] for m in exported["messages"]] == ["user", "assistant"]
    assert [c["fileName"] for c in exported["messages"][1]["citations"]] == [PRICING[0], BOARD[0]]
    page.set_viewport_size(SIZES["phone"])
    inside_viewport(page, page.get_by_role("button", name="Share", exact=True))
    inside_viewport(page, menu)
    page.set_viewport_size(SIZES["desktop"])

    # Revoked: the link stops working at once and says so.
    page.get_by_role("button", name="Share", exact=True).click()
    dialog = page.get_by_role("dialog", name="Share this conversation")
    dialog.get_by_role("button", name="Stop sharing").click()
    expect(dialog.get_by_text("You are not sharing any conversation.")).to_be_visible()
    colleague.goto(link)
    expect(colleague.get_by_role("alert")).to_contain_text("not available")
    expect(colleague.get_by_text("65 dollars")).to_have_count(0)
    assert axe_violations(colleague) == []
