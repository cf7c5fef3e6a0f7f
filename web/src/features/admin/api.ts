/** Every request of the admin pages (tenant admins; the services enforce it too), typed by the
 * chat service's generated OpenAPI types through the one client in lib/api. */
import { apiClient } from "../../lib/api";
import type { components, paths } from "../../lib/api/chat";
import type { paths as FilesPaths } from "../../lib/api/files";
import type { Audience, Collection } from "../../lib/types";

type Schemas = components["schemas"];

const chat = apiClient<paths>();
const files = apiClient<FilesPaths>();

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

// Collections (the files service) and content health (decision 0111).

/** A collection's name, description and audience as the form edits them; `audience: null`
 * opens it to the whole tenant, no `audience` leaves it as it is. */
export interface CollectionChange {
  name: string;
  description: string;
  audience?: Audience | null;
}

// The service names only the roles `Collection` narrows them to.

export async function createCollection(change: CollectionChange): Promise<Collection> {
  return (await files.post("/api/collections", { json: change })) as Collection;
}

export async function changeCollection(id: string, change: CollectionChange): Promise<Collection> {
  const saved = await files.patch("/api/collections/{collection_id}", {
    path: { collection_id: id },
    json: change,
  });
  return saved as Collection;
}

export function deleteCollection(id: string): Promise<undefined> {
  return files.delete("/api/collections/{collection_id}", { path: { collection_id: id } });
}

/** GET /api/tenant/content-health: what an enablement manager fixes first. */
export type ContentHealth = Schemas["ContentHealth"];

export function loadContentHealth(): Promise<ContentHealth> {
  return chat.get("/api/tenant/content-health");
}
