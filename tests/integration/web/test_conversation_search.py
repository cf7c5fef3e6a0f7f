"""Conversation search in the browser (issue 24 "Find", decision 0112): the list's search box
asks the service, which finds a word that only an answer holds; the hit shows its snippet with
the word marked, opens the conversation, and an unknown word says so; at desktop and phone
sizes, axe clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.integration.web.conftest import (
    SIZES,
    WebPlatform,
    at_both_sizes,
    axe_violations,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_web_app import last_answer, send, wait_answered
from tests.support.messages_server import Reply

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def search(page: Page, words: str) -> Locator:
    """Types `words` in the conversation list's search box; the results' region."""
    conversations = page.get_by_role("navigation", name="Conversations")
    conversations.get_by_label("Search conversations").fill(words)
    return conversations.get_by_role("region", name="Search results")


def test_a_word_only_in_an_answer_finds_and_opens_its_conversation(
    page: Page, web: WebPlatform
) -> None:
    sign_in(page, web, new_tenant(web, "find"))
    web.model.enqueue(Reply(tokens=("Acme keeps its data in the ", "Quetzal region.")))
    send(page, "Where does Acme keep its data?")
    wait_answered(page)
    expect(page).to_have_url(re.compile(r"/chat/[0-9a-z]+$"))
    found_url = page.url
    page.get_by_role("link", name="New chat").click()
    send(page, "Pricing for Globex")
    wait_answered(page)

    results = search(page, "quetzal")
    expect(results.get_by_role("status")).to_have_text("1 conversation found.")
    hit = results.get_by_role("link")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("Where does Acme keep its data?")
    expect(hit).to_contain_text("Answer: Acme keeps its data in the Quetzal region.")
    expect(hit.locator("mark")).to_have_text(["Quetzal"])
    assert axe_violations(page) == []
    at_both_sizes(page, "conversation-search")

    results = search(page, "zyzzyva")
    expect(results.get_by_role("status")).to_have_text("No conversation mentions “zyzzyva”.")
    assert axe_violations(page) == []

    results = search(page, "QUETZAL")
    results.get_by_role("link").click()
    expect(page).to_have_url(found_url)
    expect(last_answer(page)).to_contain_text("Quetzal region")

    # On a phone the list is a drawer: search there, open the hit, the drawer closes.
    page.goto(web.url + "/chat")
    page.set_viewport_size(SIZES["phone"])
    page.get_by_role("button", name="Conversations", exact=True).click()
    drawer = page.get_by_role("navigation", name="Conversations")
    results = search(page, "quetzal region")
    hit = results.get_by_role("link")
    expect(hit.locator("mark")).to_have_text(["Quetzal", "region"])
    assert axe_violations(page) == []
    hit.click()
    expect(drawer).to_be_hidden()
    expect(page).to_have_url(found_url)
    expect(last_answer(page)).to_contain_text("Quetzal region")
