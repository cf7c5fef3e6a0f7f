/** Who is signed in (GET /api/me) and their tenant's branding (GET /api/tenant). */
import { apiClient } from "./api";
import type { paths } from "./api/chat";
import { applyBranding } from "./branding";
import { Store } from "./store";
import type { Me } from "./types";

const chat = apiClient<paths>();

export const me = new Store<Me | null>(null);

export function isAdmin(who: Me | null): boolean {
  return Boolean(who?.roles.includes("tenant_admin"));
}

export async function loadIdentity(): Promise<Me> {
  const who = await chat.get("/api/me");
  me.set(who);
  // Branding is decoration: a failure here leaves the default and is not an error.
  chat
    .get("/api/tenant")
    .then((tenant) => applyBranding(tenant.branding))
    .catch(() => undefined);
  return who;
}
