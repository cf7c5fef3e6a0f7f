"""`TenantSso` (the tenancy library's `SsoConnections` off the event loop, its refusals as API
errors) and `SignInRouting` (which sign-in method an email's domain uses: a bounded, expiring
cache in front of a rate-bounded reader of the domain claims, one GetItem by key per miss)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import anyio
import structlog
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_chat.public_lookup import BucketsPerKey, ExpiringCache, TokenBucket
from engageiq_tenancy import aws
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, ServiceUnavailable
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.operation_errors import NotFound, ProvisioningError
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.sso import DOMAIN_CLAIM_SORT_KEY, domain_claim_key, email_domain
from engageiq_tenancy.sso_connections import SsoConnections
from engageiq_tenancy.sso_documents import FetchPolicy

T = TypeVar("T")
log = structlog.get_logger(__name__)

CACHE_SECONDS: Final = 60.0
CACHE_ENTRIES: Final = 4096
# One GetItem by key per cache miss: the process's bound keeps a distributed enumeration's
# cost flat; the per-client one leaves a flood from one address a small share of it, while an
# office behind one address signing in its new domains stays well inside it.
READS_PER_SECOND: Final = 100.0
READ_BURST: Final = 200.0
CLIENT_READS_PER_SECOND: Final = 2.0
CLIENT_READ_BURST: Final = 30.0
"""Per client address (as the edge reports it): one client sending made-up domains takes at
most this share of the process's bound, not all of it (everyone's sign-in needs the rest)."""
CLIENTS_REMEMBERED: Final = 4096


def _api_error(exc: ProvisioningError) -> ApiError:
    if isinstance(exc, NotFound):
        if exc.code == "sso_not_configured":
            return ApiError(Errors.SSO_NOT_CONFIGURED)
        # The caller's own tenant vanished between the gate and here.
        return ApiError(Errors.TENANT_UNAVAILABLE)
    return ApiError.relaying(exc.code, exc.message)


class TenantSso:
    """Runs `SsoConnections` operations in worker threads, mapping failures to API errors."""

    def __init__(self, connections: SsoConnections) -> None:
        self.connections = connections

    @classmethod
    def from_settings(cls, settings: ServiceSettings, dynamodb: Any) -> TenantSso:
        return cls(
            SsoConnections(
                cognito=aws.client("cognito-idp", settings),
                dynamodb=dynamodb,
                user_pool_id=settings.auth.user_pool_id,
                client_id=settings.auth.client_id,
                tenants_table=settings.table("tenants"),
                # Loopback http only on the local platform (ServiceSettings.env).
                policy=FetchPolicy.for_environment(settings.is_local),
            )
        )

    async def run(self, operation: Callable[[], T]) -> T:
        try:
            return await anyio.to_thread.run_sync(operation)
        except ProvisioningError as exc:
            raise _api_error(exc) from None
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in ("InvalidParameterException", "UnsupportedIdentityProviderException"):
                # Cognito checks the provider too (it fetches the discovery document itself).
                raise ApiError(Errors.INVALID_SSO_SOURCE) from None
            log.warning("sso_directory_error", error=code)
            raise ApiError(Errors.USER_DIRECTORY_UNAVAILABLE, headers={"Retry-After": "5"}) from exc
        except BotoCoreError as exc:
            log.warning("sso_directory_error", error=type(exc).__name__)
            raise ApiError(Errors.USER_DIRECTORY_UNAVAILABLE, headers={"Retry-After": "5"}) from exc


ClaimReader = Callable[[str], str | None]
"""A domain's provider name (None: unclaimed). Blocking (boto3)."""


def dynamodb_claim_reader(dynamodb: Any, table: str) -> ClaimReader:
    def read(domain: str) -> str | None:
        item = dynamodb.get_item(
            TableName=table,
            Key=to_item(domain_claim_key(domain)),
            # The provider alone: the claim's tenant never leaves the table here.
            ProjectionExpression="providerName, sk",
        ).get("Item")
        if item is None:
            return None
        data = from_item(item)
        name = data.get("providerName")
        return name if data.get("sk") == DOMAIN_CLAIM_SORT_KEY and isinstance(name, str) else None

    return read


@dataclass(frozen=True, slots=True)
class Route:
    provider: str | None
    """The IdP's provider name for the Hosted UI; None: sign in with a password."""


class RoutingRateLimited(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.SIGN_IN_ROUTE_RATE_LIMITED, headers={"Retry-After": "1"})


class SignInRouting:
    """Which way an email signs in. Never says which tenant: only an opaque provider name."""

    def __init__(
        self,
        read: ClaimReader,
        *,
        cache_seconds: float = CACHE_SECONDS,
        max_entries: int = CACHE_ENTRIES,
        reads_per_second: float = READS_PER_SECOND,
        burst: float = READ_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._clock = clock
        self._reads = TokenBucket(reads_per_second, burst, clock())
        self._clients = BucketsPerKey(
            CLIENT_READS_PER_SECOND, CLIENT_READ_BURST, CLIENTS_REMEMBERED
        )
        self._cache: ExpiringCache[Route] = ExpiringCache(cache_seconds, max_entries)

    async def route(self, email: str, client: str = "") -> Route:
        """The route for `email`'s domain; a malformed address or an unclaimed domain signs in
        with a password. `client`: the caller's address ("" when unknown). Raises
        RoutingRateLimited past the client's or the process's read bound, ServiceUnavailable if
        the claims cannot be read (guessing "password" would mislead a require-SSO user)."""
        domain = email_domain(email)
        if domain is None:
            return Route(None)
        now = self._clock()
        cached = self._cache.get(domain, now)
        if cached is not None:
            return cached
        # The client's own bucket first: a refused flood takes nothing from everyone's.
        if not self._clients.take(client, now) or not self._reads.take(now):
            raise RoutingRateLimited()
        try:
            provider = await anyio.to_thread.run_sync(self._read, domain)
        except (BotoCoreError, ClientError) as exc:
            raise ServiceUnavailable() from exc
        return self._cache.put(domain, Route(provider), now)
