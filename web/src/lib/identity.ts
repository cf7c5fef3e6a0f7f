/** Who is signed in (GET /api/me) and their tenant's branding (GET /api/tenant). */
import { api } from "./api";
import { applyBranding } from "./branding";
import { Store } from "./store";
import type { Me, TenantView } from "./types";

export const me = new Store<Me | null>(null);

export function isAdmin(who: Me | null): boolean {
  return Boolean(who?.roles.includes("tenant_admin"));
}

export async function loadIdentity(): Promise<Me> {
  const who = await api<Me>("/me");
  me.set(who);
  // Branding is decoration: a failure here leaves the default and is not an error.
  api<TenantView>("/tenant")
    .then((tenant) => applyBranding(tenant.branding))
    .catch(() => undefined);
  return who;
}
