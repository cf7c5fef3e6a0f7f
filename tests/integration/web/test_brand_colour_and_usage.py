"""The admin page's brand colour and usage chart (issue 24): the colour field previews a button,
a link and bars in the colour with its contrast ratios, the same figures as the server's rule
(engageiq_tenancy.brand_colour), and warns before saving a colour the server refuses; a colour
stored before the rule falls back to the default; the usage chart labels its days and its
busiest day, table and total agree with the month's total. Desktop and phone, axe clean."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from engageiq.provisioning.usage import operator_context
from engageiq_tenancy.brand_colour import check_brand_colour, shown
from engageiq_tenancy.tenants import operator_record_key
from engageiq_tenancy.usage_keys import current_month, daily_usage_key, usage_key
from tests.integration.web.conftest import (
    SIZES,
    WebPlatform,
    at_both_sizes,
    axe_violations,
    new_tenant,
    sign_in,
)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

DEFAULT_COLOUR = "#1f6feb"
# Readable and unreadable colours, light and dark, with black and with white button text.
COLOURS = ("#0b7a75", "#ffffff", "#ffcc00", "#767676", "#949494", "#1f6feb", "#000000", "#f5a3c7")


def css_variable(page: Page, name: str) -> str:
    value = page.evaluate(f"getComputedStyle(document.documentElement).getPropertyValue('{name}')")
    return str(value).strip()


def rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def axe_clean_at_both_sizes(page: Page, name: str) -> None:
    for viewport in SIZES.values():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)
        assert axe_violations(page) == [], viewport
    at_both_sizes(page, name)


def test_the_colour_field_previews_warns_and_the_server_refuses_what_it_warns_about(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "hue")
    sign_in(page, web, owner, "/admin")
    branding = page.get_by_role("region", name="Branding")
    hex_input = branding.get_by_label("Primary colour as hex")
    preview = branding.get_by_test_id("brand-preview")
    ratios = branding.get_by_test_id("brand-colour-ratios")
    warning = branding.get_by_test_id("brand-colour-warning")

    # The web app's figures are the server's, for every colour of the table.
    for colour in COLOURS:
        check = check_brand_colour(colour)
        hex_input.fill(colour)
        text = "black" if check.text_colour == "#000000" else "white"
        expect(ratios).to_contain_text(f"Button text ({text}): {shown(check.text_ratio)}:1")
        expect(ratios).to_contain_text(f"Against the page: {shown(check.page_ratio)}:1")
        button = preview.locator(".brand-preview-button")
        expect(button).to_have_css("background-color", rgb(colour))
        expect(button).to_have_css("color", rgb(check.text_colour))
        expect(warning).to_have_count(0 if check.readable else 1)

    hex_input.fill("#ffffff")
    expect(warning).to_contain_text("too light")
    expect(hex_input).to_have_attribute("aria-invalid", "true")
    axe_clean_at_both_sizes(page, "admin-brand-colour-warning")

    # Saving anyway: the server refuses with its sentence, and nothing changes.
    branding.get_by_role("button", name="Save branding").click()
    expect(branding.get_by_role("alert")).to_contain_text(
        "#ffffff reaches only 1.00:1 against the page; at least 3:1 is needed"
    )
    assert css_variable(page, "--brand") == DEFAULT_COLOUR

    hex_input.fill("#0b7a75")
    expect(warning).to_have_count(0)
    branding.get_by_role("button", name="Save branding").click()
    expect(branding.get_by_text("Saved.")).to_be_visible()
    assert css_variable(page, "--brand") == "#0b7a75"
    assert css_variable(page, "--on-brand") == "#ffffff"


def test_a_colour_stored_before_the_rule_falls_back_to_the_default(
    page: Page, web: WebPlatform
) -> None:
    owner = new_tenant(web, "pale")
    target = web.target()
    # Written as a record from before the rule was; the API and the CLI refuse it now.
    target.client("dynamodb").update_item(
        TableName=target.tables["tenants"],
        Key={k: {"S": v} for k, v in operator_record_key(owner.tenant).items()},
        UpdateExpression="SET branding = :b",
        ExpressionAttributeValues={":b": {"M": {"primaryColor": {"S": "#fafafa"}}}},
    )
    page.goto(f"{web.url}/?tenant={owner.tenant}")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert css_variable(page, "--brand") == DEFAULT_COLOUR

    sign_in(page, web, owner, "/admin")
    branding = page.get_by_role("region", name="Branding")
    # The app draws with the default; the field shows the stored colour and why it is not used.
    expect(branding.get_by_label("Primary colour as hex")).to_have_value("#fafafa")
    expect(branding.get_by_test_id("brand-colour-warning")).to_contain_text("too light")
    assert css_variable(page, "--brand") == DEFAULT_COLOUR
    assert css_variable(page, "--on-brand") == "#ffffff"
    assert axe_violations(page) == []


def test_the_usage_chart_labels_its_days_and_its_totals_agree(page: Page, web: WebPlatform) -> None:
    owner = new_tenant(web, "chart")
    target = web.target()
    dynamodb, table = target.client("dynamodb"), target.tables["usage"]
    tenant = operator_context(owner.tenant)
    now = datetime.now(UTC)
    month = current_month(now)
    # Days of this month with usage, as the chat service's meter counts them.
    spent = {1: (900, 100), now.day: (3000, 1500)}
    if now.day > 2:
        spent[2] = (40, 2)
    for day, (input_tokens, output_tokens) in spent.items():
        for key in (usage_key(tenant, month), daily_usage_key(tenant, f"{month}-{day:02d}")):
            dynamodb.update_item(
                TableName=table,
                Key={k: {"S": v} for k, v in key.items()},
                UpdateExpression="ADD requests :one, inputTokens :i, outputTokens :o",
                ExpressionAttributeValues={
                    ":one": {"N": "1"},
                    ":i": {"N": str(input_tokens)},
                    ":o": {"N": str(output_tokens)},
                },
            )
    total = sum(i + o for i, o in spent.values())
    busiest_day = max(spent, key=lambda d: sum(spent[d]))

    sign_in(page, web, owner, "/admin")
    usage = page.get_by_role("region", name="Usage this month")
    expect(usage).to_contain_text(f"{total:,} of 2,000,000 tokens used")
    caption = usage.locator("figcaption")
    expect(caption).to_contain_text(f"{sum(spent[busiest_day]):,} of the month's {total:,} tokens")
    expect(caption).to_contain_text("(UTC days)")

    # Weekly day labels, each under its own day's bar, readable on a phone too.
    days_in_month = calendar.monthrange(now.year, now.month)[1]
    labels = usage.get_by_test_id("usage-chart-days").locator("li")
    expect(labels).to_have_count(days_in_month)
    labelled = [d for d in range(1, days_in_month + 1) if d % 7 == 1]
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(150)
        texts = [t.strip() for t in labels.all_inner_texts()]
        assert [t for t in texts if t] == [str(d) for d in labelled], size
        for day in labelled:
            label = labels.nth(day - 1).bounding_box()
            bar = usage.locator("svg rect.bar").nth(day - 1).bounding_box()
            assert label is not None
            assert bar is not None
            middle = label["x"] + label["width"] / 2
            assert bar["x"] - 1 <= middle <= bar["x"] + bar["width"] + 1, (size, day)
        size_px = float(labels.first.evaluate("e => getComputedStyle(e).fontSize")[:-2])
        assert size_px >= 12, size

    # The figures as a table: the days, and their sum is the month's total.
    usage.get_by_text("Tokens per day as a table").click()
    rows = usage.locator(".usage-chart-figures tbody tr")
    expect(rows).to_have_count(len(spent))
    expect(usage.locator(".usage-chart-figures tfoot td")).to_have_text(f"{total:,}")
    axe_clean_at_both_sizes(page, "admin-usage-chart")
