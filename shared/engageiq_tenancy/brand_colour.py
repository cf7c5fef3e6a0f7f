"""Whether a tenant's brand colour keeps the web app readable: the WCAG 2.x contrast ratio and
the one rule for brand colours. `tenants.validate_branding` applies it for the operator CLI and
the tenant admin API alike; the web app mirrors it (web/src/lib/brandColour.ts) for its live
preview and for colours stored before the rule, and a browser test checks that both give the
same figures (tests/integration/web/test_brand_colour_and_usage.py).

The rule follows how the web app uses the colour (web/src/styles.css, decision 0117):

- It fills primary buttons, under text in white or black, whichever contrasts more
  (`text_on`). That text is normal-sized, so it needs 4.5:1 (WCAG 2.1 SC 1.4.3). One of black
  and white reaches at least 4.58:1 with any colour, so this part never refuses; it is checked
  anyway, so that changing the text colours cannot break it unseen.
- It draws the marks on the light page, whose background is #f6f7f9 and whose cards are white:
  the top bar's rule, link underlines (links are in the text colour: the underline is what marks
  them), the selected state of toggles, the usage chart's bars. Those need 3:1 against both
  (SC 1.4.11, non-text contrast). This is what refuses white, yellows and pastels: a white
  button on a white card, bars nobody sees.

The dark theme is not part of the rule: a dark brand colour on the dark page would refuse most
navy and black brands, while its buttons keep readable text either way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

MIN_TEXT_CONTRAST: Final = 4.5
"""WCAG 2.1 SC 1.4.3 (contrast minimum) for text under 24 px, or under 18.66 px bold."""
MIN_MARK_CONTRAST: Final = 3.0
"""WCAG 2.1 SC 1.4.11 (non-text contrast) for the parts of controls and graphics people need."""
TEXT_COLOURS: Final = ("#ffffff", "#000000")
"""The text colours the web app may put on the brand colour (`--on-brand`)."""
LIGHT_PAGE_COLOURS: Final = ("#ffffff", "#f6f7f9")
"""The light theme's cards (`--surface`) and page (`--bg`) the brand colour is drawn on."""


def _channel(value: int) -> float:
    """An sRGB channel (0-255) linearised, as WCAG 2.x defines it (0.04045 in sRGB's own
    definition and WCAG 2.2; WCAG 2.1's 0.03928 gives the same result for 8-bit values)."""
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """The relative luminance (0.0 black to 1.0 white) of a `#rrggbb` colour.
    Raises ValueError for anything else."""
    if len(colour) != 7 or colour[0] != "#":
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.x contrast ratio of two `#rrggbb` colours, 1.0 to 21.0 (order does not matter).
    Compare it unrounded: #777777 on white is 4.48:1 and fails 4.5:1."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_on(colour: str) -> str:
    """The text colour for the brand colour's buttons: white or black, whichever contrasts
    more (white when equal)."""
    return max(TEXT_COLOURS, key=lambda text: contrast_ratio(colour, text))


def shown(ratio: float) -> str:
    """A ratio as people read it, "4.47": cut, not rounded, to two decimals, so that a ratio
    just short of a minimum never reads as reaching it."""
    return f"{math.floor(ratio * 100) / 100:.2f}"


@dataclass(frozen=True, slots=True)
class BrandColourCheck:
    """What a brand colour gives: the button text colour and its ratio, and the lowest ratio
    against the light page's colours."""

    colour: str
    text_colour: str
    text_ratio: float
    page_ratio: float

    @property
    def readable(self) -> bool:
        return self.text_ratio >= MIN_TEXT_CONTRAST and self.page_ratio >= MIN_MARK_CONTRAST

    def problem(self) -> str | None:
        """A sentence saying what fails, with the ratio and the minimum; None if readable."""
        if self.text_ratio < MIN_TEXT_CONTRAST:
            return (
                f"Text on {self.colour} buttons reaches only {shown(self.text_ratio)}:1; "
                f"at least {MIN_TEXT_CONTRAST:g}:1 is needed (WCAG 2.1, 1.4.3)."
            )
        if self.page_ratio < MIN_MARK_CONTRAST:
            return (
                f"{self.colour} reaches only {shown(self.page_ratio)}:1 against the page; at "
                f"least {MIN_MARK_CONTRAST:g}:1 is needed to see buttons, underlines and charts "
                "in it (WCAG 2.1, 1.4.11). Choose a darker shade."
            )
        return None


def check_brand_colour(colour: str) -> BrandColourCheck:
    """The check of a `#rrggbb` brand colour (ValueError for anything else)."""
    text = text_on(colour)
    return BrandColourCheck(
        colour=colour,
        text_colour=text,
        text_ratio=contrast_ratio(colour, text),
        page_ratio=min(contrast_ratio(colour, page) for page in LIGHT_PAGE_COLOURS),
    )
