/** The branding form's colour: a picker and its hex value, a live preview of a button, a link
 * and chart bars in the colour, and its contrast ratios against what the app puts next to it,
 * with a warning before saving a colour the server refuses (`brand_colour_low_contrast`,
 * decision 0117). */
import { useEffect, useRef } from "preact/hooks";
import {
  checkBrandColour,
  HEX_COLOUR,
  MIN_MARK_CONTRAST,
  MIN_TEXT_CONTRAST,
  shownRatio,
} from "../../lib/brandColour";

function Ratio({ label, ratio, minimum }: { label: string; ratio: number; minimum: number }) {
  const passes = ratio >= minimum;
  return (
    <li data-passes={String(passes)}>
      {label}: <strong>{shownRatio(ratio)}:1</strong> ({passes ? "at least" : "below"} the {minimum}
      :1 needed)
    </li>
  );
}

export function BrandColourField({
  value,
  onInput,
}: {
  value: string;
  onInput: (colour: string) => void;
}) {
  const valid = HEX_COLOUR.test(value);
  const check = valid ? checkBrandColour(value) : null;
  const preview = useRef<HTMLDivElement>(null);

  // The preview's colours are custom properties set through the CSSOM, like applyBranding's:
  // the page's content security policy allows no style attributes.
  useEffect(() => {
    const style = preview.current?.style;
    if (!style || !check) return;
    style.setProperty("--preview-brand", check.colour);
    style.setProperty("--preview-on-brand", check.textColour);
  }, [check?.colour, check?.textColour]);

  const textName = check?.textColour === "#000000" ? "black" : "white";
  return (
    <div class="field brand-colour-field">
      <label for="brand-color">Primary colour</label>
      <span class="color-row">
        <input
          id="brand-color"
          type="color"
          value={valid ? value : "#000000"}
          aria-describedby="brand-colour-contrast"
          onInput={(e) => onInput(e.currentTarget.value)}
        />
        <input
          aria-label="Primary colour as hex"
          value={value}
          pattern="#[0-9a-fA-F]{6}"
          aria-describedby="brand-colour-contrast"
          aria-invalid={check ? !check.readable : !valid}
          onInput={(e) => onInput(e.currentTarget.value.trim())}
        />
      </span>
      <div id="brand-colour-contrast" class="brand-colour-contrast">
        {!check && <p class="hint">Write the colour like #1f6feb.</p>}
        {check && (
          <>
            <div
              ref={preview}
              class="brand-preview"
              role="group"
              aria-label="Preview"
              data-testid="brand-preview"
            >
              <span class="brand-preview-button">Button</span>
              <span class="brand-preview-link">A link</span>
              <span class="brand-preview-bars" aria-hidden="true">
                <span />
                <span />
                <span />
              </span>
            </div>
            <ul class="brand-colour-ratios" data-testid="brand-colour-ratios">
              <Ratio
                label={`Button text (${textName})`}
                ratio={check.textRatio}
                minimum={MIN_TEXT_CONTRAST}
              />
              <Ratio label="Against the page" ratio={check.pageRatio} minimum={MIN_MARK_CONTRAST} />
            </ul>
          </>
        )}
        {/* Always there, so that screen readers announce the warning when it appears. */}
        <div aria-live="polite">
          {check && !check.readable && (
            <p class="brand-colour-warning" data-testid="brand-colour-warning">
              {check.textRatio < MIN_TEXT_CONTRAST
                ? `Text on ${check.colour} buttons would be hard to read. Choose another colour.`
                : `${check.colour} is too light: buttons, underlines and charts in it would ` +
                  "barely show on the page, so it cannot be saved. Choose a darker shade."}
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
