/** One message in the thread. Assistant answers are rendered through renderMarkdown (the one
 * HTML path); user messages are plain text. Answers carry their sources (only the passages the
 * answer cites, numbered as its `[n]` markers), or say they cite none; copy, thumbs. */
import type { JSX } from "preact";
import { useMemo, useState } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { FreshnessBadge, freshnessWords } from "../../components/FreshnessBadge";
import { Icon } from "../../components/Icons";
import { asApiError } from "../../lib/errors";
import { renderMarkdown } from "../../lib/markdown";
import {
  rateMessage,
  unrateMessage,
  type Citation,
  type Feedback,
  type MessageView,
  type Rating,
  type SourceNotice,
} from "./api";
import { unavailable } from "./CitationPanel";

export interface UiMessage extends MessageView {
  streaming?: boolean;
  /** A sentence when the answer failed or was cut. */
  problem?: string | null;
}

export function textWithSources(message: UiMessage): string {
  if (!message.citations.length) return message.content;
  const sources = message.citations.map((c, i) =>
    unavailable(c)
      ? `[${i + 1}] (source no longer available)`
      : `[${i + 1}] ${c.title}${c.location ? `, ${c.location}` : ""}` +
        (c.freshness ? ` (${freshnessWords(c)})` : ""),
  );
  return `${message.content}\n\nSources:\n${sources.join("\n")}`;
}

/** The answer's warning when every source it cites is stale or unverified: our sentence for
 * the codes we know, the service's otherwise. */
function noticeSentence(notice: SourceNotice): string {
  switch (notice.code) {
    case "stale_sources":
      return "Every source of this answer is past its review date. Check it is still current before you share it.";
    case "unverified_sources":
      return "No source of this answer has been verified by its owner. Check it before you share it.";
    default:
      return notice.message;
  }
}

function FeedbackControls({
  message,
  conversationId,
}: {
  message: UiMessage;
  conversationId: string;
}) {
  const [feedback, setFeedback] = useState<Feedback | null>(message.feedback ?? null);
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState("");
  const [problem, setProblem] = useState<string | null>(null);

  async function rate(rating: Rating, why?: string) {
    setProblem(null);
    try {
      if (feedback?.rating === rating && why === undefined) {
        await unrateMessage(conversationId, message.id);
        setFeedback(null);
        setAsking(false);
        return;
      }
      setFeedback(await rateMessage(conversationId, message.id, rating, why));
      setAsking(rating === "down" && why === undefined);
      if (why !== undefined) announce("Thank you for the feedback.");
    } catch (e) {
      setProblem(asApiError(e).sentence);
    }
  }

  const submitReason = (event: JSX.TargetedEvent<HTMLFormElement>) => {
    event.preventDefault();
    void rate("down", reason.trim());
    setAsking(false);
  };

  return (
    <span class="feedback">
      <button
        type="button"
        class="icon-button"
        aria-label="Good answer"
        aria-pressed={feedback?.rating === "up"}
        onClick={() => void rate("up")}
      >
        <Icon name="thumbUp" />
      </button>
      <button
        type="button"
        class="icon-button"
        aria-label="Bad answer"
        aria-pressed={feedback?.rating === "down"}
        onClick={() => void rate("down")}
      >
        <Icon name="thumbDown" />
      </button>
      {asking && (
        <form class="feedback-reason" onSubmit={submitReason}>
          <label for={`reason-${message.id}`}>What was wrong? (optional)</label>
          <input
            id={`reason-${message.id}`}
            value={reason}
            maxLength={500}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <button type="submit" class="secondary small">
            Send feedback
          </button>
        </form>
      )}
      {problem && (
        <span class="hint" role="alert">
          {problem}
        </span>
      )}
    </span>
  );
}

interface Props {
  message: UiMessage;
  conversationId: string | null;
  canContinue: boolean;
  onContinue: () => void;
  onCite: (citation: Citation, number: number) => void;
}

export function Message({ message, conversationId, canContinue, onContinue, onCite }: Props) {
  // A withheld source keeps its place (its number) without an id a marker could name.
  const sourceIds = useMemo(
    () => message.citations.map((c, i) => c.sourceId ?? `withheld-${i + 1}`),
    [message.citations],
  );
  const html = useMemo(
    () => (message.role === "assistant" ? renderMarkdown(message.content, sourceIds) : ""),
    [message.content, message.role, sourceIds],
  );
  const [copied, setCopied] = useState(false);

  if (message.role === "user") {
    return (
      <li class="message user">
        <div class="bubble user-text" dir="auto">
          {message.content}
        </div>
      </li>
    );
  }

  const clickMarker = (event: JSX.TargetedMouseEvent<HTMLDivElement>) => {
    const target = (event.target as HTMLElement).closest<HTMLElement>("button.cite");
    if (!target) return;
    const n = Number(target.dataset.cite);
    const citation = message.citations[n - 1];
    if (citation) onCite(citation, n);
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(textWithSources(message));
      setCopied(true);
      announce("Answer copied with its sources.");
      window.setTimeout(() => setCopied(false), 2000);
    } catch {
      announce("Copying is not allowed in this browser.");
    }
  };

  return (
    <li
      class="message assistant"
      aria-busy={message.streaming ? "true" : undefined}
      data-testid="answer"
    >
      <div class="bubble">
        {message.provider === "offline" && (
          <span
            class="badge"
            title="No model is connected; the built-in offline responder answered from your documents."
          >
            Offline responder
          </span>
        )}
        {/* renderMarkdown is the one sanitising path (marked without raw HTML + DOMPurify). */}
        <div
          class="markdown"
          dir="auto"
          onClick={clickMarker}
          dangerouslySetInnerHTML={{ __html: html }}
        />
        {message.streaming && !message.content && <span class="typing">Thinking…</span>}
        {message.citations.length > 0 && (
          <div class="sources">
            <h3 class="sources-title">Sources</h3>
            <ol>
              {message.citations.map((c, i) =>
                unavailable(c) ? (
                  <li key={`withheld-${i}`} class="source-withheld" data-testid="withheld">
                    [{i + 1}] Source no longer available
                  </li>
                ) : (
                  <li key={`${c.sourceId}-${i}`}>
                    <button type="button" class="link" onClick={() => onCite(c, i + 1)}>
                      [{i + 1}] {c.title}
                      {c.location ? ` · ${c.location}` : ""}
                    </button>{" "}
                    <FreshnessBadge verification={c} />
                  </li>
                ),
              )}
            </ol>
          </div>
        )}
        {!message.streaming && message.notice && message.citations.length > 0 && (
          <p class="source-notice" data-testid="source-notice" data-code={message.notice.code}>
            {noticeSentence(message.notice)}
          </p>
        )}
        {!message.streaming && message.uncited && message.citations.length === 0 && (
          <p class="hint" data-testid="uncited">
            No sources: this answer does not cite your documents. Check it before you share it.
          </p>
        )}
        {message.problem && (
          <p class="message-problem" role="alert">
            {message.problem}
          </p>
        )}
        {!message.streaming && (
          <div class="message-actions">
            <button type="button" class="secondary small" onClick={() => void copy()}>
              {copied ? "Copied" : "Copy"}
            </button>
            {conversationId && message.status !== "failed" && (
              <FeedbackControls message={message} conversationId={conversationId} />
            )}
            {canContinue && (
              <button type="button" class="primary small" onClick={onContinue}>
                Continue
              </button>
            )}
          </div>
        )}
      </div>
    </li>
  );
}
