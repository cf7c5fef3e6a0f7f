"""`TenantUsers`: the tenancy library's `UserDirectory` run off the event loop for the user
routes, with its refusals mapped to API errors. `ServicePool` (a service's user pool in the
shape `UserDirectory` takes) now lives in the tenancy library: the files service uses it too."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.operation_errors import Conflict, InvalidInput, NotFound, ProvisioningError
from engageiq_tenancy.tenant_users import ServicePool, UserDirectory

__all__ = ["ServicePool", "TenantUsers", "UserNotFound"]

T = TypeVar("T")
log = structlog.get_logger(__name__)


class UserNotFound(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.USER_NOT_FOUND)


def _api_error(exc: ProvisioningError) -> ApiError:
    if isinstance(exc, NotFound):
        return UserNotFound()
    if isinstance(exc, Conflict) and exc.code == "user_exists":
        # The pool is shared, so an address in use anywhere cannot be invited; the message
        # does not say where it is used.
        return ApiError(Errors.USER_EXISTS)
    if isinstance(exc, Conflict):
        return ApiError.relaying(exc.code, exc.message)
    if isinstance(exc, InvalidInput):
        return ApiError.relaying(exc.code, exc.message)
    return ApiError(Errors.USER_DIRECTORY_REFUSED)


class TenantUsers:
    """Runs `UserDirectory` operations off the event loop, mapping failures to API errors."""

    def __init__(self, directory: UserDirectory) -> None:
        self.directory = directory

    async def run(self, operation: Callable[[], T]) -> T:
        try:
            return await anyio.to_thread.run_sync(operation)
        except ProvisioningError as exc:
            raise _api_error(exc) from None
        except (BotoCoreError, ClientError) as exc:
            log.warning("user_directory_error", error=type(exc).__name__)
            raise ApiError(Errors.USER_DIRECTORY_UNAVAILABLE, headers={"Retry-After": "5"}) from exc
