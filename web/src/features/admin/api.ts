/** Every request of the admin pages (tenant admins; the services enforce it too), typed by the
 * chat service's generated OpenAPI types through the one client in lib/api. */
import { api, apiClient } from "../../lib/api";
import type { components, paths } from "../../lib/api/chat";
import type { Audience, Collection } from "../../lib/types";

type Schemas = components["schemas"];

const chat = apiClient<paths>();

export type TenantUser = Schemas["UserView"];
export type Role = TenantUser["role"];
export type Usage = Schemas["UsageView"];

export function loadTenant() {
  return chat.get("/api/tenant");
}

export function saveBranding(branding: Schemas["BrandingPatch"]) {
  return chat.patch("/api/tenant", { json: branding });
}

export function listUsers() {
  return chat.get("/api/tenant/users");
}

export function inviteUser(email: string, role: Role) {
  return chat.post("/api/tenant/users", { json: { email, role } });
}

export function changeUserRole(userId: string, role: Role) {
  return chat.patch("/api/tenant/users/{user_id}", { path: { user_id: userId }, json: { role } });
}

export function removeUser(userId: string) {
  return chat.delete("/api/tenant/users/{user_id}", { path: { user_id: userId } });
}

export function loadUsage() {
  return chat.get("/api/tenant/usage");
}

// Collections and content health (decision 0111): written from the contract until
// scripts/web-api-types regenerates the services' documents with them.

/** A collection's name, description and audience as the form edits them; `audience: null`
 * opens it to the whole tenant. */
export interface CollectionChange {
  name?: string;
  description?: string;
  audience?: Audience | null;
}

export function createCollection(change: CollectionChange): Promise<Collection> {
  return api<Collection>("/collections", { method: "POST", json: change });
}

export function changeCollection(id: string, change: CollectionChange): Promise<Collection> {
  return api<Collection>(`/collections/${encodeURIComponent(id)}`, {
    method: "PATCH",
    json: change,
  });
}

export function deleteCollection(id: string): Promise<void> {
  return api<undefined>(`/collections/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** GET /api/tenant/content-health: what an enablement manager fixes first. */
export interface ContentHealth {
  generatedAt: string;
  staleCited: { fileId: string; name: string; citations: number; reviewBy: string }[];
  unverifiedMostCited: { fileId: string; name: string; citations: number }[];
  neverCited: { fileId: string; name: string; createdAt: string }[];
  mostThumbsDown: { fileId: string; name: string; thumbsDown: number }[];
  unanswered: { question: string; count: number; lastAskedAt: string }[];
}

export function loadContentHealth(): Promise<ContentHealth> {
  return api<ContentHealth>("/tenant/content-health");
}
