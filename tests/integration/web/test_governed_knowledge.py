"""Governed knowledge in the browser (issue 20, decision 0111): collections made on /admin and
chosen as a conversation's scope (or "these files" from the Files page), a freshness badge on
every source and the answer's notice when all its sources are stale or unverified (live and
after a reload), the owner's verify and expire, an audience change that withholds a source,
content issues resolved by the file's owner, and the content health report; each screen at
desktop and phone sizes with axe clean."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest
from playwright.sync_api import Locator, Page, expect

from engageiq_tenancy.governance import VIEW_TTL_SECONDS
from tests.integration.web.conftest import (
    SIZES,
    TenantUser,
    WebPlatform,
    at_both_sizes,
    axe_violations,
    invite,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_phone_review import inside_viewport
from tests.integration.web.test_web_app import drop_files, last_answer, send, wait_answered
from tests.support.messages_server import Cite, Reply, search_results

pytestmark = [pytest.mark.integration, pytest.mark.browser]

PRICING = ("walrus-pricing.md", "# Pricing\nThe Walrus Pro plan costs 55 dollars per seat.\n")
SECURITY = ("walrus-security.md", "# Security\nWalrus Pro supports single sign-on with SAML.\n")
ROADMAP = ("walrus-roadmap.md", "# Roadmap\nWalrus Pro gets offline mode in the spring.\n")


def create_collection(page: Page, name: str) -> None:
    """Creates a whole-tenant collection through the form on /admin."""
    section = page.get_by_role("region", name="Collections", exact=True)
    section.get_by_label("Name", exact=True).fill(name)
    section.get_by_label("Description (optional)").fill(f"Everything about {name.lower()}")
    section.get_by_role("button", name="Create collection").click()
    expect(section.get_by_test_id("collection-row").filter(has_text=name)).to_be_visible()


def upload(page: Page, files: Sequence[tuple[str, str]], into: Sequence[str] = ()) -> None:
    """Uploads on /files into the named collections and waits until every file is ready."""
    chooser = page.get_by_role("group", name="Upload into collections")
    for name in into:
        chooser.get_by_label(name, exact=True).check()
    drop_files(page, list(files))
    for name, _ in files:
        expect(file_row(page, name).locator("[data-status]")).to_have_attribute(
            "data-status", "ready", timeout=60_000
        )
    for name in into:
        chooser.get_by_label(name, exact=True).uncheck()


def file_row(page: Page, name: str) -> Locator:
    return page.get_by_test_id("file-row").filter(has_text=name)


def freshness(where: Locator) -> Locator:
    return where.locator("[data-freshness]")


def manage_button(page: Page, name: str) -> Locator:
    return page.get_by_role("button", name=f"Manage {name}")


def manage(page: Page, name: str) -> Locator:
    manage_button(page, name).click()
    dialog = page.get_by_role("dialog", name=f"Manage {name}")
    expect(dialog).to_be_visible()
    return dialog


def close(dialog: Locator) -> None:
    dialog.get_by_role("button", name="Close", exact=True).click()
    expect(dialog).to_have_count(0)


def until_chat_sees_it(page: Page) -> None:
    """A verification reaches answers when the chat service's view of the tenant's knowledge,
    reused for VIEW_TTL_SECONDS, is next read (decision 0111)."""
    page.wait_for_timeout(VIEW_TTL_SECONDS * 1000 + 500)


def titles_given(web: WebPlatform) -> set[str]:
    """The files whose passages the last model request was given (a result's title is the
    file name, then its place and status: "name.md, Pricing (uploaded ...)")."""
    return {
        re.split(r"[,(]", str(r["title"]), maxsplit=1)[0].strip()
        for r in search_results(web.model.requests[-1].body)
    }


def sources(answer: Locator) -> Locator:
    return answer.locator(".sources li")


def test_scope_badges_and_notices_live_and_after_a_reload(page: Page, web: WebPlatform) -> None:
    admin = new_tenant(web, "scope")
    sign_in(page, web, admin, "/admin")
    create_collection(page, "Pricing")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Files", exact=True).click()
    upload(page, [PRICING], into=["Pricing"])
    upload(page, [SECURITY, ROADMAP])
    row = file_row(page, PRICING[0])
    expect(row.locator(".collections")).to_have_text("Pricing")
    expect(row.locator(".owner")).to_have_text("You")
    expect(freshness(row)).to_have_text("Unverified")
    expect(file_row(page, SECURITY[0]).locator(".collections")).to_have_count(0)

    # The owner verifies the price list until the default review date, 90 days on.
    dialog = manage(page, PRICING[0])
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="Verify", exact=True).click()
    expect(freshness(dialog)).to_have_attribute("data-freshness", "verified")
    close(dialog)
    expect(freshness(row)).to_have_text(re.compile(r"^Verified · review by \S"))
    assert axe_violations(page) == []
    at_both_sizes(page, "governed-files")
    page.set_viewport_size(SIZES["phone"])
    for control in (page.get_by_label(f"Select {PRICING[0]}"), manage_button(page, PRICING[0])):
        inside_viewport(page, control)
    page.set_viewport_size(SIZES["desktop"])

    # Chat scoped to the collection: only its file is retrieved; the source is verified.
    page.get_by_role("link", name="Chat", exact=True).click()
    scope = page.get_by_test_id("scope")
    expect(scope).to_contain_text("all documents you can see")
    page.get_by_role("button", name="Choose sources").click()
    picker = page.get_by_role("dialog", name="Answer from")
    assert axe_violations(page) == []
    picker.get_by_label("Pricing", exact=True).check()
    picker.get_by_role("button", name="Apply").click()
    expect(scope.get_by_role("listitem")).to_have_text(["Pricing"])
    web.model.enqueue(
        Reply(tokens=("It costs ", Cite("55 dollars per seat", (), containing="55 dollars"), "."))
    )
    send(page, "What does Walrus Pro cost, and does it have single sign-on?")
    wait_answered(page)
    assert titles_given(web) == {PRICING[0]}
    answer = last_answer(page)
    expect(sources(answer)).to_have_count(1)
    expect(freshness(sources(answer))).to_have_text(re.compile(r"^Verified · review by \S"))
    expect(answer.get_by_test_id("source-notice")).to_have_count(0)
    assert axe_violations(page) == []
    at_both_sizes(page, "governed-chat-scoped")

    # A reload shows the conversation's stored scope and the same badge.
    page.reload()
    expect(scope.get_by_role("listitem")).to_have_text(["Pricing"])
    expect(freshness(sources(last_answer(page)))).to_have_text(re.compile("^Verified"))

    # Cleared: the next question draws on everything again; its unverified source says so.
    scope.get_by_role("button", name="Clear scope").click()
    expect(scope).to_contain_text("all documents you can see")
    web.model.enqueue(
        Reply(tokens=("Yes, ", Cite("single sign-on", (), containing="single sign-on"), "."))
    )
    send(page, "Does Walrus Pro support single sign-on?")
    wait_answered(page)
    assert SECURITY[0] in titles_given(web)
    answer = last_answer(page)
    expect(freshness(sources(answer))).to_have_text("Unverified")
    notice = answer.get_by_test_id("source-notice")
    expect(notice).to_have_attribute("data-code", "unverified_sources")
    page.reload()
    expect(scope).to_contain_text("all documents you can see")
    expect(last_answer(page).get_by_test_id("source-notice")).to_have_attribute(
        "data-code", "unverified_sources"
    )

    # The owner expires the price list (a review date in the past): cited now, it is stale.
    page.get_by_role("link", name="Files", exact=True).click()
    dialog = manage(page, PRICING[0])
    dialog.get_by_role("button", name="Expire now").click()
    expect(freshness(dialog)).to_have_attribute("data-freshness", "stale")
    close(dialog)
    expect(freshness(row)).to_have_text(re.compile(r"^Stale since \S"))
    until_chat_sees_it(page)
    page.go_back()
    expect(page.get_by_test_id("answer")).to_have_count(2)
    web.model.enqueue(
        Reply(tokens=("Still ", Cite("55 dollars per seat", (), containing="55 dollars"), "."))
    )
    send(page, "And the Walrus Pro price per seat again?")
    wait_answered(page)
    answer = last_answer(page)
    expect(freshness(sources(answer))).to_have_text(re.compile(r"^Stale since \S"))
    expect(answer.get_by_test_id("source-notice")).to_have_attribute("data-code", "stale_sources")
    assert axe_violations(page) == []
    at_both_sizes(page, "governed-chat-stale")
    page.reload()
    answer = last_answer(page)
    expect(freshness(sources(answer))).to_have_text(re.compile(r"^Stale since \S"))
    expect(answer.get_by_test_id("source-notice")).to_have_attribute("data-code", "stale_sources")

    # Withdrawn: unverified again.
    page.get_by_role("link", name="Files", exact=True).click()
    dialog = manage(page, PRICING[0])
    dialog.get_by_role("button", name="Withdraw verification").click()
    expect(freshness(dialog)).to_have_attribute("data-freshness", "unverified")
    close(dialog)
    expect(freshness(row)).to_have_text("Unverified")


def test_ask_about_these_files_scopes_a_new_conversation(page: Page, web: WebPlatform) -> None:
    admin = new_tenant(web, "these")
    sign_in(page, web, admin, "/files")
    upload(page, [PRICING, SECURITY, ROADMAP])
    ask = page.get_by_role("button", name=re.compile("^Ask about these files"))
    expect(ask).to_be_disabled()
    page.get_by_label(f"Select {ROADMAP[0]}").check()
    page.get_by_label(f"Select {SECURITY[0]}").check()
    expect(ask).to_have_text("Ask about these files (2)")
    assert axe_violations(page) == []
    ask.click()

    expect(page).to_have_url(re.compile(r"/chat$"))
    scope = page.get_by_test_id("scope")
    chosen = scope.get_by_role("listitem")
    expect(chosen).to_have_count(2)
    assert sorted(chosen.all_inner_texts()) == [ROADMAP[0], SECURITY[0]]
    web.model.enqueue(Reply(tokens=(Cite("offline mode", (), containing="offline mode"),)))
    send(page, "What is new for Walrus Pro, and what does it cost?")
    wait_answered(page)
    assert titles_given(web) <= {SECURITY[0], ROADMAP[0]}, titles_given(web)
    assert ROADMAP[0] in titles_given(web)
    page.reload()
    expect(chosen).to_have_count(2)
    assert sorted(chosen.all_inner_texts()) == [ROADMAP[0], SECURITY[0]]

    # By keyboard: the picker opens, a file is unticked, and Apply narrows the scope.
    page.get_by_role("button", name="Choose sources").focus()
    page.keyboard.press("Enter")
    picker = page.get_by_role("dialog", name="Answer from")
    expect(picker).to_be_visible()
    picker.get_by_label(SECURITY[0]).focus()
    page.keyboard.press("Space")
    expect(picker.get_by_label(SECURITY[0])).not_to_be_checked()
    picker.get_by_role("button", name="Apply").focus()
    page.keyboard.press("Enter")
    expect(scope.get_by_role("listitem")).to_have_text([ROADMAP[0]])
    expect(scope).to_contain_text("from your next question")
    page.set_viewport_size(SIZES["phone"])
    assert axe_violations(page) == []
    at_both_sizes(page, "governed-chat-these-files")


def sign_in_as(page: Page, web: WebPlatform, user: TenantUser, path: str) -> Page:
    """A second signed-in tab (the session lives in each tab's sessionStorage)."""
    other = page.context.new_page()
    sign_in(other, web, user, path)
    return other


def test_an_audience_change_withholds_a_cited_source_from_a_member(
    page: Page, web: WebPlatform
) -> None:
    admin = new_tenant(web, "wall")
    member = invite(web, admin.tenant)
    sign_in(page, web, admin, "/admin")
    create_collection(page, "Board")
    page.get_by_role("link", name="Files", exact=True).click()
    upload(page, [ROADMAP], into=["Board"])

    rep = sign_in_as(page, web, member, "/chat")
    web.model.enqueue(Reply(tokens=(Cite("offline mode", (), containing="offline mode"),)))
    send(rep, "What is on the Walrus roadmap?")
    wait_answered(rep)
    expect(sources(last_answer(rep)).get_by_role("button")).to_have_text(
        re.compile(re.escape(ROADMAP[0]))
    )

    # Only administrators may see the Board collection from now on.
    page.get_by_role("link", name="Admin", exact=True).click()
    section = page.get_by_role("region", name="Collections", exact=True)
    section.get_by_role("button", name="Edit Board").click()
    editor = page.get_by_role("dialog", name="Edit Board")
    editor.get_by_label("Only these roles and people").check()
    editor.get_by_label("All administrators").check()
    assert axe_violations(page) == []
    editor.get_by_role("button", name="Save").click()
    expect(section.get_by_test_id("collection-row").filter(has_text="Board")).to_contain_text(
        "Administrators"
    )
    at_both_sizes(page, "governed-admin-collections")
    page.set_viewport_size(SIZES["phone"])
    for action in ("Edit", "Delete"):
        inside_viewport(page, section.get_by_role("button", name=f"{action} Board"))
    page.set_viewport_size(SIZES["desktop"])

    # The member's answer keeps its number but no longer shows the file (the view refreshes
    # within 5 s), and the file is gone from their list.
    withheld = rep.get_by_test_id("withheld")
    for _ in range(20):
        rep.reload()
        expect(last_answer(rep).locator(".markdown")).not_to_be_empty()
        if withheld.count():
            break
        rep.wait_for_timeout(500)
    expect(withheld).to_have_text("[1] Source no longer available")
    expect(rep.get_by_text(ROADMAP[0])).to_have_count(0)
    assert axe_violations(rep) == []
    rep.goto(web.url + "/files")
    expect(rep.get_by_role("heading", name="Your files")).to_be_visible()
    expect(file_row(rep, ROADMAP[0])).to_have_count(0)


def test_owner_resolves_a_content_issue_and_admin_reads_content_health(
    page: Page, web: WebPlatform
) -> None:
    admin = new_tenant(web, "issues")
    member = invite(web, admin.tenant)
    sign_in(page, web, admin, "/admin")
    users = page.get_by_role("region", name="Users")
    expect(users.get_by_role("cell", name=member.email, exact=True)).to_be_visible()
    page.get_by_role("link", name="Files", exact=True).click()
    upload(page, [PRICING, SECURITY, ROADMAP])

    # The admin hands the price list to the member, who now answers for it.
    dialog = manage(page, PRICING[0])
    dialog.get_by_label("Owner", exact=True).select_option(label=member.email)
    dialog.get_by_role("button", name="Change owner").click()
    expect(dialog.get_by_label("Owner", exact=True)).to_have_value(re.compile(".+"))
    close(dialog)
    expect(file_row(page, PRICING[0]).locator(".owner")).to_have_text(member.email)

    # Stale and cited: the security sheet, expired, then cited.
    dialog = manage(page, SECURITY[0])
    dialog.get_by_role("button", name="Expire now").click()
    expect(freshness(dialog)).to_have_attribute("data-freshness", "stale")
    close(dialog)
    until_chat_sees_it(page)

    page.get_by_role("link", name="Chat", exact=True).click()
    web.model.enqueue(
        Reply(tokens=("Yes, ", Cite("single sign-on", (), containing="single sign-on"), "."))
    )
    send(page, "Does Walrus Pro support single sign-on?")
    wait_answered(page)
    web.model.enqueue(
        Reply(tokens=("It is ", Cite("55 dollars per seat", (), containing="55 dollars"), "."))
    )
    send(page, "How much is Walrus Pro per seat?")
    wait_answered(page)
    down = last_answer(page).get_by_role("button", name="Bad answer")
    down.click()
    page.get_by_label("What was wrong? (optional)").fill("The price went up to 60 dollars")
    page.get_by_role("button", name="Send feedback").click()
    expect(page.get_by_test_id("announcer")).to_have_text("Thank you for the feedback.")
    # Twice the same question the documents do not answer (the answer cites nothing).
    for question in ("Who founded Walrus?", "who founded walrus"):
        web.model.enqueue(Reply(tokens=("I could not find that in your documents.",)))
        send(page, question)
        wait_answered(page)

    # The member, owner of the price list, finds the issue and resolves it with a note.
    rep = sign_in_as(page, web, member, "/files")
    expect(file_row(rep, PRICING[0]).locator(".owner")).to_have_text("You")
    expect(rep.get_by_role("button", name=f"Manage {PRICING[0]}")).to_be_visible()
    expect(rep.get_by_role("button", name=f"Manage {SECURITY[0]}")).to_have_count(0)
    rep.get_by_role("link", name="Content issues").click()
    issue = rep.get_by_test_id("content-issue")
    expect(issue).to_have_count(1)
    expect(issue).to_contain_text("How much is Walrus Pro per seat?")
    expect(issue).to_contain_text("The price went up to 60 dollars")
    expect(issue).to_contain_text(PRICING[0])
    assert axe_violations(rep) == []
    at_both_sizes(rep, "governed-content-issues")
    issue.get_by_label("Resolution note").fill("Price list updated to 60 dollars")
    issue.get_by_role("button", name="Resolve").click()
    expect(issue).to_have_count(0)
    expect(rep.get_by_text("No open issues")).to_be_visible()
    rep.get_by_label("Show").select_option("resolved")
    expect(issue).to_have_count(1)
    expect(issue).to_contain_text("Price list updated to 60 dollars")
    assert axe_violations(rep) == []

    # The admin sees every issue, and the content health report.
    page.get_by_role("link", name="Admin", exact=True).click()
    page.get_by_role("link", name="Content health").click()
    expect(page.get_by_role("heading", name="Content health", level=1)).to_be_visible()
    stale = page.get_by_role("region", name="Stale but cited")
    expect(stale).to_contain_text(SECURITY[0])
    expect(stale).to_contain_text("1 citation")
    expect(page.get_by_role("region", name="Most cited, never verified")).to_contain_text(
        PRICING[0]
    )
    expect(page.get_by_role("region", name="Most thumbs-down")).to_contain_text(PRICING[0])
    expect(page.get_by_role("region", name="Never cited")).to_contain_text(ROADMAP[0])
    unanswered = page.get_by_role("region", name="Questions the content could not answer")
    expect(unanswered).to_contain_text("asked 2 times")
    assert axe_violations(page) == []
    at_both_sizes(page, "governed-content-health")
    page.goto(web.url + "/issues")
    page.get_by_label("Show").select_option("resolved")
    expect(page.get_by_test_id("content-issue")).to_have_count(1)
