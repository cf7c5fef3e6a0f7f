"""`TenantMembers`: whether a user id names a user of the caller's tenant, asked of the user
pool through the tenancy library's `UserDirectory` (the code behind the tenant admin API and
the operator CLI). The files service asks it for the users a collection's audience names and
for a file's new owner, and an owner's roles for the audience rule; its role may only
`AdminGetUser` and `AdminListGroupsForUser` (`MEMBER_LOOKUP_ACTIONS`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Final

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

EMAIL_TTL_SECONDS: Final = 300.0
"""How long an uploader's email is kept per process: the files page names the same few
uploaders on every refresh, and an email changes rarely (a renamed user shows within this)."""
MAX_CACHED_EMAILS: Final = 10_000


class TenantMembers:
    """Blocking (boto3); async callers run it in a worker thread."""

    def __init__(
        self, directory: UserDirectory, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._directory = directory
        self._clock = clock
        self._emails: dict[tuple[str, str], tuple[str | None, float]] = {}
        self._lock = threading.Lock()

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

    def emails(self, tenant: TenantContext, user_ids: Iterable[str]) -> dict[str, str]:
        """{user id: email} of those of `user_ids` who are users of the caller's tenant, to
        name uploaders. Each is asked of the user pool at most once per `EMAIL_TTL_SECONDS`
        (AdminGetUser and AdminListGroupsForUser); an id the pool does not know, or cannot
        answer for now, is left out (the listing never fails for a name)."""
        now = self._clock()
        found: dict[str, str] = {}
        for user_id in {u for u in user_ids if u}:
            key = (tenant.tenant_id, user_id)
            with self._lock:
                cached = self._emails.get(key)
            if cached is not None and cached[1] > now:
                email = cached[0]
            else:
                try:
                    email = self._directory.member_by_id(tenant.tenant_id, user_id).email
                except NotFound:
                    email = None
                except (BotoCoreError, ClientError) as exc:
                    log.warning(
                        "user_directory_error",
                        tenant_id=tenant.tenant_id,
                        error=type(exc).__name__,
                    )
                    continue  # not cached: asked again next time
                with self._lock:
                    if len(self._emails) >= MAX_CACHED_EMAILS:
                        self._emails.clear()
                    self._emails[key] = (email, now + EMAIL_TTL_SECONDS)
            if email:
                found[user_id] = email
        return found
