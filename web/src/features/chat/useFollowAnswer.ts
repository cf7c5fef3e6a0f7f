/** A conversation opened while its last answer is still being written - after a reload in the
 * middle of an answer, or in a second tab - follows that answer to its end, as the page that
 * asked would have (decision 0114). The history says so: the answer's status is `streaming`. */
import { useEffect } from "preact/hooks";
import type { MutableRef } from "preact/hooks";
import { announce } from "../../components/Announcer";
import { asApiError } from "../../lib/errors";
import type { UiMessage } from "./Message";
import { streamTurn, type StreamHandlers } from "./stream";

type Patch = (change: (m: UiMessage) => UiMessage) => void;

export interface FollowAnswerOptions {
  conversationId: string | null;
  messages: UiMessage[];
  /** A stream runs, or the conversation loads: nothing to follow now. */
  busy: boolean;
  setMessages: (update: (current: UiMessage[]) => UiMessage[]) => void;
  setStreaming: (streaming: boolean) => void;
  /** The page's stream controller: Stop and leaving the conversation reach this stream too. */
  controller: MutableRef<AbortController | null>;
  /** How the page fills an answer from its stream's events. */
  updates: (patch: Patch) => Pick<StreamHandlers, "onDelta" | "onCitation" | "onDone">;
}

export function useFollowAnswer({
  conversationId,
  messages,
  busy,
  setMessages,
  setStreaming,
  controller,
  updates,
}: FollowAnswerOptions): void {
  const last = messages[messages.length - 1];
  const target =
    !busy && last?.role === "assistant" && last.status === "streaming" && !last.streaming
      ? last.id
      : null;

  useEffect(() => {
    if (!target || !conversationId) return;
    const abort = new AbortController();
    controller.current = abort;
    const patch: Patch = (change) =>
      setMessages((current) => current.map((m) => (m.id === target ? change(m) : m)));
    patch((m) => ({ ...m, streaming: true, problem: null }));
    setStreaming(true);
    // The stored text is as of the answer's last checkpoint: the stream sends it all again
    // (from the start), which replaces it at the first event rather than blanking it now.
    let stale = true;
    const fresh = () => {
      if (!stale) return;
      stale = false;
      patch((m) => ({ ...m, content: "", citations: [] }));
    };
    const fill = updates(patch);
    streamTurn(
      { follows: { conversationId, messageId: target } },
      {
        onMeta() {},
        onDelta(text) {
          fresh();
          fill.onDelta(text);
        },
        onCitation(citation) {
          fresh();
          fill.onCitation(citation);
        },
        onDone(done) {
          fresh();
          fill.onDone(done);
        },
      },
      abort.signal,
    )
      .then(() => announce("Answer complete."))
      .catch((e) => {
        const error = asApiError(e);
        const stopped = error.code === "aborted";
        patch((m) => ({
          ...m,
          streaming: false,
          status: "incomplete",
          ...(stopped ? { finishReason: "stopped" } : {}),
          problem: stopped
            ? "Stopped. The partial answer is saved; Continue picks it up."
            : error.sentence,
        }));
        announce(stopped ? "Answer stopped." : "The answer did not finish.");
      })
      .finally(() => {
        setStreaming(false);
        if (controller.current === abort) controller.current = null;
      });
    // No cleanup: the effect ends as soon as the stream makes the page busy; leaving the
    // conversation aborts the page's controller, which is this stream's.
  }, [target, conversationId]);
}
