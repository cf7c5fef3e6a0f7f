/** An answer as a stream: fetch (so the Authorization header and AbortController work) with
 * eventsource-parser reading the SSE events meta, delta, citation, done and error.
 *
 * An answer outlives its connection (decision 0114): every event carries an `id` (where the
 * answer's text stands), and when the connection drops mid-answer (a tunnel, a network
 * change, the service's own time bound) the stream reattaches to the same answer after the
 * last event read, waiting for the browser to be back online; the caller sees one stream.
 * Closing the stream does not stop the model: the user's Stop does (`stopStream`). */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ApiError, asApiError } from "../../lib/errors";
import {
  continueTurn,
  followAnswer,
  newIdempotencyKey,
  startTurn,
  stopAnswer,
  type Done,
  type Meta,
  type NumberedCitation,
} from "./api";
import { freshIdToken } from "../../lib/session";
import type { Scope } from "../../lib/types";

export interface StreamHandlers {
  onMeta(meta: Meta): void;
  onDelta(text: string): void;
  onCitation(citation: NumberedCitation): void;
  onDone(done: Done): void;
}

/** What a stream answers: a new turn, the rest of a cut-off answer (the same message), or an
 * answer being written, followed from its start (after a reload, or in a second tab). */
export type TurnRequest =
  | { message: string; conversationId?: string; scope?: Scope }
  | { continues: { conversationId: string; messageId: string } }
  | { follows: { conversationId: string; messageId: string } };

/** The abort reason of the user's Stop: the stream asks the service to stop the model. Any
 * other abort (leaving the conversation) only closes the connection; the answer goes on. */
const STOP = new DOMException("Stopped by the user.", "AbortError");

/** The user's Stop of the stream `controller` runs. */
export function stopStream(controller: AbortController): void {
  controller.abort(STOP);
}

/** Waits before each reattachment; a reattachment that brought events starts them over. */
const REATTACH_DELAYS_MS = [300, 1000, 2000, 4000, 8000];
/** The longest a Stop pressed before `meta` keeps the connection open for it. */
const STOP_WAIT_MS = 10_000;
/** The longest a reattachment waits for the browser to be back online. */
const OFFLINE_WAIT_MS = 60_000;

function aborted(): ApiError {
  return new ApiError(0, "aborted", "Stopped.");
}

/** `ms`, then (if the browser is offline) until it is online again; rejects on abort. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer = 0;
    const done = () => {
      window.clearTimeout(timer);
      window.removeEventListener("online", onOnline);
      signal.removeEventListener("abort", onAbort);
    };
    const onOnline = () => {
      done();
      resolve();
    };
    const onAbort = () => {
      done();
      reject(aborted());
    };
    timer = window.setTimeout(() => {
      if (navigator.onLine) return onOnline();
      timer = window.setTimeout(onOnline, OFFLINE_WAIT_MS);
    }, ms);
    window.addEventListener("online", onOnline);
    signal.addEventListener("abort", onAbort);
  });
}

/** Streams one turn. Resolves when the stream ends (done), rejects with ApiError on a refusal
 * (before the stream), an `error` event, a connection that could not be reattached, or an
 * abort (code "aborted"). */
export async function streamTurn(
  body: TurnRequest,
  handlers: StreamHandlers,
  signal: AbortSignal,
  idempotencyKey: string = newIdempotencyKey(),
): Promise<void> {
  // A stream may last minutes: start it with a token that stays valid well past its end.
  await freshIdToken(5 * 60_000);
  // Set in the parser's callback, which TypeScript's narrowing does not follow: the casts keep
  // the declared types from narrowing to their initial values.
  let failure = null as ApiError | null;
  let finished = false as boolean;
  let progressed = false as boolean;
  let reattached = false;
  let answer = "follows" in body ? body.follows : null;
  let lastEventId = 0;
  // The connection's own controller: the caller's abort closes it, except a Stop pressed
  // before `meta` named the answer, which keeps it open until then so the Stop can name it.
  const connection = new AbortController();
  let stopOnMeta = false;
  // The service answers the Stop once the answer is saved stopped: the stream ends after
  // it, so Continue right after finds the answer cut off. A Stop that fails leaves it to end.
  let stopping: Promise<void> = Promise.resolve();
  const stop = (named: { conversationId: string; messageId: string }) => {
    stopping = stopAnswer(named.conversationId, named.messageId).catch(() => undefined);
    connection.abort(STOP);
  };
  const onEvent = (event: EventSourceMessage) => {
    const data = JSON.parse(event.data) as unknown;
    if (event.id !== undefined && /^\d+$/.test(event.id)) lastEventId = Number(event.id);
    progressed = true;
    switch (event.event) {
      case "meta": {
        const meta = data as Meta;
        answer = { conversationId: meta.conversationId, messageId: meta.assistantMessageId };
        // A reattachment's meta repeats what the page already has.
        if (!reattached) handlers.onMeta(meta);
        if (stopOnMeta) stop(answer);
        break;
      }
      case "delta":
        handlers.onDelta((data as { text: string }).text);
        break;
      case "citation":
        handlers.onCitation(data as NumberedCitation);
        break;
      case "done":
        finished = true;
        handlers.onDone(data as Done);
        break;
      case "error": {
        const e = data as { code: string; message: string };
        failure = new ApiError(200, e.code, e.message);
        break;
      }
    }
  };
  const onAbort = () => {
    if (signal.reason !== STOP || finished || failure) connection.abort(signal.reason);
    else if (answer) stop(answer);
    else {
      stopOnMeta = true;
      // A stream that never names its answer is closed all the same.
      window.setTimeout(() => connection.abort(STOP), STOP_WAIT_MS);
    }
  };
  signal.addEventListener("abort", onAbort);
  if (signal.aborted) onAbort(); // while the token was being refreshed
  const own = connection.signal;
  let open = (): Promise<Response> =>
    "continues" in body
      ? continueTurn(body.continues, own)
      : "follows" in body
        ? followAnswer(body.follows.conversationId, body.follows.messageId, 0, own)
        : startTurn(body, own, idempotencyKey);
  let attempt = 0;
  try {
    for (;;) {
      try {
        const response = await open();
        // A parser per connection: a cut event of the last one is not glued to the next.
        const parser = createParser({ onEvent });
        const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
          if (own.aborted) throw aborted(); // stopped at `meta`
        }
      } catch (error) {
        if (signal.aborted) throw aborted();
        const cut = asApiError(error);
        // A refusal (before the stream, or of a reattachment: the answer is gone) is final.
        if (!answer || cut.status >= 400) throw cut;
      }
      if (finished || failure || !answer) break;
      if (progressed) attempt = 0;
      if (attempt >= REATTACH_DELAYS_MS.length) break;
      await pause(REATTACH_DELAYS_MS[attempt++] ?? 0, own);
      progressed = false;
      reattached = true;
      const { conversationId, messageId } = answer;
      const after = lastEventId;
      open = () => followAnswer(conversationId, messageId, after, own);
    }
  } catch (error) {
    if (!signal.aborted) throw asApiError(error);
    await stopping;
    throw aborted();
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
  if (failure) throw failure;
  if (!finished) throw new ApiError(0, "network_error", "The answer was cut off.");
}
