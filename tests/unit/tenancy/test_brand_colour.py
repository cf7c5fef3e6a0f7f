"""The brand colour rule (engageiq_tenancy.brand_colour, decision 0117): WCAG 2.x contrast
ratios, the text colour put on the brand colour, and which colours the branding rules refuse."""

from __future__ import annotations

import pytest

from engageiq_tenancy.brand_colour import (
    MIN_MARK_CONTRAST,
    MIN_TEXT_CONTRAST,
    check_brand_colour,
    contrast_ratio,
    relative_luminance,
    shown,
    text_on,
)
from engageiq_tenancy.tenants import InvalidBranding, validate_branding


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        # Figures published with WCAG and its checkers (WebAIM, the Understanding documents).
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),
        ("#767676", "#ffffff", 4.54),
        ("#595959", "#ffffff", 7.0),
        ("#ff0000", "#ffffff", 4.0),
        ("#0000ff", "#ffffff", 8.59),
        ("#008000", "#ffffff", 5.14),
    ],
)
def test_contrast_ratios_match_the_published_figures(first: str, second: str, ratio: float) -> None:
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.005)
    assert contrast_ratio(second, first) == contrast_ratio(first, second)


def test_luminance_runs_from_black_to_white_and_reads_either_case() -> None:
    assert relative_luminance("#000000") == 0.0
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance("#1F6FEB") == relative_luminance("#1f6feb")
    with pytest.raises(ValueError, match="not a #rrggbb colour"):
        relative_luminance("1f6feb")


def test_a_ratio_just_short_of_a_minimum_never_reads_as_reaching_it() -> None:
    assert contrast_ratio("#777777", "#ffffff") < MIN_TEXT_CONTRAST
    assert shown(contrast_ratio("#777777", "#ffffff")) == "4.47"
    assert shown(4.4999) == "4.49"
    assert shown(21.0) == "21.00"


@pytest.mark.parametrize(
    ("colour", "text"),
    [
        ("#1f6feb", "#ffffff"),
        ("#000000", "#ffffff"),
        ("#ffffff", "#000000"),
        ("#ffcc00", "#000000"),
    ],
)
def test_button_text_is_whichever_of_white_and_black_contrasts_more(colour: str, text: str) -> None:
    assert text_on(colour) == text


def test_every_grey_and_primary_gets_readable_button_text() -> None:
    # Black or white reaches 4.58:1 on any colour: the text part of the rule never refuses.
    colours = [f"#{v:02x}{v:02x}{v:02x}" for v in range(256)]
    levels = (0, 128, 255)
    colours += [f"#{r:02x}{g:02x}{b:02x}" for r in levels for g in levels for b in levels]
    assert min(check_brand_colour(c).text_ratio for c in colours) >= MIN_TEXT_CONTRAST


@pytest.mark.parametrize(
    "colour", ["#1f6feb", "#0b7a75", "#b02a37", "#000000", "#ff0000", "#778899"]
)
def test_brand_colours_that_read_on_the_page_are_accepted(colour: str) -> None:
    check = check_brand_colour(colour)
    assert check.readable
    assert check.problem() is None
    assert check.page_ratio >= MIN_MARK_CONTRAST
    validate_branding(primary_color=colour)


@pytest.mark.parametrize(
    "colour", ["#ffffff", "#FFFFFF", "#f6f7f9", "#ffcc00", "#aabbcc", "#999999"]
)
def test_white_yellow_and_pastel_brand_colours_are_refused_naming_ratio_and_minimum(
    colour: str,
) -> None:
    check = check_brand_colour(colour)
    assert not check.readable
    with pytest.raises(InvalidBranding) as refused:
        validate_branding(primary_color=colour)
    assert refused.value.code == "brand_colour_low_contrast"
    assert f"only {shown(check.page_ratio)}:1" in refused.value.message
    assert "at least 3:1" in refused.value.message


def test_the_page_ratio_is_against_the_darker_of_the_page_and_its_cards() -> None:
    # #949494 reaches 3:1 on a white card but not on the #f6f7f9 page behind it.
    assert contrast_ratio("#949494", "#ffffff") >= MIN_MARK_CONTRAST
    assert contrast_ratio("#949494", "#f6f7f9") < MIN_MARK_CONTRAST
    assert check_brand_colour("#949494").page_ratio == contrast_ratio("#949494", "#f6f7f9")
    assert not check_brand_colour("#949494").readable
