/** POST /api/chat as a stream: fetch (so the Authorization header and AbortController work)
 * with eventsource-parser reading the SSE events meta, delta, citation, done and error. */
import { createParser, type EventSourceMessage } from "eventsource-parser";
import { ApiError, asApiError } from "../../lib/errors";
import {
  continueTurn,
  newIdempotencyKey,
  startTurn,
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

/** What a stream answers: a new turn, or the rest of a cut-off answer (the same message). */
export type TurnRequest =
  | { message: string; conversationId?: string; scope?: Scope }
  | { continues: { conversationId: string; messageId: string } };

/** Streams one turn. Resolves when the stream ends (done), rejects with ApiError on a refusal
 * (before the stream), an `error` event, a dropped connection, or an abort (code "aborted"). */
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
  const parser = createParser({
    onEvent(event: EventSourceMessage) {
      const data = JSON.parse(event.data) as unknown;
      switch (event.event) {
        case "meta":
          handlers.onMeta(data as Meta);
          break;
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
    },
  });
  try {
    const response =
      "continues" in body
        ? await continueTurn(body.continues, signal)
        : await startTurn(body, signal, idempotencyKey);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } catch (error) {
    throw asApiError(error);
  }
  if (failure) throw failure;
  if (!finished) throw new ApiError(0, "network_error", "The answer was cut off.");
}
