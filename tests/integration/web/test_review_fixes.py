"""Found by using issue 24's features as a new user would (the review after the merge): a
conversation search that fails says so instead of "Searching…" for ever, and a slow one (a
rep's first search builds their index) says why it takes a while."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, Route, expect

from tests.integration.web.conftest import WebPlatform, axe_violations, new_tenant, sign_in
from tests.integration.web.test_conversation_search import search

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
