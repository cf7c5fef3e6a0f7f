/** The ONE place where text becomes HTML: answers are markdown (marked, raw HTML dropped),
 * and the result always goes through DOMPurify with a short allow-list before it reaches the
 * page. Links keep only http(s) targets and open in a new tab with rel="noopener noreferrer";
 * a link to another host shows that host beside its text (an answer may carry a link a
 * document planted, and its text may name another site). Every block reads in its own
 * direction (dir="auto"), so a right-to-left paragraph is right-to-left in any answer.
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

const BLOCKS = new Set(["P", "LI", "H1", "H2", "H3", "H4", "H5", "H6", "BLOCKQUOTE", "TD", "TH"]);

/** The host a link leads to, when it is not the app's own: punycode as the URL parser gives
 * it, so a look-alike name shows as what it is. */
export function foreignHost(url: URL): string | null {
  return url.host === window.location.host ? null : url.host;
}

const purifier = DOMPurify(window);
purifier.addHook("afterSanitizeAttributes", (node) => {
  if (BLOCKS.has(node.tagName)) node.setAttribute("dir", "auto");
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    let url: URL | null;
    try {
      url = new URL(href, window.location.href);
      if (!(url.protocol === "https:" || url.protocol === "http:") || !/^https?:/i.test(href))
        url = null;
    } catch {
      url = null;
    }
    if (url) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer");
      const host = foreignHost(url);
      if (host) {
        node.setAttribute("title", `Opens ${url.href}`);
        const shown = document.createElement("span");
        shown.setAttribute("class", "link-host");
        shown.textContent = ` (${host})`;
        node.appendChild(shown);
      }
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
