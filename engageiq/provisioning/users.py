"""`UserDirectory`: a tenant's users in the Cognito user pool.

Every user carries the immutable `custom:tenant_id`; roles are the per-tenant groups
`<tenant>--<role>`. Every operation first checks that the user belongs to the tenant named on
the command line, so a typo can never touch another tenant's user.

Removing or demoting a user takes effect at once, whoever calls it (the CLI or the tenant
admin API): the change is recorded in the tenant record, where every service's TenantGate
sees it within its cache time (tokens issued before it are refused or lose the role), and the
user is signed out of Cognito everywhere so their refresh tokens stop working. A tenant always
keeps one admin (`ensure_an_admin_remains`)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import ClientError

from engageiq.provisioning.errors import Conflict, InvalidInput, NotFound
from engageiq.provisioning.targets import Target
from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.resources import TENANTS, USER_POOL
from engageiq_tenancy.user_access import record_access_change

_EMAIL: Final = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}")


@dataclass(frozen=True, slots=True)
class TenantUser:
    email: str
    tenant_id: str
    roles: tuple[str, ...]
    status: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class Invitation:
    email: str
    role: Role
    created: bool
    temporary_password: str | None


def _code(exc: ClientError) -> str:
    return str(exc.response["Error"]["Code"])


class UserDirectory:
    def __init__(self, target: Target) -> None:
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

    def _require_member(self, slug: str, email: str) -> dict[str, Any]:
        user = self._user(email)
        if user is None or self._tenant_of(user) != slug:
            # The same answer whether the user is absent or belongs to another tenant.
            raise NotFound("unknown_user", f"Tenant '{slug}' has no user {email}.")
        return user

    def invite(self, slug: str, email: str, role: Role, *, exist_ok: bool = False) -> Invitation:
        email = self.validate_email(email)
        existing = self._user(email)
        if existing is not None:
            if self._tenant_of(existing) != slug:
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
            request["DesiredDeliveryMethods"] = ["EMAIL"]
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
            self.ensure_an_admin_remains(slug, email)
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
        self.ensure_an_admin_remains(slug, email)
        self._void_older_tokens(slug, email, user, frozenset())
        self.cognito.admin_delete_user(UserPoolId=self.pool, Username=email)

    def ensure_an_admin_remains(self, slug: str, email: str) -> None:
        """The one rule that a tenant always has an admin: raises Conflict (`last_admin`) if
        `email` is the tenant's only tenant admin, before they are demoted or removed.

        Two operators demoting the last two admins at the same instant could both pass (Cognito
        has no transactions); the groups are checked again right before each change."""
        admins = self._admins(slug)
        if admins and admins <= {email}:
            raise Conflict(
                "last_admin",
                f"{email} is the only admin of '{slug}'; make another user tenant_admin first.",
            )

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
        users = [self._describe(u) for u in self.users_of(slug)]
        return sorted(users, key=lambda u: u.email)

    def _describe(self, user: dict[str, Any]) -> TenantUser:
        username = user["Username"]
        slug = self._tenant_of(user) or ""
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
        return TenantUser(email, slug, roles, user.get("UserStatus", ""), user.get("Enabled", True))

    def users_of(self, slug: str) -> Iterator[dict[str, Any]]:
        """Every user whose tenant attribute is `slug`, in or out of any group.

        Cognito cannot filter on custom attributes, so this pages through the pool: fine for an
        operator command, and complete, which is what offboarding needs."""
        paginator = self.cognito.get_paginator("list_users")
        for page in paginator.paginate(UserPoolId=self.pool):
            for user in page["Users"]:
                if self._tenant_of(user) == slug:
                    yield user

    def groups_of(self, slug: str) -> list[str]:
        names = []
        paginator = self.cognito.get_paginator("list_groups")
        for page in paginator.paginate(UserPoolId=self.pool):
            names += [
                g["GroupName"] for g in page["Groups"] if g["GroupName"].startswith(f"{slug}--")
            ]
        return names
