"""The web app in a real browser (Debian's chromium via playwright) against `engageiq dev`:
sign-in, chat, files, isolation between tenants, hostile content, refusals and the edge's
static serving. Screenshots of every main screen at both sizes go to tests/artifacts/web/."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from engageiq.local.paths import repo_root
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.context import Role
from engageiq_tenancy.tenants import TenantStatus
from engageiq_tenancy.web_policy import IMMUTABLE_CACHE
from tests.integration.web.conftest import (
    NEW_PASSWORD,
    WebPlatform,
    api_as,
    at_both_sizes,
    axe_violations,
    demo_user,
    fill_sign_in,
    injected,
    invite,
    new_tenant,
    sign_in,
)
from tests.support.messages_server import Cite, Reply

pytestmark = [pytest.mark.integration, pytest.mark.browser]

XSS_IMG = "<img src=x onerror=window.__xss=1>"
XSS_SCRIPT = "<script>window.__xss=1</script>"


def message_box(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_role("textbox", name="Message", exact=True)


def send(page: Page, text: str) -> None:
    message_box(page).fill(text)
    page.get_by_role("button", name="Send").click()


def last_answer(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("answer").last


def wait_answered(page: Page) -> None:
    expect(page.get_by_test_id("announcer")).to_have_text(re.compile("Answer complete"))


def drop_files(page: Page, files: list[tuple[str, str]]) -> None:
    """Drops files on the drop zone the way a browser does (a DataTransfer on a drop event)."""
    page.get_by_test_id("dropzone").evaluate(
        """(zone, files) => {
            const data = new DataTransfer();
            for (const [name, text] of files) {
                data.items.add(new File([text], name, {type: 'text/markdown'}));
            }
            const init = {bubbles: true, cancelable: true, dataTransfer: data};
            zone.dispatchEvent(new DragEvent('dragover', init));
            zone.dispatchEvent(new DragEvent('drop', init));
        }""",
        files,
    )


def file_id_named(page: Page, name: str) -> str:
    files = api_as(page, "GET", "/files")["body"]["files"]
    return str(next(f["id"] for f in files if f["name"] == name))


# --- the edge ------------------------------------------------------------------------------


def test_edge_serves_config_routes_assets_and_one_csp(web: WebPlatform) -> None:
    config = httpx.get(f"{web.url}/config.json", timeout=10)
    assert config.headers["cache-control"] == "no-cache"
    body = config.json()
    assert {"apiUrl", "region", "userPoolId", "userPoolClientId", "hostedUiDomain"} <= set(body)
    assert body["userPoolClientId"] == web.outputs["userPoolClientId"]
    assert body["apiUrl"] == f"{web.url}/api"

    index = httpx.get(f"{web.url}/", timeout=10)
    csp = index.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert index.headers["cache-control"] == "no-cache"
    for route in ("/chat/abc123", "/files", "/admin", "/auth/callback"):
        page = httpx.get(web.url + route, timeout=10)
        assert page.status_code == 200, route
        assert page.text == index.text, route
    asset = re.search(r'src="(/assets/[^"]+\.js)"', index.text)
    assert asset
    served = httpx.get(web.url + asset.group(1), timeout=10)
    assert served.headers["cache-control"] == IMMUTABLE_CACHE
    assert httpx.get(f"{web.url}/assets/gone-1234.js", timeout=10).status_code == 404
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        swagger = httpx.get(f"{web.url}/docs-assets/swagger-ui/{name}", timeout=10)
        assert swagger.status_code == 200, name
        assert len(swagger.content) > 10_000, name


@pytest.mark.parametrize("service", ["chat", "files"])
def test_the_web_apps_api_types_match_what_the_services_serve(
    web: WebPlatform, service: str, tmp_path: Path
) -> None:
    generated = tmp_path / f"{service}.ts"
    subprocess.run(
        [
            str(repo_root() / "web" / "node_modules" / ".bin" / "openapi-typescript"),
            f"{web.url}/api/{service}/docs/openapi.json",
            "-o",
            str(generated),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = repo_root() / "web" / "src" / "lib" / "api" / f"{service}.ts"
    assert generated.read_text() == committed.read_text(), (
        "The services' OpenAPI changed: run scripts/web-api-types and commit the result."
    )


def test_cognito_pass_through_forwards_only_sign_in_actions(web: WebPlatform) -> None:
    headers = {"Content-Type": "application/x-amz-json-1.1"}
    admin = httpx.post(
        f"{web.url}/_aws/cognito-idp",
        headers={**headers, "X-Amz-Target": "AWSCognitoIdentityProviderService.AdminCreateUser"},
        json={"UserPoolId": web.outputs["userPoolId"], "Username": "intruder@x.example"},
        timeout=10,
    )
    assert admin.status_code == 403
    wrong = httpx.post(
        f"{web.url}/_aws/cognito-idp",
        headers={**headers, "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth"},
        json={
            "ClientId": web.outputs["userPoolClientId"],
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": web.outputs["demoUsername"], "PASSWORD": "nope"},
        },
        timeout=10,
    )
    assert wrong.status_code == 400
    assert "NotAuthorized" in wrong.text


# --- signing in ----------------------------------------------------------------------------


def test_wrong_password_is_explained_then_sign_in_and_out(page: Page, web: WebPlatform) -> None:
    demo = demo_user(web)
    page.goto(web.url + "/chat")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert axe_violations(page) == []
    at_both_sizes(page, "sign-in")
    fill_sign_in(page, demo.email, "Wrong-passw0rd!")
    expect(page.get_by_role("alert")).to_contain_text("do not match")
    expect(page.get_by_label("Email")).to_have_value(demo.email)

    fill_sign_in(page, demo.email, demo.password)
    expect(message_box(page)).to_be_visible()
    tokens = page.evaluate("sessionStorage.getItem('eiq.tokens')")
    assert tokens
    assert "idToken" in tokens
    assert "token" not in page.url.lower()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('eiq.tokens')") is None


def test_forgotten_password_asks_for_the_code_sent_by_email(page: Page, web: WebPlatform) -> None:
    user = invite(web, demo_user(web).tenant)
    page.goto(web.url + "/chat")
    page.get_by_role("button", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_focused()
    page.get_by_label("Email").fill(user.email)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_role("heading", name="Enter the code and a new password")).to_be_visible()
    expect(page.get_by_label("Code")).to_be_visible()
    page.get_by_role("button", name="Back to sign-in").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_file_over_10_mb_goes_straight_to_storage(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "big")
    sign_in(page, web, owner, "/files")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url}"))
    page.get_by_test_id("dropzone").evaluate(
        """(zone) => {
            const line = 'Filler text for a large upload, repeated to pass ten megabytes.\\n';
            const data = new DataTransfer();
            const text = ['# Big\\n', line.repeat(170000)];
            data.items.add(new File(text, 'big.txt', {type: 'text/plain'}));
            const init = {bubbles: true, cancelable: true, dataTransfer: data};
            zone.dispatchEvent(new DragEvent('drop', init));
        }"""
    )
    expect(page.locator(".upload", has_text="big.txt")).to_contain_text("Uploaded", timeout=60_000)
    assert any(r.startswith("POST") and r.endswith("/api/files/uploads") for r in requests)
    assert any(r.startswith("POST") and r.endswith("/complete") for r in requests)
    assert not any(r.endswith("/api/upload-file") for r in requests)
    expect(page.get_by_test_id("file-row").filter(has_text="big.txt")).to_be_visible()


def test_invited_user_chooses_a_password_at_first_sign_in(page: Page, web: WebPlatform) -> None:
    user = invite(web, demo_user(web).tenant)
    page.goto(web.url + "/files")
    fill_sign_in(page, user.email, user.password)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password").fill("short")
    page.get_by_role("button", name="Save password").click()
    expect(page.get_by_role("alert")).to_contain_text("too weak")
    page.get_by_label("New password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Save password").click()
    # The page asked for before signing in is where the user lands.
    expect(page.get_by_role("heading", name="Files", exact=True)).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    fill_sign_in(page, user.email, NEW_PASSWORD)
    expect(page.get_by_role("heading", name="Files", exact=True)).to_be_visible()


# --- chatting ------------------------------------------------------------------------------


def test_streamed_markdown_answer_is_announced_and_kept(page: Page, web: WebPlatform) -> None:
    web.model.enqueue(
        Reply(
            tokens=("**Three** ", "points:\n\n", "- price\n", "- value\n", "- risk\n"),
            interval=0.05,
        )
    )
    sign_in(page, web, demo_user(web))
    send(page, "Give me three points")
    answer = last_answer(page)
    wait_answered(page)
    expect(answer.locator("strong")).to_have_text("Three")
    expect(answer.locator("li")).to_have_count(3)
    expect(message_box(page)).to_have_value("")
    assert re.search(r"/chat/[0-9a-z]+$", page.url)
    expect(page.get_by_role("navigation", name="Conversations")).to_contain_text(
        "Give me three points"
    )
    assert axe_violations(page) == []
    at_both_sizes(page, "chat")
    # Reduced motion also turns off the colour transitions axe would otherwise sample midway.
    page.emulate_media(color_scheme="dark", reduced_motion="reduce")
    assert axe_violations(page) == []
    at_both_sizes(page, "chat-dark")
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")

    page.reload()
    expect(last_answer(page).locator("li")).to_have_count(3)


def test_stop_ends_the_answer_and_continue_resumes_it(page: Page, web: WebPlatform) -> None:
    web.model.enqueue(Reply(tokens=tuple(f"word{i} " for i in range(400)), interval=0.03))
    sign_in(page, web, demo_user(web))
    send(page, "Tell me a long story")
    expect(last_answer(page)).to_contain_text("word5")
    page.get_by_role("button", name="Stop").click()
    expect(last_answer(page)).to_contain_text("Stopped")
    expect(page.get_by_test_id("announcer")).to_have_text("Answer stopped.")
    partial = last_answer(page).locator(".markdown").inner_text()
    page.wait_for_timeout(500)
    assert last_answer(page).locator(".markdown").inner_text() == partial  # nothing more came
    assert "word399" not in partial

    web.model.enqueue(Reply(tokens=("and ", "that is ", "the end."), interval=0.02))
    page.get_by_role("button", name="Continue", exact=True).click()
    wait_answered(page)
    expect(last_answer(page)).to_contain_text("the end.")
    # In place (decision 0109): no "continue" message, one answer holding both parts.
    expect(page.locator(".message.user")).to_have_count(1)
    expect(page.get_by_test_id("answer")).to_have_count(1)
    expect(last_answer(page)).to_contain_text("word5")


def test_an_answer_cut_at_the_token_limit_offers_continue(page: Page, web: WebPlatform) -> None:
    web.model.enqueue(Reply(tokens=("The first half", " of the answer"), stop_reason="max_tokens"))
    sign_in(page, web, demo_user(web))
    send(page, "Write a very long email")
    wait_answered(page)
    expect(page.get_by_role("button", name="Continue", exact=True)).to_be_visible()
    page.reload()  # the cut answer is in the history, still offering Continue
    expect(last_answer(page)).to_contain_text("The first half of the answer")
    web.model.enqueue(Reply(tokens=("and the second half.",)))
    page.get_by_role("button", name="Continue", exact=True).click()
    wait_answered(page)
    expect(last_answer(page)).to_contain_text("the second half.")
    expect(page.get_by_role("button", name="Continue", exact=True)).to_have_count(0)


def test_drag_and_drop_upload_then_a_cited_answer_opens_the_passage(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "cite")
    sign_in(page, web, owner, "/files")
    assert axe_violations(page) == []
    # Big enough for several progress events on loopback.
    body = "# Pricing\nThe Quokka Pro plan costs 55 dollars per seat per month.\n\n" + (
        "## Appendix\n" + "Filler line about nothing in particular.\n" * 4000
    )
    drop_files(page, [("quokka-pricing.md", body), ("notes.md", "# Notes\nQuokkas like tea.\n")])
    uploads = page.locator(".upload progress")
    expect(uploads).to_have_count(2)
    expect(page.locator(".upload", has_text="quokka-pricing.md")).to_contain_text("Uploaded")
    row = page.get_by_test_id("file-row").filter(has_text="quokka-pricing.md")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "ready", timeout=60_000)
    at_both_sizes(page, "files")

    file_id = file_id_named(page, "quokka-pricing.md")
    # The model cites the sentence it says (decision 0109): the service numbers the source.
    cited = Cite("The Pro plan costs 55 dollars per seat.", (), containing="55 dollars")
    web.model.enqueue(Reply(tokens=(cited,)))
    page.get_by_role("link", name="Chat", exact=True).click()
    send(page, "How much is the Quokka Pro plan per seat?")
    wait_answered(page)
    marker = last_answer(page).locator("button.cite").first
    expect(marker).to_have_text("1")
    marker.click()
    panel = page.get_by_test_id("citation-panel")
    expect(panel).to_contain_text("quokka-pricing.md")
    expect(panel.locator(".passage")).to_contain_text("55 dollars per seat")
    expect(panel.get_by_role("link", name="Open at Pricing")).to_have_attribute(
        "href", re.compile(rf"^/files/{file_id}/view\?at=Pricing&q=")
    )
    last_answer(page).get_by_role("button", name="Copy").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("The Pro plan costs 55 dollars")
    assert "Sources:\n[1] quokka-pricing.md, Pricing" in copied
    assert axe_violations(page) == []
    at_both_sizes(page, "chat-citation")
    page.keyboard.press("Escape")
    expect(panel).to_have_count(0)

    # Keyboard only: the marker is reachable, Enter opens the panel with focus in it, Escape
    # closes it and gives focus back to the marker.
    marker.focus()
    page.keyboard.press("Enter")
    expect(panel.get_by_role("heading", name="Source 1")).to_be_focused()
    page.keyboard.press("Escape")
    expect(marker).to_be_focused()


def test_a_document_that_cannot_be_read_says_why_and_can_be_deleted(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "bad")
    sign_in(page, web, owner, "/files")
    drop_files(page, [("broken.pdf", "%PDF-1.7\nthis is not really a PDF\n")])
    row = page.get_by_test_id("file-row").filter(has_text="broken.pdf")
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "failed", timeout=60_000)
    expect(row.locator(".reason")).not_to_be_empty()
    drop_files(page, [("program.exe", "MZ\x90\x00 not a document")])
    expect(page.locator(".upload", has_text="program.exe")).to_contain_text(
        re.compile("[a-z] [a-z]")
    )
    assert (
        "unsupported_file_type" not in page.locator(".upload", has_text="program.exe").inner_text()
    )

    row.get_by_role("button", name="Delete broken.pdf").click()
    dialog = page.get_by_role("dialog", name="Delete file?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(row).to_be_visible()
    row.get_by_role("button", name="Delete broken.pdf").click()
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_test_id("file-row").filter(has_text="broken.pdf")).to_have_count(0)
    assert api_as(page, "GET", "/files")["body"]["files"] == []


def test_conversations_are_renamed_searched_and_deleted(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, new_tenant(web, "list"))
    for question in ("Pricing for Acme", "Objections from Globex"):
        page.get_by_role("link", name="New chat").click()
        send(page, question)
        wait_answered(page)
    conversations = page.get_by_role("navigation", name="Conversations")
    # Each title is followed by its last activity's time (issue 23).
    expect(conversations.get_by_role("link")).to_have_text(
        ["New chat", re.compile(r"^Objections from Globex \d"), re.compile(r"^Pricing for Acme \d")]
    )
    conversations.get_by_role("button", name="Rename Pricing for Acme").click()
    page.get_by_role("dialog").get_by_label("Title").fill("Acme renewal")
    page.get_by_role("button", name="Save").click()
    expect(conversations.get_by_role("link", name="Acme renewal")).to_be_visible()
    conversations.get_by_label("Search conversations").fill("renewal")
    expect(conversations.get_by_role("listitem")).to_have_count(1)
    conversations.get_by_label("Search conversations").fill("")
    page.reload()
    expect(conversations.get_by_role("link", name="Acme renewal")).to_be_visible()

    conversations.get_by_role("button", name="Delete Objections from Globex").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(conversations.get_by_role("link", name="Objections from Globex")).to_have_count(0)
    assert page.url.endswith("/chat")  # it was the open conversation


def test_a_service_that_is_down_is_explained(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, demo_user(web))
    page.route(
        "**/api/chat",
        lambda route: route.fulfill(
            status=502,
            content_type="application/json",
            body='{"code": "service_unavailable", "message": "x", "requestId": "r"}',
        ),
    )
    send(page, "Is anyone there?")
    expect(page.get_by_role("alert")).to_contain_text("not answering right now")
    expect(message_box(page)).to_have_value("Is anyone there?")


def test_a_second_tenant_sees_none_of_the_firsts_conversations_or_files(
    page: Page, context: BrowserContext, web: WebPlatform
) -> None:
    first = new_tenant(web, "one")
    sign_in(page, web, first)
    send(page, "Secret plans of tenant one")
    wait_answered(page)
    conversation_url = page.url
    page.goto(web.url + "/files")
    drop_files(page, [("one-secret.md", "# One\nOnly for tenant one.\n")])
    expect(page.get_by_test_id("file-row")).to_have_count(1)

    other = context.browser.new_context()  # type: ignore[union-attr]
    try:
        second_page = other.new_page()
        sign_in(second_page, web, new_tenant(web, "two"))
        conversations = second_page.get_by_role("navigation", name="Conversations")
        expect(conversations).to_contain_text("No conversations yet")
        expect(conversations).not_to_contain_text("Secret plans")
        second_page.goto(conversation_url)
        expect(second_page.get_by_role("alert")).to_contain_text("does not exist")
        expect(second_page.get_by_text("Secret plans")).to_have_count(0)
        second_page.goto(web.url + "/files")
        expect(second_page.get_by_text("No files yet")).to_be_visible()
        expect(second_page.get_by_text("one-secret.md")).to_have_count(0)
    finally:
        other.close()


def test_script_in_a_message_an_answer_a_document_and_a_file_name_stays_inert(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "xss")
    sign_in(page, web, owner, "/files")
    hostile_name = f"{XSS_IMG}.md"
    document = f"# Walrus pricing\nWalrus tier costs 77 dollars. {XSS_SCRIPT} {XSS_IMG}\n"
    drop_files(page, [(hostile_name, document)])
    row = page.get_by_test_id("file-row").first
    expect(row.locator(".file-name")).to_have_text(hostile_name)
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "ready", timeout=60_000)

    assert file_id_named(page, hostile_name)
    web.model.enqueue(
        Reply(
            tokens=(
                Cite("Walrus costs 77 dollars.", (), containing="window.__xss=1"),
                f" {XSS_IMG} {XSS_SCRIPT} ",
                "[click me](javascript:window.__xss=1) ",
                '<a href="javascript:window.__xss=1">raw</a> ',
                "![pixel](https://tracker.example/p.png) ",
                "[fine](https://example.com/docs)",
            )
        )
    )
    page.get_by_role("link", name="Chat", exact=True).click()
    send(page, f"What does the Walrus tier cost? {XSS_IMG} {XSS_SCRIPT}")
    wait_answered(page)
    answer = last_answer(page)
    expect(answer).to_contain_text("onerror=window.__xss=1")  # shown as text
    assert answer.locator("img, script, iframe").count() == 0
    hrefs = answer.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["https://example.com/docs"]
    assert answer.locator("a[href]").first.get_attribute("rel") == "noopener noreferrer"
    expect(page.locator(".message.user").last).to_contain_text(XSS_IMG)

    answer.locator("button.cite").first.click()
    panel = page.get_by_test_id("citation-panel")
    expect(panel).to_contain_text(hostile_name)
    expect(panel.locator(".passage")).to_contain_text("window.__xss=1")
    assert page.locator("main img, aside img").count() == 0
    page.wait_for_timeout(300)
    assert not injected(page)


# --- refusals ------------------------------------------------------------------------------


def test_budget_exhausted_says_when_it_resets_and_keeps_the_message(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "budget", budget=1)
    sign_in(page, web, owner)
    send(page, "First question uses the whole budget")
    wait_answered(page)
    send(page, "Second question")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("used this month's AI budget")
    expect(alert).to_contain_text("resets on")
    expect(message_box(page)).to_have_value("Second question")


def test_suspended_tenant_gets_a_clear_message(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "susp")
    sign_in(page, web, owner)
    TenantProvisioner(web.target()).set_status(owner.tenant, TenantStatus.SUSPENDED)
    page.reload()
    expect(page.get_by_role("alert")).to_contain_text("suspended")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_session_ending_while_typing_keeps_the_draft(
    context: BrowserContext, web: WebPlatform
) -> None:
    user = invite(web, demo_user(web).tenant)
    page = context.new_page()
    page.clock.install()
    sign_in(page, web, user)
    message_box(page).fill("A long draft I must not lose")
    # The refresh token is revoked (as an admin's global sign-out does) and the ID token's
    # hour passes: the scheduled refresh fails and the session ends.
    cognito = web.target().client("cognito-idp")
    cognito.admin_user_global_sign_out(UserPoolId=web.outputs["userPoolId"], Username=user.email)
    page.clock.fast_forward("01:01:00")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text("Your session ended")).to_be_visible()
    fill_sign_in(page, user.email, NEW_PASSWORD)
    expect(message_box(page)).to_have_value("A long draft I must not lose")
    page.reload()
    expect(message_box(page)).to_have_value("A long draft I must not lose")
    send(page, "A long draft I must not lose")
    wait_answered(page)
    page.reload()
    expect(message_box(page)).to_have_value("")


# --- tenant admins and members ------------------------------------------------------------


def test_admin_branding_applies_after_reload(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "brand")
    sign_in(page, web, owner, "/admin")
    page.get_by_label("Display name").fill("Walrus <b>Sales</b>")
    page.get_by_label("Primary colour as hex").fill("#b02a37")
    page.get_by_role("button", name="Save branding").click()
    expect(page.get_by_text("Saved. Everyone")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("brand-name")).to_have_text("Walrus <b>Sales</b>")
    brand = page.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--brand')")
    assert brand.strip() == "#b02a37"
    assert page.title() == "Walrus <b>Sales</b>"
    assert axe_violations(page) == []
    at_both_sizes(page, "admin-branding")


def test_a_member_sees_no_admin_controls_and_the_api_refuses(page: Page, web: WebPlatform) -> None:
    member = invite(web, demo_user(web).tenant, Role.MEMBER)
    sign_in(page, web, member)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(
        ["Chat", "Files"]
    )
    page.goto(web.url + "/admin")
    expect(page.get_by_role("alert")).to_contain_text("Only your organisation's administrators")
    expect(page.get_by_role("button", name="Save branding")).to_have_count(0)
    refused = api_as(page, "PATCH", "/tenant", {"displayName": "Hijacked"})
    assert refused["status"] == 403
    assert refused["body"]["code"] == "forbidden"


def test_network_drop_is_explained_and_keeps_the_message(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, demo_user(web))
    page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
    send(page, "Will this get through?")
    expect(page.get_by_role("alert")).to_contain_text("connection dropped")
    expect(message_box(page)).to_have_value("Will this get through?")
    page.unroute("**/api/chat")
    page.get_by_role("button", name="Send").click()
    wait_answered(page)


def test_sign_in_page_for_an_unknown_tenant_shows_the_default_brand(
    page: Page, web: WebPlatform
) -> None:
    page.goto(web.url + "/?tenant=no-such-tenant")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator(".auth-brand")).to_contain_text("EngageIQ")
