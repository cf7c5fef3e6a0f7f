/** The requests of the enterprise pages on /admin (issue 25): the audit log, retention and
 * single sign-on. Tenant admins only; the services enforce it too (a member gets 403).
 *
 * The shapes are the ones issue 25 agreed (audit-core, retention, sso-backend), written here by
 * hand until the generated `lib/api/chat.ts` carries them; then these types are aliases of its
 * schemas and the calls go through `apiClient<paths>()` like `./api.ts`. */
import { pathFor, request } from "../../lib/api";

// Audit log (GET /api/tenant/audit, /api/tenant/audit/export).

export type AuditOutcome = "succeeded" | "denied" | "failed";

/** Who acted: a signed-in user, an operator through the CLI (named by their AWS identity's
 * ARN), or the platform itself (e.g. the retention sweeper). */
export interface AuditActor {
  kind: "user" | "operator" | "system";
  userId?: string | null;
  email?: string | null;
  operator?: string | null;
  /** The part of the platform, e.g. "retention". */
  system?: string | null;
}

export interface AuditTarget {
  kind: string;
  id: string;
  name: string;
}

/** One entry of the log; `at` is ISO-8601 UTC, `seq` grows by one per entry of the tenant. */
export interface AuditEntry {
  seq: number;
  at: string;
  actor: AuditActor;
  action: string;
  target: AuditTarget;
  outcome: AuditOutcome;
  requestId: string;
  sourceIp: string;
  userAgent: string;
  detail: Record<string, string | number | boolean | null>;
  hash: string;
  prevHash: string;
}

/** One page, newest first; `nextCursor` null on the last page. */
export interface AuditPage {
  entries: AuditEntry[];
  nextCursor: string | null;
}

/** The log's filters; dates are YYYY-MM-DD (UTC days), both ends included. An empty value is
 * no filter. */
export interface AuditFilter {
  actor: string;
  action: string;
  since: string;
  until: string;
}

export const NO_AUDIT_FILTER: AuditFilter = { actor: "", action: "", since: "", until: "" };

function auditQuery(filter: Partial<AuditFilter>): Record<string, string | undefined> {
  const query: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(filter)) {
    const text = value?.trim();
    if (text) query[name] = text;
  }
  return query;
}

/** A page of the log; pass the previous page's `nextCursor` for the next one.
 * Throws ApiError: 400 `invalid_audit_filter` (a malformed date or filter), 403 `forbidden`. */
export async function loadAuditPage(
  filter: AuditFilter,
  cursor: string | null = null,
  limit = 50,
): Promise<AuditPage> {
  const path = pathFor(
    "/api/tenant/audit",
    {},
    { ...auditQuery(filter), cursor: cursor ?? undefined, limit },
  );
  return (await (await request(path)).json()) as AuditPage;
}

/** Downloads the log (JSON Lines, oldest first) for the filter's dates under the service's
 * file name. The service records the export itself (`audit.exported`). */
export async function downloadAuditExport(filter: Pick<AuditFilter, "since" | "until">) {
  const path = pathFor(
    "/api/tenant/audit/export",
    {},
    auditQuery({ since: filter.since, until: filter.until }),
  );
  const response = await request(path);
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "");
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = named?.[1] ?? "audit-log.jsonl";
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has handed the file to the browser's download.
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// Retention (GET and PATCH /api/tenant; decision 0122). `conversationsDays` null: kept for
// ever (the default); `deletedFilesDays` null: the platform's 90 days (the longest there is).

export const CONVERSATION_DAYS = [30, 90, 365] as const;
export const DELETED_FILE_DAYS = [7, 30, 90] as const;
export const DELETED_FILES_PLATFORM_DAYS = 90;

export interface Retention {
  conversationsDays: (typeof CONVERSATION_DAYS)[number] | null;
  deletedFilesDays: (typeof DELETED_FILE_DAYS)[number] | null;
}

export const KEEP_FOR_EVER: Retention = { conversationsDays: null, deletedFilesDays: null };

async function json<T>(path: string, init: Parameters<typeof request>[1] = {}): Promise<T> {
  const response = await request(pathFor(path), init);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** The tenant's retention; a tenant the service answers without one keeps everything. */
export async function loadRetention(): Promise<Retention> {
  const tenant = await json<{ retention?: Partial<Retention> | null }>("/api/tenant");
  return { ...KEEP_FOR_EVER, ...(tenant.retention ?? {}) };
}

/** Throws ApiError: 400 `invalid_retention` (a value outside the allowed set). */
export async function saveRetention(retention: Retention): Promise<Retention> {
  const tenant = await json<{ retention?: Partial<Retention> | null }>("/api/tenant", {
    method: "PATCH",
    json: { retention },
  });
  return { ...KEEP_FOR_EVER, ...(tenant.retention ?? retention) };
}

// Single sign-on (GET, PUT and DELETE /api/tenant/sso). Tenant admins connect OIDC; SAML is
// connected by an operator (`engageiq tenants sso set`). The client secret is never answered.

export interface SsoStatus {
  configured: boolean;
  type?: "OIDC" | "SAML" | null;
  providerName?: string | null;
  domains?: string[];
  requireSso?: boolean;
  issuer?: string | null;
  clientId?: string | null;
  metadataUrl?: string | null;
}

export interface OidcConnection {
  oidc: { issuer: string; clientId: string; clientSecret: string };
  domains: string[];
  requireSso: boolean;
}

export function loadSso(): Promise<SsoStatus> {
  return json<SsoStatus>("/api/tenant/sso");
}

/** Connects or changes the tenant's OIDC provider. Throws ApiError with the service's code
 * (e.g. an issuer without a discovery document, a domain another organisation has claimed). */
export function saveSso(connection: OidcConnection): Promise<SsoStatus> {
  return json<SsoStatus>("/api/tenant/sso", { method: "PUT", json: connection });
}

export function removeSso(): Promise<undefined> {
  return json<undefined>("/api/tenant/sso", { method: "DELETE" });
}
