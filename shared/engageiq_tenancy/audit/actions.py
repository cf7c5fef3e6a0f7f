"""The one list of audited actions and their outcomes (decision 0118; what is audited when:
decision 0119). Values are "area.verb" and are stored in entries: never rename one, since old
entries keep the old value (and their hashes cover it)."""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    SESSION_SIGNED_IN = "session.signed_in"
    USER_INVITED = "user.invited"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_REMOVED = "user.removed"
    SSO_SET = "sso.set"
    SSO_REMOVED = "sso.removed"
    TENANT_BRANDING_CHANGED = "tenant.branding_changed"
    TENANT_SETTINGS_CHANGED = "tenant.settings_changed"
    TENANT_RETENTION_CHANGED = "tenant.retention_changed"
    TENANT_CREATED = "tenant.created"
    TENANT_SUSPENDED = "tenant.suspended"
    TENANT_RESUMED = "tenant.resumed"
    TENANT_EXPORTED = "tenant.exported"
    TENANT_IMPORTED = "tenant.imported"
    TENANT_PURGED = "tenant.purged"
    COLLECTION_CREATED = "collection.created"
    COLLECTION_CHANGED = "collection.changed"
    COLLECTION_DELETED = "collection.deleted"
    AUDIENCE_CHANGED = "audience.changed"
    FILE_UPLOADED = "file.uploaded"
    FILE_VERSION_ADDED = "file.version_added"
    FILE_RESTORED = "file.restored"
    FILE_VERIFIED = "file.verified"
    FILE_VERIFICATION_WITHDRAWN = "file.verification_withdrawn"
    FILE_CHANGED = "file.changed"
    """Its collections (who may see it) or its owner (audit-hooks, decision 0119)."""
    FILE_DELETED = "file.deleted"
    FILE_DOWNLOADED = "file.downloaded"
    CONVERSATION_EXPORTED = "conversation.exported"
    CONVERSATION_DELETED = "conversation.deleted"
    SHARE_CREATED = "share.created"
    SHARE_REVOKED = "share.revoked"
    SHARE_COPIED = "share.copied"
    PLAY_CREATED = "play.created"
    PLAY_CHANGED = "play.changed"
    PLAY_DELETED = "play.deleted"
    RETENTION_DELETED = "retention.deleted"
    AUDIT_EXPORTED = "audit.exported"


class AuditOutcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    DENIED = "denied"
    """Refused for lack of a role or of access (recorded where decision 0119 says so)."""
    FAILED = "failed"
