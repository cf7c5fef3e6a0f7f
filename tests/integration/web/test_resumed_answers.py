"""An answer outlives its page (decision 0114): a reload in the middle of a streamed answer, at
desktop and phone sizes, shows the answer arriving from where it was to its end, identical to
the stored one; a second tab on the conversation sees the same answer; Stop still stops it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import BrowserContext, Page, expect

from tests.integration.web.conftest import (
    NEW_PASSWORD,
    SIZES,
    TenantUser,
    WebPlatform,
    api_as,
    at_both_sizes,
    axe_violations,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_web_app import last_answer, send, wait_answered
from tests.support.messages_server import Reply

WORDS = 80
"""At 0.06 s a word, about 5 s of answer: long enough to reload in the middle."""


def slow_answer(web: WebPlatform, tag: str) -> str:
    """Queues a slow answer of `WORDS` words tagged `tag`; returns its last word."""
    web.model.enqueue(Reply(tokens=tuple(f"{tag}{i} " for i in range(WORDS)), interval=0.06))
    return f"{tag}{WORDS - 1}"


def conversation_of(page: Page) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def stored_answer(page: Page, conversation: str) -> dict[str, Any]:
    history = api_as(page, "GET", f"/chat-history?conversationId={conversation}")
    assert history["status"] == 200, history
    answer: dict[str, Any] = history["body"]["messages"][-1]
    return answer


def test_a_reload_mid_answer_shows_the_whole_answer_as_stored(page: Page, web: WebPlatform) -> None:
    user = new_tenant(web, "resume")
    sign_in(page, web, user)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        if size != "desktop":
            page.goto(web.url + "/chat")  # a new conversation
            expect(page.get_by_role("textbox", name="Message", exact=True)).to_be_visible()
        last_word = slow_answer(web, size)
        send(page, f"Count for me ({size})")
        # Part of the answer is on screen, the rest is still being written.
        expect(last_answer(page)).to_contain_text(f"{size}5 ")
        conversation = conversation_of(page)
        assert stored_answer(page, conversation)["status"] == "streaming"
        page.reload()
        # The page follows the answer it had left: the rest arrives, live.
        expect(page.get_by_role("button", name="Stop")).to_be_visible()
        wait_answered(page)
        answer = last_answer(page)
        expect(answer).to_contain_text(last_word)
        stored = stored_answer(page, conversation)
        assert (stored["status"], stored["finishReason"]) == ("complete", "end_turn")
        assert answer.locator(".markdown").inner_text().strip() == stored["content"].strip()
        followed = answer.locator(".markdown").inner_html()
        assert axe_violations(page) == []
        # What the followed stream showed is what the stored answer shows.
        page.reload()
        expect(last_answer(page).locator(".markdown")).to_contain_text(last_word)
        assert last_answer(page).locator(".markdown").inner_html() == followed
    page.set_viewport_size(SIZES["desktop"])
    at_both_sizes(page, "chat-resumed-answer")


def test_a_second_tab_sees_the_same_answer_and_stop_stops_it(
    page: Page, context: BrowserContext, web: WebPlatform
) -> None:
    user = new_tenant(web, "tabs")
    sign_in(page, web, user)
    last_word = slow_answer(web, "tab")
    send(page, "Count for both tabs")
    expect(last_answer(page)).to_contain_text("tab3 ")
    conversation = conversation_of(page)
    # The tokens live in each tab's sessionStorage: the second tab signs in on its own.
    second = context.new_page()
    sign_in(second, web, TenantUser(user.tenant, user.email, NEW_PASSWORD), f"/chat/{conversation}")
    expect(last_answer(second)).to_contain_text("tab5 ")
    wait_answered(page)
    wait_answered(second)
    first_text = last_answer(page).locator(".markdown").inner_text()
    assert last_word in first_text
    assert last_answer(second).locator(".markdown").inner_text() == first_text
    assert axe_violations(second) == []
    second.close()

    # Stop stops the model (closing the stream no longer would): the answer is saved cut off.
    slow_answer(web, "stop")
    send(page, "Count again")
    expect(last_answer(page)).to_contain_text("stop3 ")
    page.get_by_role("button", name="Stop").click()
    expect(last_answer(page)).to_contain_text("Stopped")
    stored = stored_answer(page, conversation)
    assert (stored["status"], stored["finishReason"]) == ("incomplete", "stopped")
    assert f"stop{WORDS - 1}" not in stored["content"]
    expect(page.get_by_role("button", name="Continue", exact=True)).to_be_visible()
