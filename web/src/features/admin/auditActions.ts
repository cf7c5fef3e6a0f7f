/** What each audited action (`engageiq_tenancy.audit.AuditAction`, "area.verb") reads as on
 * the audit log page, in the order the action filter offers them. An action the service adds
 * later reads as its own words ("share.copied" -> "Share copied") until it is named here. */

export const AUDIT_ACTION_LABELS: Readonly<Record<string, string>> = {
  "session.signed_in": "Signed in",
  "user.invited": "User invited",
  "user.role_changed": "User's role changed",
  "user.removed": "User removed",
  "sso.set": "Single sign-on connected or changed",
  "sso.removed": "Single sign-on removed",
  "tenant.branding_changed": "Branding changed",
  "tenant.settings_changed": "Settings changed",
  "tenant.retention_changed": "Retention changed",
  "tenant.created": "Organisation created",
  "tenant.suspended": "Organisation suspended",
  "tenant.resumed": "Organisation resumed",
  "tenant.exported": "Organisation exported",
  "tenant.imported": "Organisation imported",
  "tenant.purged": "Organisation purged",
  "collection.created": "Collection created",
  "collection.changed": "Collection changed",
  "collection.deleted": "Collection deleted",
  "audience.changed": "Audience changed",
  "file.uploaded": "File uploaded",
  "file.version_added": "New file version",
  "file.restored": "File version restored",
  "file.verified": "File verified",
  "file.verification_withdrawn": "File verification withdrawn",
  "file.changed": "File changed",
  "file.deleted": "File deleted",
  "file.downloaded": "File downloaded",
  "conversation.exported": "Conversation exported",
  "conversation.deleted": "Conversation deleted",
  "share.created": "Share link created",
  "share.revoked": "Share link revoked",
  "share.copied": "Shared conversation copied",
  "play.created": "Play created",
  "play.changed": "Play changed",
  "play.deleted": "Play deleted",
  "retention.deleted": "Deleted by retention",
  "audit.exported": "Audit log exported",
};

/** A readable label for an action value. */
export function actionLabel(action: string): string {
  const known = AUDIT_ACTION_LABELS[action];
  if (known) return known;
  const words = action.replace(/[._]/g, " ").trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : action;
}
