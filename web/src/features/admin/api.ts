/** Every request of the admin page (tenant admins; the services enforce it too), typed by the
 * chat service's generated OpenAPI types through the one client in lib/api. */
import { apiClient } from "../../lib/api";
import type { components, paths } from "../../lib/api/chat";

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
