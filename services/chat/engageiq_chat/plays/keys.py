"""Key layout of plays in the conversations table (decision 0115).

A private play lives in its owner's partition, beside their conversations; the tenant's
shared plays live in one partition of their own:

pk = "<tenant>#USER#<user>"   sk = "PLAY#<play>"                 a private play
                              sk = "PLAYNAME#<sha256 of name>"   its name lock: {playId}
pk = "<tenant>#PLAYS"         sk = "PLAY#<play>"                 a shared play
                              sk = "PLAYNAME#<sha256 of name>"   its name lock: {playId}

A key is built from the caller's `TenantContext`, so another user's private plays and another
tenant's plays cannot be named at all. Plays carry no `gsi1pk`, so the conversations'
`by_updated` index never sees them, and the conversations' and messages' queries ask for
`CONV#`/`MSG#` sort keys only. The locks' tag does not begin with `PLAY#`: listing plays never
reads a lock."""

from __future__ import annotations

import hashlib
import unicodedata
from typing import Final

from engageiq_chat.conversations.keys import partition as user_partition
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import sort_key, tenant_partition

SHARED_ENTITY: Final = "PLAYS"
PLAY_TAG: Final = "PLAY"
NAME_LOCK_TAG: Final = "PLAYNAME"


def partition(tenant: TenantContext, *, shared: bool) -> str:
    """The tenant's shared plays' partition, or the caller's own."""
    return tenant_partition(tenant, SHARED_ENTITY) if shared else user_partition(tenant)


def play_sk(play_id: str) -> str:
    return sort_key(PLAY_TAG, play_id)


def play_prefix() -> str:
    return f"{PLAY_TAG}#"


def play_key(tenant: TenantContext, play_id: str, *, shared: bool) -> dict[str, str]:
    return {"pk": partition(tenant, shared=shared), "sk": play_sk(play_id)}


def folded_name(name: str) -> str:
    """What two play names are compared by: NFKC, case-folded, runs of white space as one."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def name_lock_key(tenant: TenantContext, name: str, *, shared: bool) -> dict[str, str]:
    """The lock of `name` among the shared plays, or among the caller's private plays."""
    digest = hashlib.sha256(folded_name(name).encode()).hexdigest()
    return {"pk": partition(tenant, shared=shared), "sk": sort_key(NAME_LOCK_TAG, digest)}
