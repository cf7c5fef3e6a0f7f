"""The files page at a real team's scale (issue 24, decision 0116): a new version uploaded and
an older one restored from the page (one row per document), the accepted types and size limit
from the service's list (PowerPoint and Excel in the picker, an oversize file refused before
any byte is sent, with no row left), and a tenant of 1,000 files found by name, sorted, loaded
page after page and refreshed without losing the pages loaded, with Delete offered only where
the reader may delete; each screen at desktop and phone sizes with axe clean. With every
listing answer held back in the browser, "Load more" is never queued behind the refresh: the
refresh in flight stops, none starts while the page loads, and one click is one page."""

from __future__ import annotations

import json
import math
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect

from engageiq.local.aws import aws_client
from engageiq_files.catalog.catalog import file_key
from engageiq_files.catalog.records import FileRecord, FileStatus, new_file_id, now_iso, to_item
from engageiq_tenancy.context import Role, TenantContext
from tests.integration.web.conftest import (
    SIZES,
    WebPlatform,
    api_as,
    at_both_sizes,
    axe_violations,
    invite,
    new_tenant,
    sign_in,
)
from tests.integration.web.test_web_app import drop_files

pytestmark = [pytest.mark.integration, pytest.mark.browser]

DECK_V1 = "# Deck\nThe Narwhal plan costs 40 dollars.\n"
DECK_V2 = "# Deck\nThe Narwhal plan costs 45 dollars.\n"
THOUSAND = 1000
SLOW = 60_000
"""A bound for answers that read the whole catalog of 1,000 files: the local platform's moto
takes seconds for it on a loaded machine (DynamoDB, milliseconds); not a measurement."""


def row(page: Page, name: str) -> Locator:
    return page.get_by_test_id("file-row").filter(has_text=name)


def status_of(where: Locator) -> Locator:
    return where.locator("[data-status]")


def test_a_new_version_and_a_restore_from_the_files_page(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "vers")
    sign_in(page, web, owner, "/files")
    drop_files(page, [("narwhal-deck.md", DECK_V1)])
    expect(status_of(row(page, "narwhal-deck.md"))).to_have_attribute(
        "data-status", "ready", timeout=60_000
    )
    first = api_as(page, "GET", "/files")["body"]["files"][0]["id"]

    page.get_by_role("button", name="Versions of narwhal-deck.md").click()
    dialog = page.get_by_role("dialog", name="Versions of narwhal-deck.md")
    expect(dialog.get_by_test_id("version")).to_have_count(1)
    second: FilePayload = {
        "name": "narwhal-deck.md",
        "mimeType": "text/markdown",
        "buffer": DECK_V2.encode(),
    }
    dialog.get_by_label("Choose the new version of narwhal-deck.md").set_input_files(second)
    expect(dialog.get_by_test_id("upload")).to_contain_text("Uploaded", timeout=30_000)
    # The new version shares its document's row; the dialog follows it as it becomes current.
    expect(dialog.get_by_test_id("version")).to_have_count(2, timeout=60_000)
    expect(page.get_by_test_id("file-row")).to_have_count(1)
    expect(status_of(row(page, "narwhal-deck.md"))).to_have_attribute("data-status", "ready")
    listed = api_as(page, "GET", "/files")["body"]["files"]
    assert len(listed) == 1
    assert listed[0]["id"] != first
    expect(dialog.get_by_test_id("version").first).to_contain_text("Current")
    assert axe_violations(page) == []
    page.set_viewport_size(SIZES["phone"])
    assert axe_violations(page) == []
    at_both_sizes(page, "files-versions")

    dialog.get_by_role("button", name=re.compile("^Restore the version from")).click()
    expect(page.get_by_test_id("announcer")).to_contain_text("is current again")
    expect(dialog.get_by_test_id("version").last).to_contain_text("Current")
    listed = api_as(page, "GET", "/files")["body"]["files"]
    assert [f["id"] for f in listed] == [first]
    expect(page.get_by_test_id("file-row")).to_have_count(1)


def test_accepted_types_come_from_the_service_and_oversize_is_refused_before_upload(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "types")
    sign_in(page, web, owner, "/files")
    hint = page.get_by_test_id("accepted-types")
    expect(hint).to_contain_text("PowerPoint")
    expect(hint).to_contain_text("Excel")
    accept = page.locator("#file-picker").get_attribute("accept") or ""
    assert {".pptx", ".xlsx", ".docx", ".pdf", ".png"} <= set(accept.split(","))
    limits = api_as(page, "GET", "/files/upload-limits")["body"]
    limit_mb = round(limits["maxBytes"] / 1e6)
    expect(hint).to_contain_text(f"up to {limit_mb} MB each")

    sent: list[str] = []
    page.on("request", lambda r: sent.append(f"{r.method} {r.url}"))
    page.get_by_test_id("dropzone").evaluate(
        """(zone, size) => {
            const data = new DataTransfer();
            data.items.add(new File([new Uint8Array(size)], 'huge-deck.pptx'));
            const init = {bubbles: true, cancelable: true, dataTransfer: data};
            zone.dispatchEvent(new DragEvent('drop', init));
        }""",
        limits["maxBytes"] + 1,
    )
    refused = page.get_by_test_id("upload").filter(has_text="huge-deck.pptx")
    expect(refused).to_contain_text(f"larger than the {limit_mb} MB limit")
    page.wait_for_timeout(500)
    assert not [r for r in sent if r.startswith("POST")], sent
    expect(page.get_by_test_id("file-row")).to_have_count(0)
    assert api_as(page, "GET", "/files")["body"]["files"] == []
    assert axe_violations(page) == []
    at_both_sizes(page, "files-oversize")


def seed_files(web: WebPlatform, tenant: str, uploader: str, count: int = THOUSAND) -> list[str]:
    """`count` files written straight into the catalog, as that many uploads would leave them:
    ready, but for the newest and the oldest, still processing (so the page keeps refreshing,
    and the oldest row is refreshed by id once loaded); their names, oldest first."""
    caller = TenantContext(tenant, uploader, "", frozenset({Role.MEMBER}))
    dynamodb = aws_client("dynamodb", web.outputs["awsEndpointUrl"])
    reports = [f"report-{i:04d}.md" for i in range(1, count - 1)]
    names = ["work in progress.md", *reports, "zebra quarterly review.md"]
    items: list[dict[str, Any]] = []
    for i, name in enumerate(names):
        if i == 1:
            # Ids order by the millisecond first: the oldest must be older than all others.
            time.sleep(0.002)
        file_id = new_file_id()
        record = FileRecord(
            id=file_id,
            name=name,
            status=FileStatus.PROCESSING if i in (0, count - 1) else FileStatus.READY,
            size=100 + i,
            content_type="text/markdown",
            kind="md",
            object_key=f"{tenant}/files/{file_id}",
            created_at=now_iso(),
            updated_at=now_iso(),
            uploaded_by=uploader,
        )
        items.append(to_item(record, file_key(caller, file_id)))
    table = web.outputs["filesTableName"]
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
        dynamodb.batch_write_item(RequestItems={table: batch})
    return names


def test_a_thousand_files_found_sorted_paged_and_refreshed(page: Page, web: WebPlatform) -> None:
    admin = new_tenant(web, "scale")
    member = invite(web, admin.tenant)
    sign_in(page, web, admin, "/files")
    names = seed_files(web, admin.tenant, f"someone-{secrets.token_hex(3)}")
    page.reload()
    rows = page.get_by_test_id("file-row")
    expect(rows).to_have_count(50, timeout=SLOW)
    # Two files still processing: the batch's progress, and the page keeps refreshing.
    expect(page.get_by_test_id("batch-progress")).to_have_text(
        re.compile(rf"{THOUSAND - 2} of {THOUSAND} processed"), timeout=SLOW
    )

    # Load more twice, then let the refresh run several times: the pages loaded stay.
    more = page.get_by_role("button", name="Load more")
    more.click()
    expect(rows).to_have_count(100, timeout=SLOW)
    more.click()
    expect(rows).to_have_count(150, timeout=SLOW)
    page.wait_for_timeout(4000)  # two or more refreshes
    expect(rows).to_have_count(150, timeout=SLOW)

    # Every page, down to the last: the page stays usable at 1,000 rows.
    for loaded in range(200, THOUSAND + 1, 50):
        more.click()
        expect(rows).to_have_count(loaded, timeout=SLOW)
    expect(more).to_have_count(0)
    # The processing row, now loaded, is refreshed by id rather than by paging again.
    with page.expect_request(re.compile(r"/api/files\?fileId="), timeout=SLOW):
        pass
    expect(rows).to_have_count(THOUSAND, timeout=SLOW)
    page.get_by_label(f"Select {names[0]}").check()
    expect(page.get_by_role("button", name=re.compile("^Ask about these files"))).to_have_text(
        "Ask about these files (1)"
    )
    # A tenant admin may delete every file.
    expect(page.get_by_role("button", name=f"Delete {names[0]}")).to_be_visible()

    # Found by name on the service (not among the rows loaded), and sorted.
    search = page.get_by_role("searchbox", name="Find files by name")
    search.fill("ZEBRA quarterly")
    expect(rows).to_have_count(1, timeout=SLOW)
    expect(rows.first).to_contain_text("zebra quarterly review.md", timeout=SLOW)
    search.fill("")
    expect(rows).to_have_count(50, timeout=SLOW)
    page.get_by_label("Sort by").select_option(label="Name, Z to A")
    expect(rows.first).to_contain_text("zebra quarterly review.md", timeout=SLOW)
    page.get_by_label("Sort by").select_option(label="Name, A to Z")
    expect(rows.first).to_contain_text("report-0001.md", timeout=SLOW)
    page.get_by_label("Sort by").select_option(label="Status, failed first")
    expect(rows.first).to_contain_text(
        "work in progress.md", timeout=SLOW
    )  # processing, then by name
    assert axe_violations(page) == []
    at_both_sizes(page, "files-thousand")

    # A member who owns none of them is offered no Delete and no Manage.
    other = page.context.new_page()
    sign_in(other, web, member, "/files")
    member_rows = other.get_by_test_id("file-row")
    expect(member_rows).to_have_count(50, timeout=SLOW)
    expect(other.get_by_role("button", name=re.compile("^Delete "))).to_have_count(0)
    expect(other.get_by_role("button", name=re.compile("^Manage "))).to_have_count(0)
    listed = api_as(other, "GET", "/files?limit=5")["body"]["files"]
    assert all(f["can"]["delete"] is False for f in listed)
    other.set_viewport_size(SIZES["phone"])
    assert axe_violations(other) == []


HELD_ANSWERS = """(held) => {
  // Each answer of GET /api/files reaches the app late by its kind's `held` ms, as from a
  // loaded service (an abort still ends it at once, as it ends a slow request); each request
  // is logged with its kind, start, end and whether it was stopped.
  const send = window.fetch.bind(window);
  const log = (window.__listing = []);
  window.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!url.includes("/api/files?")) return send(input, init);
    const kind = url.includes("cursor=") ? "page" : url.includes("fileId=") ? "ids" : "first";
    const entry = { kind, url, start: performance.now(), end: null, stopped: false };
    log.push(entry);
    const signal = init?.signal;
    try {
      const response = await send(input, init);
      await new Promise((resolve, reject) => {
        const timer = setTimeout(resolve, held[kind]);
        signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(new DOMException("stopped", "AbortError"));
        });
      });
      return response;
    } catch (error) {
      entry.stopped = signal?.aborted ?? false;
      throw error;
    } finally {
      entry.end = performance.now();
    }
  };
}"""
HELD_MS = {"page": 2500, "first": 6000, "ids": 6000}
"""A refresh answers far later than a page: a click lands while one is in flight, surely."""
Entry = dict[str, Any]


def listing_log(page: Page) -> list[Entry]:
    """The held answers' log; a request still in flight ends at infinity."""
    log: list[Entry] = page.evaluate("window.__listing")
    return [{**r, "end": math.inf if r["end"] is None else r["end"]} for r in log]


def wait_for_request(page: Page, wanted: Callable[[Entry], bool]) -> None:
    """Returns once the log holds a request `wanted` (the app's CSP refuses
    `wait_for_function`'s evaluated strings, so the log is polled)."""
    deadline = time.monotonic() + SLOW / 1000
    while not any(wanted(r) for r in listing_log(page)):
        assert time.monotonic() < deadline, "no such request"
        page.wait_for_timeout(50)


def test_load_more_goes_first_one_page_a_click_never_behind_the_refresh(
    page: Page, web: WebPlatform
) -> None:
    admin = new_tenant(web, "first")
    sign_in(page, web, admin, "/files")
    seed_files(web, admin.tenant, f"someone-{secrets.token_hex(3)}", count=200)
    page.add_init_script(f"({HELD_ANSWERS})({json.dumps(HELD_MS)})")
    page.reload()
    rows = page.get_by_test_id("file-row")
    expect(rows).to_have_count(50, timeout=SLOW)
    more = page.get_by_role("button", name="Load more")

    clicks: list[float] = []
    for loaded in (100, 150):
        # A refresh of the first page in flight (a file is processing: it runs all along).
        wait_for_request(page, lambda r: r["kind"] == "first" and r["end"] == math.inf)
        clicks.append(page.evaluate("performance.now()"))
        more.click()
        more.click()  # a second click while the page loads: no second request, no stale cursor
        expect(rows).to_have_count(loaded, timeout=SLOW)
    log = listing_log(page)
    pages = [r for r in log if r["kind"] == "page"]
    assert len(pages) == 2, pages  # one request a page, each with its own cursor
    assert len({r["url"] for r in pages}) == 2
    for clicked, answered in zip(clicks, pages, strict=True):
        assert not answered["stopped"]
        # The refresh in flight at the click stopped there, before the page was answered...
        in_flight = [r for r in log if r["kind"] != "page" and r["start"] < clicked < r["end"]]
        assert in_flight, "a refresh was in flight when Load more was clicked"
        assert all(r["stopped"] and r["end"] < answered["end"] for r in in_flight), in_flight
        # ...and none started while the page loaded.
        assert not [r for r in log if answered["start"] < r["start"] < answered["end"]]
    # The refresh goes on after the pages (the timer's next tick), and the pages stay.
    wait_for_request(page, lambda r: r["kind"] == "first" and r["start"] > pages[-1]["end"])
    expect(rows).to_have_count(150)
