"""Plays in the browser (issue 24, decision 0115): an admin publishes a play with variables,
a default collection and an intent on /admin; a rep types `/` in the composer, moves through
the list with the keyboard, picks the play, fills its variables, sends it and gets the answer
(routed by the play's intent); the admin sees the use counted. Again at phone size by
tapping, and a rep's own play from "My plays". Each screen at both sizes with axe clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.integration.web.conftest import (
    SIZES,
    WebPlatform,
    api_as,
    at_both_sizes,
    axe_violations,
    invite,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_governed_knowledge import create_collection, sign_in_as
from tests.integration.web.test_web_app import last_answer, message_box, wait_answered

pytestmark = [pytest.mark.integration, pytest.mark.browser]

CALL_PREP = "Brief me on {account} in {industry}"
"""The router alone would call this `general`: the play's intent makes it `call_prep`."""


def plays_section(page: Page) -> Locator:
    return page.get_by_role("region", name="Plays", exact=True)


def uses_of(page: Page, name: str) -> Locator:
    return (
        plays_section(page)
        .get_by_test_id("play-row")
        .filter(has_text=name)
        .get_by_test_id("play-uses")
    )


def last_question(web: WebPlatform) -> str:
    """The text of the last user message the model was sent."""
    content = web.model.requests[-1].body["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return " ".join(str(block.get("text", "")) for block in content if isinstance(block, dict))


def fill_variables(page: Page, values: dict[str, str], play: str = "Call prep") -> None:
    dialog = page.get_by_role("dialog", name=play)
    expect(dialog).to_be_visible()
    assert axe_violations(page) == []
    for name, value in values.items():
        dialog.get_by_label(name, exact=True).fill(value)
    dialog.get_by_role("button", name="Use play").click()
    expect(dialog).to_have_count(0)


def test_an_admin_publishes_a_play_and_a_rep_uses_it_from_the_composer(
    page: Page, web: WebPlatform
) -> None:
    admin = new_tenant(web, "plays")
    rep_user = invite(web, admin.tenant)
    sign_in(page, web, admin, "/admin")
    create_collection(page, "Pricing")
    section = plays_section(page)
    section.get_by_label("Name", exact=True).fill("Call prep")
    section.get_by_label("Template", exact=True).fill(CALL_PREP)
    section.get_by_label("Pricing", exact=True).check()
    section.get_by_label("Kind of answer (optional)").select_option("call_prep")
    section.get_by_role("button", name="Publish play").click()
    expect(uses_of(page, "Call prep")).to_have_text("0 uses")
    # A template with a brace that closes nothing is refused with the service's sentence.
    section.get_by_label("Name", exact=True).fill("Broken")
    section.get_by_label("Template", exact=True).fill("Prep for {account")
    section.get_by_role("button", name="Publish play").click()
    expect(section.get_by_role("alert")).to_contain_text("'{account' is not a variable")
    assert axe_violations(page) == []
    at_both_sizes(page, "plays-admin")

    # The rep writes a play of their own, then types / and walks the list with the keyboard.
    rep = sign_in_as(page, web, rep_user, "/chat")
    rep.get_by_role("button", name="My plays").click()
    mine = rep.get_by_role("dialog", name="My plays")
    mine.get_by_label("Name", exact=True).fill("Follow-up")
    mine.get_by_label("Template", exact=True).fill("Follow-up e-mail after {meeting} {{draft}}")
    mine.get_by_role("button", name="Save play").click()
    expect(mine.get_by_text("Follow-up", exact=True)).to_be_visible()
    assert axe_violations(rep) == []
    mine.get_by_role("button", name="Cancel").click()
    expect(mine).to_have_count(0)

    box = message_box(rep)
    box.fill("/")
    listbox = rep.get_by_role("listbox", name="Plays")
    expect(listbox.get_by_role("option")).to_have_text(
        [re.compile(r"^Call prep\s*Team"), re.compile(r"^Follow-up")]
    )
    expect(box).to_have_attribute("aria-activedescendant", "play-option-0")
    box.press("ArrowDown")
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("Follow-up")
    box.press("ArrowDown")  # wraps around
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("Call prep")
    box.press("ArrowUp")
    box.press("Enter")
    fill_variables(rep, {"meeting": "the demo"}, play="Follow-up")
    expect(box).to_have_value("Follow-up e-mail after the demo {draft}")
    box.fill("/")
    box.press("Escape")
    expect(listbox).to_have_count(0)
    box.fill("/call")
    expect(listbox.get_by_role("option")).to_have_count(1)
    assert axe_violations(rep) == []
    at_both_sizes(rep, "plays-picker")
    box.press("Enter")
    fill_variables(rep, {"account": "Acme", "industry": "retail"})
    expect(box).to_have_value("Brief me on Acme in retail")
    expect(rep.get_by_test_id("scope")).to_contain_text("Pricing")
    rep.get_by_role("button", name="Send").click()
    wait_answered(rep)
    expect(last_answer(rep)).to_contain_text("local model")
    assert "Brief me on Acme in retail" in last_question(web)
    conversation = rep.url.rsplit("/", 1)[1]
    shown = api_as(rep, "GET", f"/chat-history?conversationId={conversation}")["body"]
    assert [m["route"] for m in shown["messages"]] == ["call_prep", "call_prep"]

    page.reload()
    expect(uses_of(page, "Call prep")).to_have_text("1 use")

    # At phone size: tap the play in the list.
    rep.set_viewport_size(SIZES["phone"])
    box.fill("/")
    rep.get_by_role("option", name=re.compile("^Call prep")).click()
    fill_variables(rep, {"account": "Globex", "industry": "energy"})
    expect(box).to_have_value("Brief me on Globex in energy")
    rep.get_by_role("button", name="Send").click()
    wait_answered(rep)
    assert "Brief me on Globex in energy" in last_question(web)
    assert axe_violations(rep) == []
    rep.set_viewport_size(SIZES["desktop"])

    page.reload()
    expect(uses_of(page, "Call prep")).to_have_text("2 uses")
    # The rep's own play is theirs alone: the admin's page does not list it.
    expect(plays_section(page).get_by_test_id("play-row")).to_have_count(1)

    # The rep renames their own play, then deletes it; the admin renames the team's, then
    # deletes it: each list is left as the service has it.
    rep.get_by_role("button", name="My plays").click()
    mine = rep.get_by_role("dialog", name="My plays")
    mine.get_by_role("button", name="Edit Follow-up").click()
    edit = rep.get_by_role("dialog", name="Edit Follow-up")
    edit.get_by_label("Name", exact=True).fill("Follow-up mail")
    edit.get_by_role("button", name="Save", exact=True).click()
    expect(edit).to_have_count(0)
    expect(mine.get_by_text("Follow-up mail", exact=True)).to_be_visible()
    mine.get_by_role("button", name="Delete Follow-up mail").click()
    rep.get_by_role("dialog", name="Delete play?").get_by_role("button", name="Delete").click()
    expect(mine.get_by_text("Follow-up mail", exact=True)).to_have_count(0)
    assert [p["name"] for p in api_as(rep, "GET", "/plays")["body"]["plays"]] == ["Call prep"]

    section = plays_section(page)
    section.get_by_role("button", name="Edit Call prep").click()
    edit = page.get_by_role("dialog", name="Edit Call prep")
    edit.get_by_label("Name", exact=True).fill("Call prep v2")
    edit.get_by_role("button", name="Save", exact=True).click()
    expect(uses_of(page, "Call prep v2")).to_have_text("2 uses")
    section.get_by_role("button", name="Delete Call prep v2").click()
    page.get_by_role("dialog", name="Delete play?").get_by_role("button", name="Delete").click()
    expect(section.get_by_test_id("play-row")).to_have_count(0)
    assert api_as(rep, "GET", "/plays")["body"]["plays"] == []
