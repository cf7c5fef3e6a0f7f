"""A real browser (Debian's chromium via playwright) against the local edge: the web app is
served at `/`, an authenticated same-origin API call from the page works, and the offline
responder's answers are marked as such. The web app's own suite is tests/integration/web/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import demo_token

pytestmark = [pytest.mark.integration, pytest.mark.browser]

# Flags from the machine notes: no sandbox as root, and no background traffic to Google,
# which this closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def test_page_loads_and_calls_the_api_with_a_token(
    browser: Browser, dev_platform: DevPlatform
) -> None:
    page = browser.new_page()
    page.goto(dev_platform.web_url)
    assert page.title() == "EngageIQ"
    result = page.evaluate(
        """async (token) => {
            const response = await fetch('/api/me', {headers: {Authorization: `Bearer ${token}`}});
            return {status: response.status, body: await response.json()};
        }""",
        demo_token(dev_platform),
    )
    assert result["status"] == 200
    assert result["body"]["tenantId"] == "demo"
    unauthenticated = page.evaluate("async () => (await fetch('/api/me')).status")
    assert unauthenticated == 401
    page.close()


def test_the_web_app_marks_answers_of_the_offline_responder(
    browser: Browser, dev_platform: DevPlatform
) -> None:
    o = dev_platform.outputs
    page = browser.new_page()
    page.goto(dev_platform.web_url + "/chat")
    page.get_by_label("Email").fill(o["demoUsername"])
    page.get_by_role("button", name="Continue", exact=True).click()
    page.get_by_label("Password", exact=True).fill(o["demoPassword"])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("textbox", name="Message", exact=True).fill("What can you do offline?")
    page.get_by_role("button", name="Send").click()
    answer = page.get_by_test_id("answer").last
    expect(answer).to_contain_text("offline responder")
    expect(answer.get_by_text("Offline responder", exact=True)).to_be_visible()
    page.close()
