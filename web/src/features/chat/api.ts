/** Every request of the chat feature, typed by the chat service's generated OpenAPI types
 * (and the files service's, for a citation's file), through the one client in lib/api. */
import { apiClient, pathFor, request, type PathWith } from "../../lib/api";
import type { components, paths } from "../../lib/api/chat";
import type { paths as FilesPaths } from "../../lib/api/files";
import type { FileView, Scope, Verification } from "../../lib/types";

type Schemas = components["schemas"];

const chat = apiClient<paths>();
const files = apiClient<FilesPaths>();

/** A conversation, with the scope its answers draw on when one is set (its ids are strings:
 * the document leaves their type open). */
export interface Conversation extends Omit<Schemas["Conversation"], "scope"> {
  scope?: Scope | null;
}
export interface ConversationPage extends Omit<Schemas["ConversationPage"], "conversations"> {
  conversations: Conversation[];
}
/** Why a conversation matched a search: its title's and its best message's matched ranges. */
export type ConversationMatch = Schemas["ConversationMatch"];
/** A matched range: [start, end) in UTF-16 code units (`String.slice`'s offsets). */
export type Highlight = Schemas["Highlight"];

/** A source of an answer (a stream's `citation` event, or history's `ShownSource`), with its
 * file's verification when it was cited. `withheld`: the reader may no longer see the file;
 * only its number is sent. */
export type Citation = Partial<Omit<Schemas["ShownSource"], "number">> &
  Verification & {
    number?: number;
  };

/** What `done` (and the stored answer) says when every cited source is stale or unverified. */
export interface SourceNotice {
  code: "stale_sources" | "unverified_sources" | (string & {});
  message: string;
}

// Narrower than the document, where `rating`, `role` and `status` are plain strings.
export type Rating = "up" | "down";

export interface Feedback extends Omit<Schemas["FeedbackSummary"], "rating"> {
  rating: Rating;
}

export interface MessageView extends Omit<
  Schemas["MessageView"],
  "role" | "status" | "feedback" | "citations"
> {
  role: "user" | "assistant";
  /** `streaming`: being written (follow it with `followAnswer`; decision 0114). */
  status: "complete" | "incomplete" | "failed" | "streaming";
  feedback: Feedback | null;
  citations: Citation[];
  notice?: SourceNotice | null;
}

export interface HistoryPage extends Omit<Schemas["HistoryPage"], "messages" | "scope"> {
  messages: MessageView[];
  /** The conversation's scope, when set. */
  scope?: Scope | null;
}

// The SSE events of POST /api/chat: a stream, which the OpenAPI document does not describe.

/** The `meta` event, first in every stream. */
export interface Meta {
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  route: string;
  provider: string;
  model: string;
  /** How many retrieved passages the model was given (an answer citing none is uncited). */
  passages?: number;
}

/** The `done` event, last in a stream that was not cut off. `uncited`: the answer cites none
 * of the documents it was given (the message says so; it has no sources). */
export interface Done {
  finishReason: string;
  usage: { inputTokens: number; outputTokens: number };
  uncited?: boolean;
  notice?: SourceNotice;
}

/** The `citation` event: source `number` of the answer (1-based, as its `[n]` markers), sent
 * before the first marker that names it; the same number again replaces it. */
export type NumberedCitation = Citation & { number: number };

export async function listConversations(query: {
  limit: number;
  cursor?: string;
}): Promise<ConversationPage> {
  return (await chat.get("/api/conversations", { query })) as ConversationPage;
}

/** The caller's conversations matching `q` (titles and message text), best first. */
export async function searchConversations(
  q: string,
  limit: number,
  cursor: string | null,
): Promise<ConversationPage> {
  const query = cursor ? { q, limit, cursor } : { q, limit };
  return (await chat.get("/api/conversations", { query })) as ConversationPage;
}

export function renameConversation(id: string, title: string) {
  return chat.patch("/api/conversations/{conversation_id}", {
    path: { conversation_id: id },
    json: { title },
  });
}

export function deleteConversation(id: string) {
  return chat.delete("/api/conversations/{conversation_id}", { path: { conversation_id: id } });
}

/** A page of a conversation's messages, newest page first; `cursor` reaches older ones. */
export async function history(query: {
  conversationId: string;
  limit: number;
  cursor?: string;
}): Promise<HistoryPage> {
  // The service sends only the roles, statuses and ratings named in MessageView above.
  return (await chat.get("/api/chat-history", { query })) as HistoryPage;
}

const FEEDBACK = "/api/conversations/{conversation_id}/messages/{message_id}/feedback";

export async function rateMessage(
  conversationId: string,
  messageId: string,
  rating: Rating,
  reason?: string,
): Promise<Feedback> {
  const saved = await chat.put(FEEDBACK, {
    path: { conversation_id: conversationId, message_id: messageId },
    json: reason ? { rating, reason } : { rating },
  });
  return { rating: saved.rating as Rating, reason: saved.reason ?? null };
}

export function unrateMessage(conversationId: string, messageId: string) {
  return chat.delete(FEEDBACK, {
    path: { conversation_id: conversationId, message_id: messageId },
  });
}

/** A cited document's file, for its download link. */
export async function citedFile(fileId: string): Promise<FileView> {
  return files.get("/api/files/{file_id}", { path: { file_id: fileId } });
}

/** Continues a cut-off answer in place (POST /api/chat/continue): the stream carries only the
 * new text and the new or grown sources of the same message. */
export function continueTurn(
  body: Schemas["ContinueRequest"],
  signal: AbortSignal,
): Promise<Response> {
  return request(pathFor("/api/chat/continue" satisfies PathWith<paths, "post">), {
    method: "POST",
    json: body,
    signal,
    headers: { Accept: "text/event-stream" },
  });
}

const FOLLOW = "/api/conversations/{conversation_id}/messages/{message_id}/stream";

/** Follows an answer from `after` (the `id` of the last event read; 0: the whole answer),
 * while it is being written or after: the same events as the stream that wrote it, from there
 * on (decision 0114). */
export function followAnswer(
  conversationId: string,
  messageId: string,
  after: number,
  signal: AbortSignal,
): Promise<Response> {
  const path = pathFor(
    FOLLOW satisfies PathWith<paths, "get">,
    { conversation_id: conversationId, message_id: messageId },
    { after },
  );
  return request(path, {
    signal,
    headers: { Accept: "text/event-stream" },
  });
}

/** The user's Stop: the model stops wherever the answer is being written (closing the
 * stream does not stop it); the answer is saved cut off, to be continued. */
export async function stopAnswer(conversationId: string, messageId: string): Promise<void> {
  await chat.post("/api/chat/stop", { json: { conversationId, messageId } });
}

/** A fresh `Idempotency-Key`: one per question, so a repeated submission of it (a double
 * send, a retry) is answered once by the service instead of twice. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Starts one turn of POST /api/chat; the answer is the SSE stream (see stream.ts). `scope`
 * absent: the conversation keeps its stored scope; both lists empty: cleared. */
export function startTurn(
  body: Schemas["ChatRequest"],
  signal: AbortSignal,
  idempotencyKey: string,
): Promise<Response> {
  return request(pathFor("/api/chat" satisfies PathWith<paths, "post">), {
    method: "POST",
    json: body,
    signal,
    headers: { Accept: "text/event-stream", "Idempotency-Key": idempotencyKey },
  });
}
