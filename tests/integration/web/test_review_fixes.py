"""Found by using issue 24's features as a new user would (the review after the merge): a
conversation search that fails says so instead of "Searching…" for ever, and a slow one (a
rep's first search builds their index) says why it takes a while; Enter on "/call" before the
plays arrived waits for them rather than sending "/call" as a question."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, Route, expect

from tests.integration.web.conftest import (
    WebPlatform,
    api_as,
    axe_violations,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_conversation_search import search
from tests.integration.web.test_web_app import message_box

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def test_a_failed_search_stops_saying_searching(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, new_tenant(web, "srchfail"))

    def storage_not_answering(route: Route) -> None:
        # What a rep's first search answered when the local tables timed out.
        route.fulfill(
            status=503,
            headers={"Retry-After": "5", "Content-Type": "application/json"},
            body=json.dumps(
                {
                    "code": "service_unavailable",
                    "message": "Our storage is not answering right now.",
                    "requestId": "r",
                }
            ),
        )

    page.route("**/api/conversations?q=*", storage_not_answering)
    results = search(page, "quetzal")
    expect(results.get_by_role("alert")).to_be_visible()
    expect(results.get_by_role("status")).to_have_text("The search did not finish.")
    assert axe_violations(page) == []


def test_a_slow_first_search_says_why_it_takes_a_while(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, new_tenant(web, "srchslow"))
    held: list[Route] = []

    def hold(route: Route) -> None:
        # Not answered yet, as while a rep's first search reads 20,000 messages.
        held.append(route)

    page.route("**/api/conversations?q=*", hold)
    results = search(page, "quetzal")
    status = results.get_by_role("status")
    expect(status).to_have_text("Searching…")
    expect(status).to_contain_text("a first search reads all your conversations", timeout=10_000)
    assert axe_violations(page) == []
    held[0].fulfill(
        status=200,
        headers={"Content-Type": "application/json"},
        body=json.dumps({"conversations": [], "nextCursor": None, "matches": []}),
    )
    expect(status).to_have_text("No conversation mentions “quetzal”.")


def test_enter_on_a_play_before_the_plays_arrived_sends_nothing(
    page: Page, web: WebPlatform
) -> None:
    listing: list[Route] = []

    def hold_listing(route: Route) -> None:
        # The plays arrive late (a busy instance), after the rep has typed "/call".
        if route.request.method == "GET":
            listing.append(route)
        else:
            route.continue_()

    page.route("**/api/plays", hold_listing)
    sign_in(page, web, new_tenant(web, "playrace"))
    made = api_as(
        page, "POST", "/plays", {"name": "Call prep", "template": "Call prep for {account}"}
    )
    assert made["status"] == 201, made
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/api/chat") else None)
    box = message_box(page)
    box.fill("/call")
    box.press("Enter")
    expect(page.get_by_text("Loading plays…")).to_be_visible()
    expect(box).to_have_value("/call")
    assert asked == []

    listing[0].continue_()
    expect(page.get_by_role("option", name=re.compile("Call prep"))).to_be_visible()
    box.press("Enter")
    expect(page.get_by_label("account")).to_be_focused()
    assert asked == []
