"""Key layout of shared links, in the conversations table (decision 0113).

pk = "<tenant>#SHARES"           sk = "TOKEN#<sha256(token), hex>"
    the link, found by its token's hash: {shareId, owner, conversationId, title, through,
    messageCount, createdAt}. The token itself is never stored, so a leaked table leaks no
    link; the partition is the caller's tenant's, so another tenant's token finds nothing.
pk = "<tenant>#USER#<owner>"     sk = "SHARE#<shareId>"
    the owner's record of the link (the same attributes and `tokenHash`), beside their
    conversations: what they list and revoke. Share ids are time-ordered, so the newest
    sorts last.

Both are written and deleted together, in one transaction."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace
from typing import Final

from engageiq_chat.conversations import keys as conversation_keys
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import sort_key, tenant_partition, user_partition

SHARES_ENTITY: Final = "SHARES"
TOKEN_TAG: Final = "TOKEN"  # noqa: S105 - a key tag, not a secret
SHARE_TAG: Final = "SHARE"
TOKEN_BYTES: Final = 32
"""256 bits of randomness: a link cannot be guessed."""
TOKEN_PATTERN: Final = re.compile(r"[A-Za-z0-9_-]{43}")
"""What `new_token` makes (`secrets.token_urlsafe(32)`); anything else names no link."""


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """SHA-256 of the token, hex: what is stored and looked up. (No salt is needed: a token
    has 256 random bits, so there is no dictionary to precompute.)"""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def token_key(tenant: TenantContext, hashed: str) -> dict[str, str]:
    return {"pk": tenant_partition(tenant, SHARES_ENTITY), "sk": sort_key(TOKEN_TAG, hashed)}


def owner_partition(tenant: TenantContext, owner_id: str) -> str:
    """The conversations partition of `owner_id`, a user of the caller's own tenant (the
    tenant id stays the verified caller's; only the user part comes from the share record)."""
    return user_partition(replace(tenant, user_id=owner_id), conversation_keys.USER_ENTITY)


def owner_key(tenant: TenantContext, share_id: str) -> dict[str, str]:
    """The caller's own record of their share `share_id`."""
    return {"pk": conversation_keys.partition(tenant), "sk": sort_key(SHARE_TAG, share_id)}


def owner_prefix() -> str:
    return SHARE_TAG + "#"
