/** The brand colour rule, mirrored from its owner on the server (engageiq_tenancy.brand_colour,
 * decision 0117) for the admin page's live preview and for colours stored before the rule. The
 * server refuses what fails it (`brand_colour_low_contrast`); a browser test checks that both
 * give the same figures for a table of colours.
 *
 * The colour fills primary buttons under white or black text, whichever contrasts more (WCAG
 * 2.1 SC 1.4.3: 4.5:1 for normal text), and draws marks on the light page: the top bar's rule,
 * link underlines, selected toggles, the usage chart's bars (SC 1.4.11: 3:1 against the page
 * #f6f7f9 and the cards #ffffff, see styles.css). */

export const MIN_TEXT_CONTRAST = 4.5;
export const MIN_MARK_CONTRAST = 3;
/** The text colours the app may put on the brand colour (`--on-brand`). */
const TEXT_COLOURS = ["#ffffff", "#000000"] as const;
/** The light theme's cards (`--surface`) and page (`--bg`). */
const LIGHT_PAGE_COLOURS = ["#ffffff", "#f6f7f9"] as const;

export const HEX_COLOUR = /^#[0-9a-fA-F]{6}$/;

function channel(value: number): number {
  const c = value / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

/** Relative luminance (0 black to 1 white) of a `#rrggbb` colour (WCAG 2.x). */
export function relativeLuminance(colour: string): number {
  const at = (i: number) => channel(parseInt(colour.slice(i, i + 2), 16));
  return 0.2126 * at(1) + 0.7152 * at(3) + 0.0722 * at(5);
}

/** WCAG 2.x contrast ratio of two `#rrggbb` colours, 1 to 21; compare it unrounded. */
export function contrastRatio(first: string, second: string): number {
  const a = relativeLuminance(first);
  const b = relativeLuminance(second);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** White or black, whichever contrasts more with the colour (white when equal). */
export function textOn(colour: string): string {
  return contrastRatio(colour, TEXT_COLOURS[1]) > contrastRatio(colour, TEXT_COLOURS[0])
    ? TEXT_COLOURS[1]
    : TEXT_COLOURS[0];
}

/** A ratio as people read it, "4.47": cut, not rounded, to two decimals (like the server). */
export function shownRatio(ratio: number): string {
  return (Math.floor(ratio * 100) / 100).toFixed(2);
}

export interface BrandColourCheck {
  colour: string;
  textColour: string;
  textRatio: number;
  /** The lowest ratio against the light page's colours. */
  pageRatio: number;
  readable: boolean;
}

/** The check of a `#rrggbb` brand colour. */
export function checkBrandColour(colour: string): BrandColourCheck {
  const textColour = textOn(colour);
  const textRatio = contrastRatio(colour, textColour);
  const pageRatio = Math.min(...LIGHT_PAGE_COLOURS.map((page) => contrastRatio(colour, page)));
  return {
    colour,
    textColour,
    textRatio,
    pageRatio,
    readable: textRatio >= MIN_TEXT_CONTRAST && pageRatio >= MIN_MARK_CONTRAST,
  };
}
