/** Shapes of the API's JSON. Those the services declare in OpenAPI come from the generated
 * `./api/chat.ts` and `./api/files.ts` (openapi-typescript over the documents the services
 * serve; `scripts/web-api-types` regenerates them from a running `engageiq dev`). The rest are
 * written here: the SSE events of POST /api/chat (a stream, not in OpenAPI), fields the
 * generated types state too loosely (`role`, `status` are plain strings there), and the issue 9
 * contract (feedback, tenant users, usage per day) until those routes are in the documents. */
import type { components as ChatApi } from "./api/chat";
import type { components as FilesApi } from "./api/files";

type ChatSchemas = ChatApi["schemas"];
type FilesSchemas = FilesApi["schemas"];

export type Me = ChatSchemas["Me"];
export type TenantView = ChatSchemas["TenantView"];
export type Conversation = ChatSchemas["Conversation"];
export type ConversationPage = ChatSchemas["ConversationPage"];
export type Citation = ChatSchemas["Citation"];
export type FileStatus = FilesSchemas["FileStatus"];
export type DirectUpload = FilesSchemas["DirectUpload"];

/** Public branding (GET /api/branding) and TenantView.branding. */
export interface Branding {
  displayName: string;
  primaryColor: string;
  logoUrl?: string | null;
}

export type Rating = "up" | "down";

export interface Feedback {
  rating: Rating;
  reason: string | null;
}

// Picked, not extended whole: `feedback`, `provider` and `finishReason` are optional here so
// that this compiles against the documents both before and after the issue 9 API lands.
export interface MessageView extends Pick<
  ChatSchemas["MessageView"],
  "id" | "content" | "createdAt" | "route" | "citations"
> {
  role: "user" | "assistant";
  status: "complete" | "incomplete" | "failed";
  feedback?: Feedback | null;
  provider?: string | null;
  finishReason?: string | null;
}

export interface HistoryPage {
  messages: MessageView[];
  nextCursor: string | null;
}

export interface Meta {
  conversationId: string;
  userMessageId: string;
  assistantMessageId: string;
  route: string;
  provider: string;
  model: string;
}

export interface Done {
  finishReason: string;
  usage: { inputTokens: number; outputTokens: number };
}

/** The files service omits fields at their default (msgspec omit_defaults), which the
 * generated type does not show; so these are optional here. */
export interface FileView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  status: FileStatus;
  createdAt: string;
  updatedAt?: string;
  /** The uploader's user id (Me.userId); absent for files from before it was kept. */
  uploadedBy?: string;
  chunkCount?: number;
  reasonCode?: string | null;
  reason?: string | null;
  awaitingUpload?: boolean;
  downloadUrl?: string | null;
}

export interface FilePage {
  files: FileView[];
  nextCursor?: string | null;
}

export interface Usage {
  month: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  tokens: number;
  monthlyTokenBudget: number;
  remainingTokens: number;
  daily?: { date: string; tokens: number }[];
  topDocuments?: { fileId: string; title: string; citations: number }[];
}

export type Role = "member" | "tenant_admin";

export interface TenantUser {
  userId: string;
  email: string;
  role: Role;
  status: string;
  enabled: boolean;
  createdAt: string;
}
