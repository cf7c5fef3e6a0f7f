"""`TenantContext`: who is calling, for which tenant, in which roles - built only from a token."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from engageiq_tenancy.tenant_ids import validate_tenant_id


class Role(enum.StrEnum):
    MEMBER = "member"
    TENANT_ADMIN = "tenant_admin"


# Cognito group names carry the tenant, so a group of one tenant can never grant a role in
# another: "<tenant_id>--<role>". Tenant ids never contain "--" (see tenant_ids).
GROUP_SEPARATOR = "--"


def group_name(tenant_id: str, role: Role) -> str:
    """The Cognito group that grants `role` within `tenant_id`."""
    return f"{validate_tenant_id(tenant_id)}{GROUP_SEPARATOR}{role.value}"


def roles_from_groups(tenant_id: str, groups: object) -> frozenset[Role]:
    """The roles a user holds in `tenant_id`; groups of other tenants are ignored."""
    if not isinstance(groups, list):
        return frozenset()
    prefix = f"{tenant_id}{GROUP_SEPARATOR}"
    roles: set[Role] = set()
    for group in groups:
        if isinstance(group, str) and group.startswith(prefix):
            try:
                roles.add(Role(group.removeprefix(prefix)))
            except ValueError:
                continue
    if Role.TENANT_ADMIN in roles:
        # An admin of a tenant is also a member of it.
        roles.add(Role.MEMBER)
    return frozenset(roles)


@dataclass(frozen=True, slots=True)
class TenantContext:
    """The verified caller. Only the token verifier creates these in service code."""

    tenant_id: str
    user_id: str
    username: str
    roles: frozenset[Role]
    issued_at: int = 0
    """The token's `iat` (epoch seconds): access changes void tokens issued before them."""
    session: str = ""
    """The sign-in this token comes from: Cognito's `origin_jti` (kept through refreshes),
    else its `auth_time` in epoch seconds; "" for a context not made from a token. The audit
    log records a session's first request as its sign-in (decision 0119)."""
    federated: bool = False
    """The token carries Cognito's `identities` claim: the user signed in through their
    organisation's identity provider, not with a password (require-SSO, decision 0120)."""

    def __post_init__(self) -> None:
        validate_tenant_id(self.tenant_id)

    def has_role(self, role: Role) -> bool:
        return role in self.roles
