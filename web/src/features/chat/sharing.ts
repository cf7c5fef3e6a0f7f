/** Shared links and exports of a conversation (decision 0113), typed by the chat service's
 * generated OpenAPI types, through the one client in lib/api. */
import { apiClient, pathFor, request } from "../../lib/api";
import type { components, paths } from "../../lib/api/chat";
import type { Conversation, MessageView } from "./api";

type Schemas = components["schemas"];

const chat = apiClient<paths>();

export type Share = Schemas["Share"];
export type ShareLink = Schemas["ShareLink"];

/** A shared conversation's page; its messages read like history's (no feedback, no route). */
export interface SharedConversation extends Omit<Schemas["SharedConversation"], "messages"> {
  messages: MessageView[];
}

export function shareConversation(conversationId: string): Promise<ShareLink> {
  return chat.post("/api/conversations/{conversation_id}/share", {
    path: { conversation_id: conversationId },
  });
}

export function unshareConversation(conversationId: string) {
  return chat.delete("/api/conversations/{conversation_id}/share", {
    path: { conversation_id: conversationId },
  });
}

export async function listShares(): Promise<Share[]> {
  return (await chat.get("/api/shares", { query: { limit: 100 } })).shares;
}

export function revokeShare(shareId: string) {
  return chat.delete("/api/shares/{share_id}", { path: { share_id: shareId } });
}

export async function readShared(token: string, cursor?: string): Promise<SharedConversation> {
  const page = await chat.get("/api/shared/{token}", {
    path: { token },
    query: cursor ? { cursor, limit: 50 } : { limit: 50 },
  });
  return {
    ...page,
    // Read-only: what history has and a shared message does not (feedback, route, provider)
    // is empty; roles and statuses are those MessageView names (the service sends no others).
    messages: page.messages.map(
      (m) =>
        ({ ...m, route: "", feedback: null, provider: null, finishReason: null }) as MessageView,
    ),
  };
}

/** "Continue as my own": the new conversation of the caller's. */
export async function copyShared(token: string): Promise<Conversation> {
  return (await chat.post("/api/shared/{token}/copy", { path: { token } })) as Conversation;
}
export type ExportFormat = "md" | "json";

/** Downloads the conversation's export under the name the service gives it. */
export async function downloadExport(conversationId: string, format: ExportFormat): Promise<void> {
  const response = await request(
    pathFor(
      "/api/conversations/{conversation_id}/export",
      { conversation_id: conversationId },
      { format },
    ),
  );
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = named?.[1] ?? `conversation.${format}`;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has handed the file to the browser's download.
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The absolute address of a link (the service answers the web app's path). */
export function linkAddress(link: ShareLink): string {
  return new URL(link.url, window.location.origin).toString();
}
