"""`TenantMembers`: whether a user id names a user of the caller's tenant, asked of the user
pool through the tenancy library's `UserDirectory` (the code behind the tenant admin API and
the operator CLI). The files service asks it for the users a collection's audience names and
for a file's new owner; its role may only `AdminGetUser` (`MEMBER_LOOKUP_ACTIONS`)."""

from __future__ import annotations

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy import aws
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
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
