"""What a collection may be called, described as and shown to: the checks every write of a
collection passes before anything is stored (each refusal is its own error code)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

from engageiq_tenancy.context import Role
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.governance import (
    MAX_AUDIENCE_USERS,
    MAX_COLLECTION_DESCRIPTION,
    MAX_COLLECTION_NAME,
    Audience,
)


def _is_control(character: str) -> bool:
    # Cc (controls), Cf (format: bidi overrides, zero-width), Cs, Co, Cn: never shown as text.
    return unicodedata.category(character).startswith("C")


def clean_name(raw: str) -> str:
    """The name as stored: NFC, with runs of white space made one space and none at either
    end. 400 `invalid_collection_name` when that is empty, longer than
    `MAX_COLLECTION_NAME` characters, or holds invisible control or format characters."""
    name = " ".join(unicodedata.normalize("NFC", raw).split())
    if not name or len(name) > MAX_COLLECTION_NAME or any(_is_control(c) for c in name):
        raise ApiError(Errors.INVALID_COLLECTION_NAME, limit=MAX_COLLECTION_NAME)
    return name


def clean_description(raw: str) -> str:
    """The description as stored (trimmed, NFC; line breaks kept). 400
    `invalid_collection_description` above `MAX_COLLECTION_DESCRIPTION` characters or with
    control characters other than line breaks and tabs."""
    description = unicodedata.normalize("NFC", raw).strip()
    if len(description) > MAX_COLLECTION_DESCRIPTION or any(
        _is_control(c) and c not in "\n\t" for c in description
    ):
        raise ApiError(Errors.INVALID_COLLECTION_DESCRIPTION, limit=MAX_COLLECTION_DESCRIPTION)
    return description


def check_audience(
    users: Sequence[str], roles: Sequence[str], is_tenant_user: Callable[[str], bool]
) -> Audience:
    """The audience as stored (each user and role once, in the order given). 400
    `invalid_audience` when it names neither users nor roles, a role that is not one of
    `Role`'s, more than `MAX_AUDIENCE_USERS` users, or a user `is_tenant_user` (a user
    directory lookup, blocking) does not know in the caller's tenant."""
    known = {role.value for role in Role}
    unknown_roles = [r for r in roles if r not in known]
    if unknown_roles:
        raise ApiError(
            Errors.INVALID_AUDIENCE,
            detail=f"unknown role {unknown_roles[0]!r}; roles are {', '.join(sorted(known))}",
        )
    unique_users = tuple(dict.fromkeys(users))
    unique_roles = tuple(Role(r) for r in dict.fromkeys(roles))
    if not unique_users and not unique_roles:
        raise ApiError(
            Errors.INVALID_AUDIENCE,
            detail="name users or roles, or send null to open the collection to everyone",
        )
    if len(unique_users) > MAX_AUDIENCE_USERS:
        raise ApiError(Errors.INVALID_AUDIENCE, detail=f"name at most {MAX_AUDIENCE_USERS} users")
    for user in unique_users:
        if not is_tenant_user(user):
            raise ApiError(
                Errors.INVALID_AUDIENCE,
                detail=f"{user!r} is not a user of your organisation (removed users must be "
                "taken out of the audience)",
            )
    return Audience(users=unique_users, roles=unique_roles)
