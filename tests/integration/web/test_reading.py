"""Issue 23, reading an answer and its sources: a citation opens its file at the place (a PDF
at its page in the browser's viewer, a sheet's range as a table, text with the passage
marked), right-to-left text reads right-to-left, words and tables fit a phone, foreign links
name their host, the composer survives input methods and phones, a repeated question is
answered once, and the sidebar and dialogs say what they should where they should."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.integration.web.conftest import (
    SIZES,
    WebPlatform,
    api_as,
    at_both_sizes,
    axe_violations,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_web_app import (
    drop_files,
    last_answer,
    message_box,
    send,
    wait_answered,
)
from tests.support.messages_server import Cite, Reply
from tests.unit.files.support import pdf_bytes

pytestmark = [pytest.mark.integration, pytest.mark.browser]


def upload(page: Page, name: str, content: bytes, content_type: str) -> str:
    """Uploads through the API from the page (the signed-in user's token); the file's id."""
    result: dict[str, Any] = page.evaluate(
        """async ([name, data, type]) => {
            const tokens = JSON.parse(sessionStorage.getItem('eiq.tokens'));
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const form = new FormData();
            form.append('file', new File([bytes], name, {type}));
            const response = await fetch('/api/upload-file', {
                method: 'POST', body: form,
                headers: {Authorization: `Bearer ${tokens.idToken}`},
            });
            return {status: response.status, body: await response.json()};
        }""",
        [name, base64.b64encode(content).decode(), content_type],
    )
    assert result["status"] == 201, result
    file_id = str(result["body"]["id"])
    for _ in range(240):
        status = api_as(page, "GET", f"/files/{file_id}")["body"]["status"]
        if status in ("ready", "failed"):
            assert status == "ready"
            return file_id
        page.wait_for_timeout(250)
    raise AssertionError(f"{name} was not ingested")


def deck(slides: list[tuple[str, str]]) -> bytes:
    """A PowerPoint deck with a title and a body on each slide."""
    import pptx

    presentation = pptx.Presentation()
    for title, body in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def served(page: Page, file_id: str) -> dict[str, Any]:
    """GET /api/files/{id}/content from the page: status and the headers that matter."""
    result: dict[str, Any] = page.evaluate(
        """async (id) => {
            const tokens = JSON.parse(sessionStorage.getItem('eiq.tokens'));
            const r = await fetch(`/api/files/${id}/content`,
                {headers: {Authorization: `Bearer ${tokens.idToken}`}});
            const h = (name) => r.headers.get(name);
            return {status: r.status, type: h('content-type'),
                    disposition: h('content-disposition'),
                    nosniff: h('x-content-type-options'), csp: h('content-security-policy')};
        }""",
        file_id,
    )
    return result


def test_a_pdf_citation_opens_the_browsers_viewer_at_its_page(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, new_tenant(web, "pdf"))
    pdf = pdf_bytes(["Welcome to the handbook", "Wombat Enterprise costs 77 euros per seat"])
    file_id = upload(page, "handbook.pdf", pdf, "application/pdf")
    # The model cites the sentence it says (decision 0109): the service numbers the source.
    cited = Cite("Wombat Enterprise costs 77 euros.", (), containing="77 euros")
    web.model.enqueue(Reply(tokens=(cited,)))
    send(page, "What does Wombat Enterprise cost per seat?")
    wait_answered(page)
    last_answer(page).locator("button.cite").first.click()
    panel = page.get_by_test_id("citation-panel")
    expect(panel.get_by_role("link", name="Download")).to_be_visible()
    panel.get_by_role("link", name="Open at page 2").click()

    expect(page).to_have_url(re.compile(rf"/files/{file_id}/view\?at=page\+2"))
    expect(page.get_by_role("heading", name="handbook.pdf")).to_be_visible()
    expect(page.get_by_test_id("cited-passage")).to_contain_text("Wombat Enterprise costs 77")
    opener = page.get_by_role("link", name="Open page 2 in the PDF viewer")
    expect(opener).to_have_attribute("href", re.compile(r"^blob:.*#page=2$"))
    with page.context.expect_page() as opened:
        opener.click()
    assert re.fullmatch(r"blob:.*#page=2", opened.value.url), opened.value.url
    opened.value.close()
    expect(page.get_by_role("link", name="Download")).to_have_attribute(
        "href", re.compile("^https?://")
    )
    assert axe_violations(page) == []
    at_both_sizes(page, "viewer-pdf")

    # Served inline with its type, nosniff and a sandbox; HTML never inline.
    headers = served(page, file_id)
    assert headers["status"] == 200
    assert headers["type"] == "application/pdf"
    assert headers["disposition"].startswith("inline;")
    assert headers["nosniff"] == "nosniff"
    assert headers["csp"].startswith("sandbox")
    html_id = upload(
        page, "page.html", b"<html><body><script>1</script>Hi</body></html>", "text/html"
    )
    html = served(page, html_id)
    assert html["disposition"].startswith("attachment;")
    assert "sandbox" in html["csp"]

    page.get_by_role("link", name="← Back").click()
    expect(last_answer(page)).to_contain_text("77 euros")


def test_a_sheet_range_opens_as_a_table_and_text_with_its_passage_marked(
    page: Page, web: WebPlatform
) -> None:
    sign_in(page, web, new_tenant(web, "sheet"))
    rows = "Plan,Price per seat,Seats included,Support level\n" + "".join(
        f"Plan {i},{10 * i} EUR,{i * 5},Business hours support level {i}\n" for i in range(1, 9)
    )
    csv_id = upload(page, "price list.csv", rows.encode(), "text/csv")
    page.goto(
        f"{web.url}/files/{csv_id}/view?at=rows+2-9&q=Plan%3A+Plan+3%3B+Price+per+seat%3A+30+EUR"
    )
    table = page.get_by_role("table")
    expect(table.get_by_role("columnheader", name="Price per seat")).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(9)  # the header and the eight rows
    expect(table.locator("tr.cited")).to_contain_text("30 EUR")
    assert axe_violations(page) == []
    at_both_sizes(page, "viewer-sheet")
    # On a phone the table scrolls inside its box; the page itself does not.
    page.set_viewport_size(SIZES["phone"])
    wrap = page.locator(".table-wrap")
    assert wrap.evaluate("(e) => e.scrollWidth > e.clientWidth")

    text = (
        "# Security\n\nWe encrypt all customer data at rest with AES-256 and rotate keys yearly.\n"
    )
    md_id = upload(page, "security.md", text.encode(), "text/markdown")
    page.set_viewport_size(SIZES["desktop"])
    page.goto(f"{web.url}/files/{md_id}/view?at=Security&q=rotate+keys+yearly")
    expect(page.get_by_test_id("cited-passage")).to_have_text("rotate keys yearly")
    expect(page.locator(".source-text")).to_contain_text("AES-256")
    at_both_sizes(page, "viewer-text")

    slides = deck([("Welcome", "Agenda"), ("Pricing", "Pro is 30 EUR")])
    deck_id = upload(page, "pitch.pptx", slides, "application/octet-stream")
    page.goto(f"{web.url}/files/{deck_id}/view?at=slide+2&q=Pro+is+30+EUR")
    slide = page.locator(".source-section.slide")
    expect(slide.get_by_role("heading", name="slide 2")).to_be_visible()
    expect(slide.get_by_test_id("cited-passage")).to_have_text("Pro is 30 EUR")
    at_both_sizes(page, "viewer-slide")


def test_answers_read_in_their_direction_and_fit_the_screen(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, new_tenant(web, "rtl"))
    table = "| Plan | Monthly price per seat | Annual price per seat | Seats | Support |\n"
    table += "|---|---|---|---|---|\n" + "| Professional | 30 EUR | 300 EUR | 25 | Business |\n"
    web.model.enqueue(
        Reply(
            tokens=(
                "مرحبا، خطة برو تكلف ثلاثين يورو.\n\n",
                "See [the price page](https://prices.example.net/pro) for more.\n\n",
                table,
            )
        )
    )
    send(page, "كم تكلفة خطة برو؟")
    wait_answered(page)
    question = page.locator(".message.user .bubble").last
    assert question.evaluate("(e) => getComputedStyle(e).direction") == "rtl"
    first = last_answer(page).locator(".markdown p").first
    assert first.evaluate("(e) => getComputedStyle(e).direction") == "rtl"
    second = last_answer(page).locator(".markdown p").nth(1)
    assert second.evaluate("(e) => getComputedStyle(e).direction") == "ltr"
    link = last_answer(page).get_by_role("link", name=re.compile("the price page"))
    expect(link).to_contain_text("(prices.example.net)")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    # A one-word message is one line at desktop width ("continue", not "conti/nue").
    send(page, "continue")
    wait_answered(page)
    lines = page.locator(".message.user .bubble").last.evaluate(
        """(e) => { const r = document.createRange(); r.selectNodeContents(e);
                    return new Set([...r.getClientRects()].map((c) => Math.round(c.top))).size; }"""
    )
    assert lines == 1
    at_both_sizes(page, "chat-rtl-table")
    page.set_viewport_size(SIZES["phone"])
    answer_table = page.locator(".markdown table").first
    answer_table.scroll_into_view_if_needed()
    # Scrolls sideways inside the answer; no column is squeezed to a letter per line.
    assert answer_table.evaluate("(e) => e.scrollWidth > e.clientWidth")
    narrowest = answer_table.evaluate(
        """(e) => Math.min(...[...e.querySelectorAll('th')]
            .map((c) => c.getBoundingClientRect().width))"""
    )
    assert narrowest > 40


def test_the_composer_waits_for_the_input_method_and_asks_once(
    page: Page, web: WebPlatform
) -> None:
    sign_in(page, web, new_tenant(web, "ime"))
    keys: list[str] = []
    page.on(
        "request",
        lambda r: (
            keys.append(r.headers.get("idempotency-key", ""))
            if r.url.endswith("/api/chat") and r.method == "POST"
            else None
        ),
    )
    box = message_box(page)
    box.fill("日本語")
    # Safari's order: compositionend first, then the committing Enter's keydown (keyCode 229).
    box.evaluate(
        """(e) => {
            e.dispatchEvent(new CompositionEvent('compositionstart', {bubbles: true}));
            e.dispatchEvent(
                new CompositionEvent('compositionend', {bubbles: true, data: '日本語'}));
            e.dispatchEvent(new KeyboardEvent('keydown',
                {key: 'Enter', keyCode: 229, bubbles: true, cancelable: true}));
        }"""
    )
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("answer")).to_have_count(0)
    expect(box).to_have_value("日本語")
    box.press("Enter")  # the rep's own Enter, after the composition: sends
    wait_answered(page)
    assert len(keys) == 1
    assert re.fullmatch(r"[0-9a-f-]{32,36}", keys[0])

    # The same key again (a double submission) is the same answer, not a second turn.
    asked = len(web.model.requests)
    replies: list[dict[str, Any]] = page.evaluate(
        """async () => {
            const tokens = JSON.parse(sessionStorage.getItem('eiq.tokens'));
            const ask = (message) => fetch('/api/chat', {method: 'POST', headers: {
                Authorization: `Bearer ${tokens.idToken}`, 'Content-Type': 'application/json',
                'Idempotency-Key': 'double-submit-key-1'}, body: JSON.stringify({message})})
              .then(async (r) => ({status: r.status, text: await r.text()}));
            const first = await ask('Once?');
            const second = await ask('Once?');
            return [first, second, await ask('Something else')];
        }"""
    )
    meta = [re.search(r'"conversationId":"(\w+)"', r["text"]) for r in replies[:2]]
    assert meta[0] is not None
    assert meta[1] is not None
    assert meta[0].group(1) == meta[1].group(1)
    assert len(web.model.requests) == asked + 1
    assert replies[2]["status"] == 422
    assert "idempotency_key_reused" in replies[2]["text"]


def test_on_a_phone_enter_makes_a_new_line_and_send_sends(
    browser: Browser, web: WebPlatform
) -> None:
    context = browser.new_context(viewport=SIZES["phone"], has_touch=True, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, web, new_tenant(web, "phone"))
        box = message_box(page)
        box.fill("First line")
        box.press("Enter")
        box.press_sequentially("second line")
        expect(box).to_have_value("First line\nsecond line")
        expect(page.get_by_test_id("answer")).to_have_count(0)
        page.get_by_role("button", name="Send").click()
        wait_answered(page)
        expect(page.locator(".message.user .bubble").last).to_have_text("First line\nsecond line")
    finally:
        context.close()


def test_the_sidebar_dates_conversations_and_the_rename_dialog_keeps_its_error(
    page: Page, web: WebPlatform
) -> None:
    sign_in(page, web, new_tenant(web, "side"))
    title = "Quarterly business review preparation for the Northwind account renewal in March"
    send(page, title)
    wait_answered(page)
    sidebar = page.get_by_role("navigation", name="Conversations")
    item = sidebar.get_by_role("link", name=re.compile("Quarterly business review"))
    expect(item).to_have_attribute("title", title[:60])
    expect(item.locator("time")).to_have_text(re.compile(r"\d"))
    at_both_sizes(page, "chat-sidebar-dates")

    sidebar.get_by_role("button", name=re.compile("^Rename")).first.click()
    dialog = page.get_by_role("dialog", name="Rename conversation")
    dialog.get_by_label("Title").fill("   ")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("A title has 1 to")
    expect(sidebar.locator(".notice")).to_have_count(0)  # not outside, behind the dialog
    dialog.get_by_label("Title").fill("Northwind QBR")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(sidebar.get_by_role("link", name=re.compile("Northwind QBR"))).to_be_visible()
    sidebar.get_by_role("button", name=re.compile("^Rename")).first.click()
    expect(page.get_by_role("dialog").get_by_role("alert")).to_have_count(0)  # cleared


def test_a_long_upload_error_leaves_the_file_name_its_width(page: Page, web: WebPlatform) -> None:
    sign_in(page, web, new_tenant(web, "uperr"), "/files")
    name = "Quarterly-pricing-and-discount-approval-matrix-final-v7.exe"
    page.get_by_test_id("dropzone").evaluate(
        """(zone, name) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array([77, 90, 0, 0, 1, 2, 3])], name));
            const init = {bubbles: true, cancelable: true, dataTransfer: data};
            zone.dispatchEvent(new DragEvent('dragover', init));
            zone.dispatchEvent(new DragEvent('drop', init));
        }""",
        name,
    )
    failed = page.locator(".upload-failed")
    expect(failed.locator(".upload-state")).to_contain_text("not accepted")
    for size in ("desktop", "phone"):
        page.set_viewport_size(SIZES[size])
        width = failed.locator(".file-name").evaluate("(e) => e.getBoundingClientRect().width")
        assert width > SIZES[size]["width"] * 0.4, (size, width)
    at_both_sizes(page, "files-upload-error")
    # A failed file's reason in the list does not squeeze its name either.
    drop_files(page, [(name.replace(".exe", ".pdf"), "%PDF-1.7\nnot really a PDF\n")])
    row = page.get_by_test_id("file-row").first
    expect(row.locator("[data-status]")).to_have_attribute("data-status", "failed", timeout=60_000)
    page.set_viewport_size(SIZES["desktop"])
    width = row.locator(".file-name").evaluate("(e) => e.getBoundingClientRect().width")
    assert width > 350, width
    # The next upload starts afresh: the old failure's message goes.
    drop_files(page, [("fine.md", "# Fine\nA file that works.\n")])
    expect(page.locator(".upload", has_text="fine.md")).to_contain_text("Uploaded")
    expect(failed).to_have_count(0)


def test_a_question_sent_again_after_stop_or_failure_is_asked_again_after_a_drop_followed(
    page: Page, web: WebPlatform
) -> None:
    sign_in(page, web, new_tenant(web, "again"))
    send(page, "Where are we?")
    wait_answered(page)

    # Stopped, then sent again: asked again (decision 0110), not the stopped answer replayed.
    web.model.enqueue(Reply(tokens=("Slow ", *(["on "] * 40)), interval=0.1))
    send(page, "Stop me")
    expect(last_answer(page)).to_contain_text("Slow")
    page.get_by_role("button", name="Stop").click()
    expect(last_answer(page)).to_contain_text("Stopped")
    asked = len(web.model.requests)
    web.model.enqueue(Reply(tokens=("Asked afresh.",)))
    send(page, "Stop me")
    wait_answered(page)
    assert len(web.model.requests) == asked + 1
    expect(last_answer(page)).to_contain_text("Asked afresh.")

    # The model breaks mid-answer: the service says so, and the rep sends the question again.
    web.model.enqueue(Reply(tokens=("Half ", "an ", "answer"), error_after=2))
    send(page, "What does Pro cost?")
    expect(page.get_by_test_id("announcer")).to_have_text(re.compile("did not finish"))
    asked = len(web.model.requests)
    web.model.enqueue(Reply(tokens=("A whole new answer.",)))
    send(page, "What does Pro cost?")
    wait_answered(page)
    assert len(web.model.requests) == asked + 1  # asked again, not the failure replayed
    expect(last_answer(page)).to_contain_text("A whole new answer.")

    # The connection drops before `done`: the page reattaches to the answer after the last
    # event it read (decision 0114); the answer arrives once, whole, with no second model call.
    web.model.enqueue(Reply(tokens=("Kept ", "once.")))

    def cut_before_done(route: Any) -> None:
        response = route.fetch()
        body = response.body()
        route.fulfill(response=response, body=body[: body.index(b"event: done")])

    page.route("**/api/chat", cut_before_done)
    asked = len(web.model.requests)
    send(page, "Say it once")
    expect(last_answer(page)).to_contain_text("Kept once.")
    expect(page.get_by_role("button", name="Send")).to_be_visible()  # the stream ended
    page.unroute("**/api/chat")
    assert len(web.model.requests) == asked + 1
    expect(page.locator(".message.user", has_text="Say it once")).to_have_count(1)
    expect(page.get_by_test_id("answer").filter(has_text="Kept once.")).to_have_count(1)
    expect(last_answer(page)).not_to_contain_text("Kept once.Kept")

    # The connection drops mid-answer: the service goes on writing it, and the page follows
    # it again from where it was to its end (not a cut answer to continue).
    web.model.enqueue(Reply(tokens=("Cut ", "here ", *(["on "] * 30), "end."), interval=0.1))

    def drop_mid_answer(route: Any) -> None:
        received = b""
        with httpx.stream(
            "POST",
            route.request.url,
            headers=route.request.headers,
            content=route.request.post_data_buffer,
            timeout=30,
        ) as response:
            for piece in response.iter_bytes():
                received += piece
                if b"here" in received:
                    break  # the service sees the client go
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=received)

    page.route("**/api/chat", drop_mid_answer)
    send(page, "Cut me off")
    expect(last_answer(page)).to_contain_text("Cut here " + "on " * 30 + "end.", timeout=15_000)
    expect(page.get_by_role("button", name="Send")).to_be_visible()  # the stream ended
    page.unroute("**/api/chat")
    expect(page.get_by_role("button", name="Continue")).to_have_count(0)
