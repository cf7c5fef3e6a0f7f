"""`TenantMembers`: whether a user id names a user of the caller's tenant, asked of the user
pool through the tenancy library's `UserDirectory` (the code behind the tenant admin API and
the operator CLI). The files service asks it for the users a collection's audience names and
for a file's new owner, and an owner's roles for the audience rule; its role may only
`AdminGetUser` and `AdminListGroupsForUser` (`MEMBER_LOOKUP_ACTIONS`)."""

from __future__ import annotations

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy import aws
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.operation_errors import NotFound
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_users import ServicePool, UserDirectory

log = structlog.get_logger(__name__)


class TenantMembers:
    """Blocking (boto3); async callers run it in a worker thread."""

    def __init__(self, directory: UserDirectory) -> None:
        self._directory = directory

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> TenantMembers:
        pool = ServicePool(
            settings.auth.user_pool_id,
            is_local=settings.is_local,
            cognito=aws.client("cognito-idp", settings),
            # Never used by a lookup; UserDirectory takes it for the changes it can also make.
            dynamodb=None,
            tables=settings.tables,
        )
        return cls(UserDirectory(pool))

    def is_member(self, tenant: TenantContext, user_id: str) -> bool:
        """True if `user_id` is a user of the caller's tenant. 503
        `user_directory_unavailable` if the user pool does not answer (nothing is changed)."""
        try:
            return self._directory.has_member(tenant.tenant_id, user_id)
        except (BotoCoreError, ClientError) as exc:
            log.warning(
                "user_directory_error", tenant_id=tenant.tenant_id, error=type(exc).__name__
            )
            raise ApiError(Errors.USER_DIRECTORY_UNAVAILABLE, headers={"Retry-After": "5"}) from exc

    def as_audience_member(self, tenant: TenantContext, user_id: str) -> TenantContext | None:
        """`user_id` of the caller's tenant as the audience rule sees them (their id and
        roles), to ask whether a file's collections admit them as its owner; None if they are
        not a user of the tenant. Never a caller's identity: nothing is done on their behalf.
        One AdminGetUser and one AdminListGroupsForUser; 503 `user_directory_unavailable` if
        the user pool does not answer."""
        try:
            user = self._directory.member_by_id(tenant.tenant_id, user_id)
        except NotFound:
            return None
        except (BotoCoreError, ClientError) as exc:
            log.warning(
                "user_directory_error", tenant_id=tenant.tenant_id, error=type(exc).__name__
            )
            raise ApiError(Errors.USER_DIRECTORY_UNAVAILABLE, headers={"Retry-After": "5"}) from exc
        known = {role.value for role in Role}
        roles = frozenset(Role(r) for r in user.roles if r in known)
        return TenantContext(tenant.tenant_id, user.user_id, user.email, roles)
