/** Shapes of the API's JSON, as the services declare them (msgspec structs, camelCase):
 * services/chat/engageiq_chat/{conversations,messages,turns}, services/files/engageiq_files/
 * catalog/views.py, shared/engageiq_tenancy/tenant_api.py, and the issue 9 API contract. */

export interface Me {
  tenantId: string;
  userId: string;
  username: string;
  roles: string[];
}

export interface Branding {
  displayName: string;
  primaryColor: string;
  logoUrl: string | null;
}

export interface TenantView {
  tenantId: string;
  name: string;
  plan: string;
  status: string;
  branding: Branding;
}

export interface Conversation {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  messageCount: number;
  lastRoute: string | null;
}

export interface ConversationPage {
  conversations: Conversation[];
  nextCursor: string | null;
}

export interface Citation {
  sourceId: string;
  title: string;
  location: string;
  snippet: string;
}

export type Rating = "up" | "down";

export interface Feedback {
  rating: Rating;
  reason: string | null;
}

export interface MessageView {
  id: string;
  role: "user" | "assistant";
  content: string;
  createdAt: string;
  status: "complete" | "incomplete" | "failed";
  route: string;
  citations: Citation[];
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

export type FileStatus = "pending" | "processing" | "ready" | "failed";

export interface FileView {
  id: string;
  name: string;
  size: number;
  contentType: string;
  status: FileStatus;
  createdAt: string;
  updatedAt?: string;
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

export interface DirectUpload {
  id: string;
  name: string;
  upload: { url: string; fields: Record<string, string> };
  maxBytes: number;
  expiresIn: number;
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
