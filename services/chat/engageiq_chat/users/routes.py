"""The tenant admin's user management: `/api/tenant/users` (list, invite, change role, remove).

A thin HTTP layer over `UserDirectory`, the same code the operator CLI runs: the tenant is the
admin's own (from the verified token), every user id is checked to belong to it, and another
tenant's user answers 404 exactly like a missing one. Cognito calls block, so they run in
worker threads. Tenant admins only (`requires_tenant_admin`)."""

from __future__ import annotations

from functools import partial
from typing import Any, Literal

import msgspec
from litestar import Controller, Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from engageiq_chat.users.service import TenantUsers
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.write_ahead import recorded, records_denial
from engageiq_tenancy.auth import requires_tenant_admin
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.tenant_users import TenantUser

_ADMIN_ONLY = (
    Errors.FORBIDDEN.documented(note="you are not a tenant admin"),
    Errors.TENANT_SUSPENDED,
)


class UserView(msgspec.Struct, rename="camel"):
    user_id: str
    email: str
    role: Literal["member", "tenant_admin"]
    status: str
    """Cognito's user status, e.g. `FORCE_CHANGE_PASSWORD` until the first sign-in, then
    `CONFIRMED`."""
    enabled: bool
    created_at: str


class UserList(msgspec.Struct, rename="camel"):
    users: list[UserView]


class Invite(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    email: str
    role: str = Role.MEMBER.value


class RoleChange(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    role: str


class Invited(msgspec.Struct, rename="camel"):
    user: UserView
    temporary_password: str | None
    """Only on the local platform, where no e-mail is sent; in the cloud Cognito e-mails the
    invitation and this is null."""


def _view(user: TenantUser) -> UserView:
    role: Literal["member", "tenant_admin"] = (
        "tenant_admin" if Role.TENANT_ADMIN.value in user.roles else "member"
    )
    return UserView(
        user_id=user.user_id,
        email=user.email,
        role=role,
        status=user.status,
        enabled=user.enabled,
        created_at=user.created_at,
    )


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ApiError(Errors.INVALID_ROLE) from None


class TenantUserController(Controller):
    path = "/api/tenant/users"
    tags = ("tenant",)
    security = ({"BearerToken": []},)

    # Guards per route: a member's attempt at a change is recorded as `denied` first
    # (decision 0119), which a guard of the controller would refuse before.
    @get("/", guards=[requires_tenant_admin], responses=documented_errors(*_ADMIN_ONLY))
    async def list_users(
        self, tenant: NamedDependency[TenantContext], users: NamedDependency[TenantUsers]
    ) -> UserList:
        """Everyone with a role in your organisation, by e-mail address."""
        found = await users.run(partial(users.directory.tenant_members, tenant.tenant_id))
        return UserList(users=[_view(u) for u in found])

    @post(
        "/",
        guards=[records_denial(AuditAction.USER_INVITED, "user"), requires_tenant_admin],
        status_code=201,
        request_max_body_size=4096,
        responses=documented_errors(
            Errors.INVALID_EMAIL,
            Errors.INVALID_ROLE,
            Errors.INVALID_REQUEST,
            *_ADMIN_ONLY,
            Errors.USER_EXISTS,
        ),
    )
    async def invite_user(
        self,
        request: Request[Any, Any, Any],
        tenant: NamedDependency[TenantContext],
        users: NamedDependency[TenantUsers],
        data: JSONBody[Invite],
    ) -> Invited:
        """Invite someone by e-mail as `member` (default) or `tenant_admin`. Cognito e-mails a
        temporary password in the cloud; locally it is returned as `temporaryPassword`."""
        role = _role(data.role)
        directory = users.directory
        slug = tenant.tenant_id
        # Checked before the entry (a malformed address is a 400, not an attempt); the user
        # has no id before the invitation, so the entry names them by their email.
        email = await users.run(partial(directory.validate_email, data.email))
        target = AuditTarget("user", email, email)
        async with recorded(request, AuditAction.USER_INVITED, target, {"role": role.value}):
            invitation = await users.run(partial(directory.invite, slug, data.email, role))
        created = await users.run(partial(directory.member_by_email, slug, invitation.email))
        return Invited(user=_view(created), temporary_password=invitation.temporary_password)

    @patch(
        "/{user_id:str}",
        guards=[
            records_denial(AuditAction.USER_ROLE_CHANGED, "user"),
            requires_tenant_admin,
        ],
        request_max_body_size=1024,
        responses=documented_errors(
            Errors.INVALID_ROLE,
            Errors.INVALID_REQUEST,
            *_ADMIN_ONLY,
            Errors.USER_NOT_FOUND,
            Errors.LAST_ADMIN.documented(doc="demoting the organisation's last admin"),
        ),
    )
    async def change_role(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        tenant: NamedDependency[TenantContext],
        users: NamedDependency[TenantUsers],
        data: JSONBody[RoleChange],
    ) -> UserView:
        """Make a user `member` or `tenant_admin`. The last admin cannot be demoted."""
        role = _role(data.role)
        directory = users.directory
        user = await users.run(partial(directory.member_by_id, tenant.tenant_id, user_id))
        target = AuditTarget("user", user.user_id, user.email)
        async with recorded(request, AuditAction.USER_ROLE_CHANGED, target, {"role": role.value}):
            await users.run(partial(directory.set_role, tenant.tenant_id, user.email, role))
        changed = await users.run(partial(directory.member_by_id, tenant.tenant_id, user_id))
        return _view(changed)

    @delete(
        "/{user_id:str}",
        guards=[
            records_denial(AuditAction.USER_REMOVED, "user"),
            requires_tenant_admin,
        ],
        status_code=204,
        responses=documented_errors(
            *_ADMIN_ONLY,
            Errors.USER_NOT_FOUND,
            Errors.LAST_ADMIN.documented(doc="removing the organisation's last admin"),
        ),
    )
    async def remove_user(
        self,
        request: Request[Any, Any, Any],
        user_id: FromPath[str],
        tenant: NamedDependency[TenantContext],
        users: NamedDependency[TenantUsers],
    ) -> None:
        """Delete the user's account. The last admin cannot be removed."""
        directory = users.directory
        user = await users.run(partial(directory.member_by_id, tenant.tenant_id, user_id))
        target = AuditTarget("user", user.user_id, user.email)
        async with recorded(request, AuditAction.USER_REMOVED, target):
            await users.run(partial(directory.remove, tenant.tenant_id, user.email))
