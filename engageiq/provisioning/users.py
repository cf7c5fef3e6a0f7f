"""`UserDirectory`: a tenant's users in the Cognito user pool.

Every user carries the immutable `custom:tenant_id`; roles are the per-tenant groups
`<tenant>--<role>`. Every operation first checks that the user belongs to the tenant named on
the command line, so a typo can never touch another tenant's user."""

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
from engageiq_tenancy.resources import USER_POOL

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
        email = self.validate_email(email)
        self._require_member(slug, email)
        self._add_roles(slug, email, role)
        if role == Role.MEMBER:
            self.cognito.admin_remove_user_from_group(
                UserPoolId=self.pool,
                Username=email,
                GroupName=group_name(slug, Role.TENANT_ADMIN),
            )

    def remove(self, slug: str, email: str) -> None:
        email = self.validate_email(email)
        self._require_member(slug, email)
        self.cognito.admin_delete_user(UserPoolId=self.pool, Username=email)

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
