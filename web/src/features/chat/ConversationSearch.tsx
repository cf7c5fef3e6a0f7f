/** The conversation list's search (decision 0112): the service searches the titles and the
 * text of every message of the caller's conversations (GET /api/conversations?q=), asked a
 * moment after the typing stops. Each hit shows its title and a snippet of the message that
 * matched, the matches marked from the service's ranges (text is never read as HTML), and
 * "Load more" pages on. */
import { Fragment, type JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Notice } from "../../components/Notice";
import { asApiError } from "../../lib/errors";
import { onLinkClick } from "../../lib/router";
import {
  searchConversations,
  type Conversation,
  type ConversationMatch,
  type Highlight,
} from "./api";

const PAGE = 20;
/** How long the typing must pause before the service is asked. */
export const SEARCH_DEBOUNCE_MS = 300;
/** After this long a search says why it takes a while (a rep's first search builds their
 * index from every message: seconds on DynamoDB, up to a minute on the local platform). */
const SLOW_SEARCH_MS = 3000;

/** `text` with its `ranges` (UTF-16 offsets, as `String.slice` takes them) in <mark>. */
export function Highlighted({ text, ranges }: { text: string; ranges: Highlight[] }): JSX.Element {
  const parts: (string | JSX.Element)[] = [];
  let at = 0;
  for (const range of [...ranges].sort((a, b) => a.start - b.start)) {
    const start = Math.max(at, Math.min(range.start, text.length));
    const end = Math.min(range.end, text.length);
    if (end <= start) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(<mark key={start}>{text.slice(start, end)}</mark>);
    at = end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return <Fragment>{parts}</Fragment>;
}

interface Results {
  query: string;
  items: Conversation[];
  matches: Map<string, ConversationMatch>;
  nextCursor: string | null;
}

export function ConversationSearchResults({
  query,
  activeId,
  onPicked,
}: {
  query: string;
  activeId: string | null;
  onPicked: () => void;
}) {
  const [results, setResults] = useState<Results | null>(null);
  const [searching, setSearching] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [slow, setSlow] = useState(false);
  // Only the latest request's answer is shown (an earlier one may arrive later).
  const latest = useRef(0);

  useEffect(() => {
    if (!searching) return setSlow(false);
    const timer = setTimeout(() => setSlow(true), SLOW_SEARCH_MS);
    return () => clearTimeout(timer);
  }, [searching]);

  const load = (q: string, cursor: string | null, known: Results | null) => {
    const request = ++latest.current;
    setSearching(true);
    setProblem(null);
    searchConversations(q, PAGE, cursor)
      .then((page) => {
        if (request !== latest.current) return;
        const items = known ? [...known.items] : [];
        const matches = new Map(known ? known.matches : []);
        for (const match of page.matches ?? []) matches.set(match.conversationId, match);
        const ids = new Set(items.map((c) => c.id));
        items.push(...page.conversations.filter((c) => !ids.has(c.id)));
        setResults({ query: q, items, matches, nextCursor: page.nextCursor });
      })
      .catch((e) => {
        if (request === latest.current) setProblem(asApiError(e).sentence);
      })
      .finally(() => {
        if (request === latest.current) setSearching(false);
      });
  };

  useEffect(() => {
    const timer = setTimeout(() => load(query, null, null), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [query]);

  const shown = results && results.query === query ? results : null;
  const count = shown?.items.length ?? 0;
  // A failed search says so (its notice says why) rather than "Searching…" for ever.
  const status = !shown
    ? problem && !searching
      ? "The search did not finish."
      : slow
        ? "Still searching: a first search reads all your conversations once, which takes a while."
        : "Searching…"
    : count === 0
      ? `No conversation mentions “${query}”.`
      : `${count}${shown.nextCursor ? "+" : ""} conversation${count === 1 ? "" : "s"} found.`;

  return (
    <section class="conversation-search" aria-label="Search results">
      <p class="hint" role="status" aria-live="polite">
        {status}
      </p>
      {problem && <Notice onDismiss={() => setProblem(null)}>{problem}</Notice>}
      {shown && count > 0 && (
        <ul class="conversation-items">
          {shown.items.map((c) => {
            const match = shown.matches.get(c.id);
            const snippet = match?.snippet;
            return (
              <li key={c.id} class={c.id === activeId ? "active" : undefined}>
                <a
                  href={`/chat/${encodeURIComponent(c.id)}`}
                  onClick={(e) => {
                    onLinkClick(e);
                    onPicked();
                  }}
                  aria-current={c.id === activeId ? "page" : undefined}
                  class="conversation-link"
                  dir="auto"
                >
                  <span class="conversation-title">
                    <Highlighted
                      text={c.title || "Untitled"}
                      ranges={match?.titleHighlights ?? []}
                    />
                  </span>
                  {snippet && (
                    <span class="conversation-snippet">
                      <span class="snippet-role">
                        {snippet.role === "assistant" ? "Answer: " : "You: "}
                      </span>
                      <Highlighted text={snippet.text} ranges={snippet.highlights} />
                    </span>
                  )}
                </a>
              </li>
            );
          })}
        </ul>
      )}
      {shown?.nextCursor && (
        <button
          type="button"
          class="secondary small"
          disabled={searching}
          onClick={() => load(shown.query, shown.nextCursor, shown)}
        >
          Load more
        </button>
      )}
    </section>
  );
}
