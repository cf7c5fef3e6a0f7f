"""`UserDirectory`: a tenant's users in the Cognito user pool - the one implementation behind
the operator CLI (`engageiq users ...`) and the tenant admin API (`/api/tenant/users`).

Every user carries the immutable `custom:tenant_id`; roles are the per-tenant groups
`<tenant>--<role>`. Every operation first checks that the user belongs to the tenant named on
the command line (or in the admin's token), so a typo can never touch another tenant's user.

Removing or demoting a user takes effect at once, whoever calls it (the CLI or the tenant
admin API): the change is recorded in the tenant record, where every service's TenantGate
sees it within its cache time (tokens issued before it are refused or lose the role), and the
user is signed out of Cognito everywhere so their refresh tokens stop working. A tenant always
keeps one admin (`ensure_not_last_admin`)."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from botocore.exceptions import ClientError

from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.operation_errors import Conflict, InvalidInput, NotFound
from engageiq_tenancy.resources import TENANTS, USER_POOL
from engageiq_tenancy.sso import IDENTITIES_CLAIM, provider_name
from engageiq_tenancy.tenant_ids import USER_ID_PATTERN
from engageiq_tenancy.user_access import record_access_change, record_federated_removal

# The Cognito actions the tenant admin API causes through this class (tenant_members,
# member_by_id/_by_email, invite, set_role, remove with the last-admin rule and the global
# sign-out of a removed or demoted user): exactly what the
# chat service's role may do on its user pool (platform/engageiq_infra/access.py).
TENANT_ADMIN_API_ACTIONS: Final[tuple[str, ...]] = (
    "cognito-idp:ListUsersInGroup",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminCreateUser",
    "cognito-idp:AdminAddUserToGroup",
    "cognito-idp:AdminRemoveUserFromGroup",
    "cognito-idp:AdminDeleteUser",
    "cognito-idp:AdminUserGlobalSignOut",
)

# What the files service does with the pool: check that a user named in a collection's
# audience, or made a file's owner, is a user of the caller's tenant (`has_member`), and read
# an owner's roles to ask whether a restricted collection's audience admits them
# (`member_by_id`). Reads only.
MEMBER_LOOKUP_ACTIONS: Final[tuple[str, ...]] = (
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
)

_EMAIL: Final = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")


class UserPoolTarget(Protocol):
    """Where the directory acts: the CLI's `Target`, or the chat service's own pool client."""

    @property
    def user_pool_id(self) -> str: ...

    @property
    def is_local(self) -> bool:
        """True on the local platform, where nothing sends e-mail (invitations print a
        temporary password instead)."""
        ...

    @property
    def tables(self) -> Mapping[str, str]:
        """Physical table names by logical name; access changes go to the tenants table."""
        ...

    def client(self, service: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class ServicePool:
    """A service's view of its user pool, in the shape `UserDirectory` takes."""

    user_pool_id: str
    is_local: bool
    cognito: Any
    dynamodb: Any
    """Writes access changes (revocations) into the tenant record."""
    tables: Mapping[str, str]

    def client(self, service: str) -> Any:
        if service == "cognito-idp":
            return self.cognito
        if service == "dynamodb":
            return self.dynamodb
        raise ValueError(f"only the user pool and DynamoDB clients are available, not {service}")


@dataclass(frozen=True, slots=True)
class TenantUser:
    email: str
    tenant_id: str
    roles: tuple[str, ...]
    status: str
    enabled: bool
    user_id: str = ""
    """The Cognito user name, which is the `sub` (email is only an alias in this pool)."""
    created_at: str = ""
    """ISO 8601, UTC."""


@dataclass(frozen=True, slots=True)
class Invitation:
    email: str
    role: Role
    created: bool
    temporary_password: str | None


def _code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


class UserDirectory:
    def __init__(self, target: UserPoolTarget) -> None:
        self.target = target
        self.cognito = target.client("cognito-idp")
        self.pool = target.user_pool_id
        self.dynamodb = target.client("dynamodb")

    @staticmethod
    def validate_email(email: str) -> str:
        email = email.strip().lower()
        if not _EMAIL.fullmatch(email):
            raise InvalidInput("invalid_email", f"'{email}' is not a valid email address.")
        return email

    def ensure_group(self, name: str) -> None:
        try:
            self.cognito.create_group(UserPoolId=self.pool, GroupName=name)
        except ClientError as exc:
            if _code(exc) != "GroupExistsException":
                raise

    def _user(self, email: str) -> dict[str, Any] | None:
        try:
            user: dict[str, Any] = self.cognito.admin_get_user(UserPoolId=self.pool, Username=email)
        except ClientError as exc:
            if _code(exc) == "UserNotFoundException":
                return None
            raise
        return user

    @staticmethod
    def _tenant_of(user: dict[str, Any]) -> str | None:
        attributes = user.get("UserAttributes") or user.get("Attributes") or []
        for attribute in attributes:
            if attribute["Name"] == USER_POOL.tenant_claim:
                return str(attribute["Value"])
        return None

    @staticmethod
    def _belongs_to(user: dict[str, Any], slug: str) -> bool:
        """A federated user belongs to the tenant whose identity provider they came through
        (their `custom:tenant_id` is never set: decision 0121); anyone else to the tenant
        their immutable `custom:tenant_id` names."""
        provider = federated_provider(user)
        if provider is not None:
            return provider == provider_name(slug)
        return UserDirectory._tenant_of(user) == slug

    def _require_member(self, slug: str, email: str) -> dict[str, Any]:
        user = self._user(email)
        if user is None or not self._belongs_to(user, slug):
            # The same answer whether the user is absent or belongs to another tenant.
            raise NotFound("unknown_user", f"Tenant '{slug}' has no user {email}.")
        return user

    def invite(self, slug: str, email: str, role: Role, *, exist_ok: bool = False) -> Invitation:
        email = self.validate_email(email)
        existing = self._user(email)
        if existing is not None:
            if not self._belongs_to(existing, slug):
                raise Conflict("user_exists", f"{email} already has an account elsewhere.")
            if not exist_ok:
                raise Conflict("user_exists", f"{email} is already a user of '{slug}'.")
            self._add_roles(slug, email, role)
            return Invitation(email, role, False, None)
        request: dict[str, Any] = {
            "UserPoolId": self.pool,
            "Username": email,
            "UserAttributes": [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": USER_POOL.tenant_claim, "Value": slug},
            ],
        }
        password: str | None = None
        if self.target.is_local:
            # Nothing sends email locally: set the temporary password and print it instead.
            password = f"Tmp-{secrets.token_urlsafe(12)}-4k"
            request |= {"TemporaryPassword": password, "MessageAction": "SUPPRESS"}
        else:
            request["DesiredDeliveryMediums"] = ["EMAIL"]
        try:
            self.cognito.admin_create_user(**request)
        except ClientError as exc:
            if _code(exc) == "UsernameExistsException":
                # A concurrent run created it first; treat it like the existing-user path.
                return self.invite(slug, email, role, exist_ok=exist_ok)
            raise
        self._add_roles(slug, email, role)
        return Invitation(email, role, True, password)

    def _add_roles(self, slug: str, email: str, role: Role) -> None:
        for granted in (Role.MEMBER, role) if role != Role.MEMBER else (Role.MEMBER,):
            self.cognito.admin_add_user_to_group(
                UserPoolId=self.pool, Username=email, GroupName=group_name(slug, granted)
            )

    def set_role(self, slug: str, email: str, role: Role) -> None:
        """Give the user exactly `role` (tenant_admin includes member). A demotion voids the
        tenant_admin role of the user's existing tokens and signs them out of Cognito.
        Raises NotFound (unknown_user) and Conflict (last_admin)."""
        email = self.validate_email(email)
        user = self._require_member(slug, email)
        self._add_roles(slug, email, role)
        if role == Role.MEMBER and email in self._admins(slug):
            self.ensure_not_last_admin(slug, user["Username"])
            # Recorded before the group changes, so a failure part-way fails closed.
            self._void_older_tokens(slug, email, user, frozenset({Role.MEMBER}))
            self.cognito.admin_remove_user_from_group(
                UserPoolId=self.pool,
                Username=email,
                GroupName=group_name(slug, Role.TENANT_ADMIN),
            )

    def remove(self, slug: str, email: str) -> None:
        """Delete the user; their existing tokens are refused (401 token_revoked) from then on.
        Raises NotFound (unknown_user) and Conflict (last_admin)."""
        email = self.validate_email(email)
        user = self._require_member(slug, email)
        self.ensure_not_last_admin(slug, user["Username"])
        federated = federated_provider(user) is not None
        # A federated user signs in as `<provider>_<subject>`, never by their email.
        name = user["Username"] if federated else email
        self._void_older_tokens(slug, name, user, frozenset())
        if federated:
            # Cognito recreates a deleted federated user at their next sign-in through the
            # IdP; this record is what keeps them out (the pre-token-generation trigger).
            record_federated_removal(
                self.dynamodb, self.target.tables[TENANTS.logical_name], slug, user["Username"]
            )
        self.cognito.admin_delete_user(UserPoolId=self.pool, Username=name)

    def _admins(self, slug: str) -> set[str]:
        paginator = self.cognito.get_paginator("list_users_in_group")
        emails: set[str] = set()
        for page in paginator.paginate(
            UserPoolId=self.pool, GroupName=group_name(slug, Role.TENANT_ADMIN)
        ):
            for user in page["Users"]:
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                emails.add(attributes.get("email", user["Username"]).lower())
        return emails

    def _void_older_tokens(
        self, slug: str, email: str, user: dict[str, Any], roles: frozenset[Role]
    ) -> None:
        """Tokens issued until now keep at most `roles` (none: refused), in every service
        within the tenant gate's cache time; refresh tokens stop working at once."""
        record_access_change(
            self.dynamodb, self.target.tables[TENANTS.logical_name], slug, self._sub(user), roles
        )
        # By email, the name people sign in with (moto matches the sign-in name literally).
        self.cognito.admin_user_global_sign_out(UserPoolId=self.pool, Username=email)

    @staticmethod
    def _sub(user: dict[str, Any]) -> str:
        attributes = user.get("UserAttributes") or user.get("Attributes") or []
        for attribute in attributes:
            if attribute["Name"] == "sub":
                return str(attribute["Value"])
        # Cognito always has `sub`; without it no token could name this user either.
        raise RuntimeError("the Cognito user has no 'sub' attribute")

    def members(self, slug: str) -> list[TenantUser]:
        users = [self._describe(u, slug) for u in self.users_of(slug)]
        return sorted(users, key=lambda u: u.email)

    def _describe(self, user: dict[str, Any], slug: str) -> TenantUser:
        username = user["Username"]
        groups = self.cognito.admin_list_groups_for_user(UserPoolId=self.pool, Username=username)[
            "Groups"
        ]
        prefix = f"{slug}--"
        roles = tuple(
            sorted(
                g["GroupName"].removeprefix(prefix)
                for g in groups
                if g["GroupName"].startswith(prefix)
            )
        )
        email = next(
            (a["Value"] for a in user.get("Attributes", []) if a["Name"] == "email"), username
        )
        return TenantUser(
            email,
            slug,
            roles,
            user.get("UserStatus", ""),
            user.get("Enabled", True),
            user_id=username,
            created_at=_iso(user.get("UserCreateDate")),
        )

    def users_of(self, slug: str) -> Iterator[dict[str, Any]]:
        """Every user whose tenant attribute is `slug`, in or out of any group.

        Cognito cannot filter on custom attributes, so this pages through the pool: fine for an
        operator command, and complete, which is what offboarding needs."""
        paginator = self.cognito.get_paginator("list_users")
        for page in paginator.paginate(UserPoolId=self.pool):
            for user in page["Users"]:
                if self._belongs_to(user, slug):
                    yield user

    def groups_of(self, slug: str) -> list[str]:
        names = []
        paginator = self.cognito.get_paginator("list_groups")
        for page in paginator.paginate(UserPoolId=self.pool):
            names += [
                g["GroupName"] for g in page["Groups"] if g["GroupName"].startswith(f"{slug}--")
            ]
        return names

    # --- the last admin rule, in this one place for the CLI and the API ------------------

    def ensure_not_last_admin(self, slug: str, username: str) -> None:
        """Raise Conflict `last_admin` if `username` is the only enabled tenant admin of
        `slug`: a tenant must always keep an admin. Users who are not admins pass.

        Two admins demoting each other at the same moment can both pass (Cognito has no
        transactions); an operator can always restore an admin with `engageiq users set-role`."""
        admins = {
            u["Username"]
            for u in self.users_in_group(group_name(slug, Role.TENANT_ADMIN))
            if u.get("Enabled", True) and self._belongs_to(u, slug)
        }
        if username in admins and not admins - {username}:
            raise Conflict(
                "last_admin",
                "This is the organisation's last admin; make someone else an admin first.",
            )

    # --- lookups by user id, for the tenant admin API --------------------------------------

    def users_in_group(self, group: str) -> Iterator[dict[str, Any]]:
        paginator = self.cognito.get_paginator("list_users_in_group")
        for page in paginator.paginate(UserPoolId=self.pool, GroupName=group):
            yield from page["Users"]

    def tenant_members(self, slug: str) -> list[TenantUser]:
        """The users holding a role in `slug` (its member and admin groups), by email.

        Read from the tenant's own groups, never by listing the pool: the cost follows the
        tenant's size. Users without any role cannot sign in to anything and are not shown."""
        admins = {
            u["Username"]: u for u in self.users_in_group(group_name(slug, Role.TENANT_ADMIN))
        }
        members = {u["Username"]: u for u in self.users_in_group(group_name(slug, Role.MEMBER))}
        users = []
        for username, user in {**members, **admins}.items():
            if not self._belongs_to(user, slug):
                continue
            roles = [Role.MEMBER.value] if username in members else []
            roles += [Role.TENANT_ADMIN.value] if username in admins else []
            users.append(self._summary(slug, user, tuple(sorted(roles))))
        return sorted(users, key=lambda u: u.email)

    def member_by_id(self, slug: str, user_id: str) -> TenantUser:
        """The user `user_id` of `slug`; NotFound alike for a malformed id, a missing user and
        another tenant's user."""
        if USER_ID_PATTERN.fullmatch(user_id) is None:
            raise NotFound("unknown_user", f"Tenant '{slug}' has no such user.")
        user = self._user(user_id)
        if user is None or not self._belongs_to(user, slug):
            raise NotFound("unknown_user", f"Tenant '{slug}' has no such user.")
        return self._member(slug, user)

    def has_member(self, slug: str, user_id: str) -> bool:
        """Whether `user_id` (a token's `sub`) is a user of `slug`: one AdminGetUser, the only
        pool action the files service is granted (`MEMBER_LOOKUP_ACTIONS`). False alike for a
        malformed id, a missing user and another tenant's user."""
        if USER_ID_PATTERN.fullmatch(user_id) is None:
            return False
        user = self._user(user_id)
        return user is not None and self._belongs_to(user, slug)

    def member_by_email(self, slug: str, email: str) -> TenantUser:
        """The user `email` of `slug`; NotFound as `member_by_id`."""
        return self._member(slug, self._require_member(slug, self.validate_email(email)))

    def _member(self, slug: str, user: dict[str, Any]) -> TenantUser:
        groups = self.cognito.admin_list_groups_for_user(
            UserPoolId=self.pool, Username=user["Username"]
        )["Groups"]
        prefix = f"{slug}--"
        roles = tuple(
            sorted(
                g["GroupName"].removeprefix(prefix)
                for g in groups
                if g["GroupName"].startswith(prefix)
            )
        )
        return self._summary(slug, user, roles)

    @staticmethod
    def _summary(slug: str, user: dict[str, Any], roles: tuple[str, ...]) -> TenantUser:
        attributes = user.get("Attributes") or user.get("UserAttributes") or []
        email = next((a["Value"] for a in attributes if a["Name"] == "email"), user["Username"])
        return TenantUser(
            email,
            slug,
            roles,
            user.get("UserStatus", ""),
            user.get("Enabled", True),
            user_id=user["Username"],
            created_at=_iso(user.get("UserCreateDate")),
        )


def federated_provider(user: Mapping[str, Any]) -> str | None:
    """The identity provider a Cognito user (AdminGetUser or ListUsers shape) signs in
    through, from Cognito's `identities` attribute; None for a password user. A user Cognito
    marks as external without a readable provider gets "" (belongs to no tenant)."""
    attributes = user.get("UserAttributes") or user.get("Attributes") or []
    raw = next((a["Value"] for a in attributes if a["Name"] == IDENTITIES_CLAIM), None)
    if raw is None:
        return "" if user.get("UserStatus") == "EXTERNAL_PROVIDER" else None
    try:
        entries = json.loads(raw)
    except ValueError:
        return ""
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        return ""
    provider = entries[0].get("providerName")
    return provider if isinstance(provider, str) else ""


def _iso(moment: object) -> str:
    if isinstance(moment, datetime):
        return moment.astimezone(UTC).isoformat(timespec="seconds")
    return ""
