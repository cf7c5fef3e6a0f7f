"""Key layout of the conversations table (see docs/decisions/0020-chat-memory-layout.md).

pk   = "<tenant>#USER#<user>"              everything of one user of one tenant
sk   = "CONV#<conversation>"              the conversation item
sk   = "MSG#<conversation>#<message>"     one item per message, time-ordered ids
gsi1 = (pk, "<updatedAt>#<conversation>") only on live conversation items: by_updated is sparse
gsi1 = ("<pk>#RETIRING", ...)            a conversation the retention sweep marked (decision 0122)
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Final

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import sort_key, user_partition
from engageiq_tenancy.tenant_ids import KEY_DELIMITER, OBJECT_ID_PATTERN

USER_ENTITY: Final = "USER"
BY_UPDATED: Final = "by_updated"
_ID = OBJECT_ID_PATTERN.pattern
CONVERSATION_SK: Final = re.compile(rf"CONV#({_ID})")
UPDATED_SK: Final = re.compile(rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{6}}Z#({_ID})")


RETIRING: Final = "RETIRING"
"""The `by_updated` partition suffix of the conversations a retention sweep marked."""


def partition(tenant: TenantContext) -> str:
    return user_partition(tenant, USER_ENTITY)


def conversation_sk(conversation_id: str) -> str:
    return sort_key("CONV", conversation_id)


def message_prefix(conversation_id: str) -> str:
    return sort_key("MSG", conversation_id) + "#"


def message_sk(conversation_id: str, message_id: str) -> str:
    return sort_key("MSG", conversation_id, message_id)


def updated_sk(updated_at: str, conversation_id: str) -> str:
    return f"{updated_at}#{conversation_id}"


def now_iso() -> str:
    """Fixed-width UTC timestamps, so they sort as strings."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def retiring_partition(user_partition: str) -> str:
    """The `by_updated` partition (gsi1pk) a conversation moves to when the retention sweep
    marks it: out of the user's listing (`gsi1pk = <tenant>#USER#<user>`), still in the index,
    so a sweep cut short is finished by the next one without reading the table."""
    return f"{user_partition}{KEY_DELIMITER}{RETIRING}"
