/** The requests of the enterprise pages on /admin (issue 25): the audit log (decision 0118),
 * retention (0122) and single sign-on (0120). Tenant admins only; the services enforce it too
 * (a member gets 403). Typed by the chat service's generated OpenAPI types, narrowed here where
 * the document states a field loosely (an outcome as `string`). */
import { apiClient, pathFor, request } from "../../lib/api";
import type { components, paths } from "../../lib/api/chat";

type Schemas = components["schemas"];

const chat = apiClient<paths>();

// Audit log (GET /api/tenant/audit, /api/tenant/audit/export).

export type AuditOutcome = "succeeded" | "denied" | "failed";

/** Who acted: a signed-in user (`userId`, `email`), an operator through the CLI (`operator`:
 * their AWS identity's ARN), or a part of the platform (`system`, e.g. "retention"). */
export type AuditActor = Omit<Schemas["ActorView"], "kind"> & {
  kind: "user" | "operator" | "system";
};

/** One entry of the log; `at` is ISO-8601 UTC, `seq` grows by one per entry of the tenant. */
export type AuditEntry = Omit<Schemas["AuditEntryView"], "actor" | "outcome"> & {
  actor: AuditActor;
  outcome: AuditOutcome;
};

/** One page, newest first; `nextCursor` null when there is nothing older. */
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

function auditQuery(filter: Partial<AuditFilter>): Partial<AuditFilter> {
  const query: Partial<AuditFilter> = {};
  for (const [name, value] of Object.entries(filter) as [keyof AuditFilter, string][]) {
    const text = value.trim();
    if (text) query[name] = text;
  }
  return query;
}

/** A page of the log; pass the previous page's `nextCursor` for the next one.
 * Throws ApiError: 400 `invalid_audit_filter` (its sentence names the parameter at fault, e.g.
 * "`since` is after `until`."), 403 `forbidden`, 503 `audit_unavailable`. */
export async function loadAuditPage(
  filter: AuditFilter,
  cursor: string | null = null,
  limit = 50,
): Promise<AuditPage> {
  const page = await chat.get("/api/tenant/audit", {
    query: { ...auditQuery(filter), cursor, limit },
  });
  return page as AuditPage;
}

/** Downloads the log (JSON Lines, oldest first) for the filter's dates under the service's
 * file name. The service records the export itself (`audit.exported`) before it starts. */
export async function downloadAuditExport(filter: Pick<AuditFilter, "since" | "until">) {
  const query = auditQuery({ since: filter.since, until: filter.until });
  const response = await request(pathFor("/api/tenant/audit/export", {}, query));
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
// ever (the default); `deletedFilesDays` 7, 30 or 90 (the default, and the longest: the uploads
// bucket keeps deleted versions 90 days whatever a tenant chose), never null.

export const CONVERSATION_DAYS = [30, 90, 365] as const;
export const DELETED_FILE_DAYS = [7, 30, 90] as const;
export const DELETED_FILES_DEFAULT_DAYS = 90;

export interface Retention {
  conversationsDays: (typeof CONVERSATION_DAYS)[number] | null;
  deletedFilesDays: (typeof DELETED_FILE_DAYS)[number];
}

/** The retention of a tenant as the service answers it (missing fields: the defaults). */
function retentionOf(answer: Schemas["RetentionPolicy"]): Retention {
  return {
    conversationsDays: (answer.conversationsDays ?? null) as Retention["conversationsDays"],
    deletedFilesDays: (answer.deletedFilesDays ??
      DELETED_FILES_DEFAULT_DAYS) as Retention["deletedFilesDays"],
  };
}

export async function loadRetention(): Promise<Retention> {
  return retentionOf((await chat.get("/api/tenant")).retention);
}

/** Throws ApiError: 400 `invalid_retention` (a value outside the allowed set). */
export async function saveRetention(retention: Retention): Promise<Retention> {
  return retentionOf((await chat.patch("/api/tenant", { json: { retention } })).retention);
}

// Single sign-on (GET, PUT and DELETE /api/tenant/sso). Tenant admins connect OIDC; SAML is
// connected by an operator (`engageiq tenants sso set`). The client secret is never answered.

export type SsoStatus = Schemas["SsoView"];
export type OidcConnection = Schemas["SsoSettings"];

export function loadSso(): Promise<SsoStatus> {
  return chat.get("/api/tenant/sso");
}

/** Connects or changes the tenant's OIDC provider; the secret is needed each time. Throws
 * ApiError with the service's code and sentence (e.g. `sso_discovery_missing` for an issuer
 * without a discovery document, `sso_domain_claimed`, `sso_type_change` over SAML). */
export function saveSso(connection: OidcConnection): Promise<SsoStatus> {
  return chat.put("/api/tenant/sso", { json: connection });
}

export function removeSso(): Promise<undefined> {
  return chat.delete("/api/tenant/sso");
}
