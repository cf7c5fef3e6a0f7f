"""Found by using issue 24's features as a new user would (the review after the merge): a
conversation search that fails says so instead of "Searching…" for ever."""

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
