/** The ONE place where text becomes HTML: answers are markdown (marked, raw HTML dropped),
 * and the result always goes through DOMPurify with a short allow-list before it reaches the
 * page. Links keep only http(s) targets and open in a new tab with rel="noopener noreferrer".
 * Citation markers (`[<sourceId>]` as the services write them, or `[n]`) become numbered
 * buttons that the chat view turns into the citation panel. */
import DOMPurify from "dompurify";
import { Marked, type Tokens } from "marked";

const ALLOWED_TAGS = [
  "a",
  "p",
  "br",
  "hr",
  "strong",
  "em",
  "del",
  "code",
  "pre",
  "blockquote",
  "ul",
  "ol",
  "li",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "sup",
  "button",
  "span",
];
const ALLOWED_ATTR = [
  "href",
  "title",
  "data-cite",
  "type",
  "class",
  "aria-label",
  "start",
  "align",
];

const purifier = DOMPurify(window);
purifier.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    let safe: boolean;
    try {
      const url = new URL(href, window.location.href);
      safe = (url.protocol === "https:" || url.protocol === "http:") && /^https?:/i.test(href);
    } catch {
      safe = false;
    }
    if (safe) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
    } else {
      node.removeAttribute("href");
    }
  }
  if (node.tagName === "BUTTON" && !node.hasAttribute("data-cite")) {
    // Only our own citation buttons; anything else a model writes stays text.
    node.replaceWith(document.createTextNode(node.textContent ?? ""));
  }
});

/** The citation resolver for the render in progress (rendering is synchronous). */
let citeNumber: (marker: string) => number | null = () => null;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const marked = new Marked({
  gfm: true,
  breaks: true,
  async: false,
  renderer: {
    // Raw HTML in markdown is shown as text, never parsed.
    html(token: Tokens.HTML | Tokens.Tag): string {
      return escapeHtml(token.text);
    },
    // Images could fetch from anywhere (tracking); show the alt text and the address instead.
    image(token: Tokens.Image): string {
      return escapeHtml(token.text || token.href);
    },
  },
  extensions: [
    {
      name: "citation",
      level: "inline",
      start(src: string) {
        return src.indexOf("[");
      },
      tokenizer(src: string) {
        const match = /^\[([A-Za-z0-9_-]{1,64})\](?!\()/.exec(src);
        if (!match?.[1]) return undefined;
        const number = citeNumber(match[1]);
        if (number === null) return undefined;
        return { type: "citation", raw: match[0], number };
      },
      renderer(token) {
        const n = Number((token as unknown as { number: number }).number);
        return `<sup><button type="button" class="cite" data-cite="${n}" aria-label="Source ${n}">${n}</button></sup>`;
      },
    },
  ],
});

/**
 * Markdown to sanitised HTML.
 * @param text untrusted markdown (a model's answer, a message)
 * @param sourceIds the answer's citation source ids in order; marker `[id]` or `[n]`
 *   (1-based) becomes button n
 */
export function renderMarkdown(text: string, sourceIds: readonly string[] = []): string {
  citeNumber = (marker) => {
    const index = sourceIds.indexOf(marker);
    if (index >= 0) return index + 1;
    const n = /^\d{1,3}$/.test(marker) ? Number(marker) : 0;
    return n >= 1 && n <= sourceIds.length ? n : null;
  };
  try {
    const html = marked.parse(text) as string;
    return purifier.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false });
  } finally {
    citeNumber = () => null;
  }
}
