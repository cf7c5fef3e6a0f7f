"""Cited answers in the browser (decision 0109): the sources are only the passages the answer
cites, numbered as its markers; a reload shows exactly what the stream showed, places
included; Stop then Continue grows the same answer, whose new part has its sources."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Locator, Page, expect

from tests.integration.web.conftest import (
    WebPlatform,
    at_both_sizes,
    axe_violations,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_web_app import drop_files, last_answer, send, wait_answered
from tests.support.messages_server import Cite, Reply, search_results

DOCUMENTS = [
    ("quokka-pricing.md", "# Pricing\nThe Quokka Pro plan costs 55 dollars per seat.\n"),
    ("quokka-security.md", "# Security\nQuokka Pro supports single sign-on with SAML.\n"),
    ("quokka-trial.md", "# Trial\nA Quokka trial lasts 14 days, Pro included.\n"),
]


def shown(answer: Locator) -> dict[str, Any]:
    """What the reader sees of an answer: its rendered text (markers included), its sources
    and each source's panel."""
    page = answer.page
    panels = []
    for button in answer.locator(".sources button").all():
        button.click()
        panel = page.get_by_test_id("citation-panel")
        panels.append(panel.locator(".citation-file, .citation-date, .passage").all_inner_texts())
        panel.get_by_role("button", name="Close source").click()
        expect(panel).to_have_count(0)
    return {
        "text": answer.locator(".markdown").inner_html(),
        "sources": answer.locator(".sources li").all_inner_texts(),
        "panels": panels,
        "uncited": answer.get_by_test_id("uncited").count(),
    }


def reloaded(page: Page) -> Locator:
    page.reload()
    answer: Locator = last_answer(page)
    expect(answer.locator(".markdown")).not_to_be_empty()
    return answer


def test_only_cited_sources_are_shown_and_a_reload_shows_the_same(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "cited")
    sign_in(page, web, owner, "/files")
    drop_files(page, DOCUMENTS)
    for name, _ in DOCUMENTS:
        row = page.get_by_test_id("file-row").filter(has_text=name)
        expect(row.locator("[data-status]")).to_have_attribute(
            "data-status", "ready", timeout=60_000
        )
    page.get_by_role("link", name="Chat", exact=True).click()

    web.model.enqueue(
        Reply(
            tokens=(
                "Quokka Pro ",
                Cite("costs 55 dollars per seat", (), containing="55 dollars"),
                " and ",
                Cite("supports single sign-on", (), containing="single sign-on"),
                ".",
            ),
            interval=0.02,
        )
    )
    send(page, "What does Quokka Pro cost, does it have single sign-on, and the trial?")
    wait_answered(page)
    answer = last_answer(page)
    given = search_results(web.model.requests[-1].body)
    assert len(given) == 3, [r["title"] for r in given]  # the trial notes were retrieved too
    expect(answer.locator("button.cite")).to_have_text(["1", "2"])
    # Each source names its file and place, then its freshness (decision 0111).
    expect(answer.locator(".sources li button")).to_have_text(
        ["[1] quokka-pricing.md · Pricing", "[2] quokka-security.md · Security"]
    )
    expect(answer.locator(".sources li [data-freshness]")).to_have_text(
        ["Unverified", "Unverified"]
    )
    live = shown(answer)
    place, uploaded, passage = live["panels"][0]
    assert (place, passage) == (
        "quokka-pricing.md · Pricing",
        "The Quokka Pro plan costs 55 dollars per seat.",
    )
    # The version the answer cites: the upload date streamed and stored with the source.
    assert re.fullmatch(r"Uploaded \w.*\d{4}", uploaded), uploaded
    assert shown(reloaded(page)) == live
    assert axe_violations(page) == []
    at_both_sizes(page, "chat-cited-sources")

    # Stop, then Continue: the same answer grows, and its new part cites a new source.
    web.model.enqueue(
        Reply(
            tokens=(
                Cite("A trial lasts 14 days", (), containing="14 days"),
                *(f" word{i}" for i in range(300)),
            ),
            interval=0.03,
        )
    )
    send(page, "And the Quokka trial, and the Pro price again?")
    expect(last_answer(page)).to_contain_text("word5")
    page.get_by_role("button", name="Stop").click()
    expect(last_answer(page)).to_contain_text("Stopped")
    web.model.enqueue(
        Reply(
            tokens=(
                ". Pro ",
                Cite("costs 55 dollars per seat", (), containing="55 dollars"),
                ".",
            )
        )
    )
    page.get_by_role("button", name="Continue", exact=True).click()
    wait_answered(page)
    expect(page.locator(".message.user")).to_have_count(2)
    expect(page.get_by_test_id("answer")).to_have_count(2)
    answer = last_answer(page)
    expect(answer).to_contain_text("word5")
    expect(answer.locator(".sources li button")).to_have_text(
        ["[1] quokka-trial.md · Trial", "[2] quokka-pricing.md · Pricing"]
    )
    expect(answer.locator("button.cite")).to_have_text(["1", "2"])
    live = shown(answer)
    assert shown(reloaded(page)) == live

    # A reply without citations says so and shows no sources, live and after a reload.
    web.model.enqueue(Reply(tokens=("Probably ", "yes.")))
    send(page, "Is Quokka good for a trial with SSO?")
    wait_answered(page)
    answer = last_answer(page)
    expect(answer.get_by_test_id("uncited")).to_contain_text("does not cite your documents")
    expect(answer.locator(".sources")).to_have_count(0)
    live = shown(answer)
    assert shown(reloaded(page)) == live
