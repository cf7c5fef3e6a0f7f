"""`BrandingDirectory`: public branding by slug, a bounded expiring cache in front of a
rate-bounded reader of the tenants table (one GetItem by key per miss, never a scan)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Final

import anyio
import msgspec
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_chat.public_lookup import ExpiringCache, TokenBucket
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.items import from_item
from engageiq_tenancy.tenant_ids import is_valid_tenant_id
from engageiq_tenancy.tenants import (
    Branding,
    TenantStatus,
    branding_lookup_key,
    record_from_item,
)

DEFAULT_DISPLAY_NAME: Final = "EngageIQ"
CACHE_SECONDS: Final = 60.0
CACHE_ENTRIES: Final = 2048
# Cache misses allowed per second per process (a token bucket with this burst).
READS_PER_SECOND: Final = 20.0
READ_BURST: Final = 40.0


class PublicBranding(msgspec.Struct, rename="camel"):
    """Exactly what the sign-in page may know: `{displayName, primaryColor, logoUrl}`."""

    display_name: str
    primary_color: str
    logo_url: str | None


# The default colour is the tenancy library's one default (`Branding`).
DEFAULT_BRANDING: Final = PublicBranding(
    display_name=DEFAULT_DISPLAY_NAME, primary_color=Branding().primary_color, logo_url=None
)

TenantItemReader = Callable[[str], dict[str, Any] | None]
"""Reads the tenant record's status, name and branding by slug (blocking boto3); None if none."""


def dynamodb_branding_reader(dynamodb: Any, table: str) -> TenantItemReader:
    def read(slug: str) -> dict[str, Any] | None:
        answer = dynamodb.get_item(
            TableName=table,
            Key={k: {"S": v} for k, v in branding_lookup_key(slug).items()},
            # Only what the answer is built from; nothing else of the record leaves the table.
            ProjectionExpression="tenantId, #n, #s, branding",
            ExpressionAttributeNames={"#n": "name", "#s": "status"},
        )
        item = answer.get("Item")
        return from_item(item) if item else None

    return read


def _branding_of(item: dict[str, Any] | None) -> PublicBranding:
    if item is None:
        return DEFAULT_BRANDING
    try:
        record = record_from_item(item)
    except (msgspec.ValidationError, TypeError):
        return DEFAULT_BRANDING
    if record.status != TenantStatus.ACTIVE:
        return DEFAULT_BRANDING
    branding = record.branding
    return PublicBranding(
        display_name=branding.display_name or record.name or DEFAULT_DISPLAY_NAME,
        primary_color=branding.primary_color,
        logo_url=branding.logo_url,
    )


class RateLimited(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.BRANDING_RATE_LIMITED, headers={"Retry-After": "1"})


class BrandingDirectory:
    """Public branding by slug: a bounded, expiring cache in front of a rate-bounded reader."""

    def __init__(
        self,
        read: TenantItemReader,
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
        self._cache: ExpiringCache[PublicBranding] = ExpiringCache(cache_seconds, max_entries)

    async def branding(self, slug: str) -> PublicBranding:
        """The slug's branding, or DEFAULT_BRANDING. Raises RateLimited past the read bound; a
        storage failure answers the default too (not cached), so the sign-in page renders."""
        # Malformed slugs share one cache entry, so they behave like any cached unknown slug.
        key = slug if is_valid_tenant_id(slug) else ""
        now = self._clock()
        cached = self._cache.get(key, now)
        if cached is not None:
            return cached
        if not key:
            return self._cache.put(key, DEFAULT_BRANDING, now)
        if not self._reads.take(now):
            raise RateLimited()
        try:
            item = await anyio.to_thread.run_sync(self._read, key)
        except (BotoCoreError, ClientError):
            # The sign-in page must still render; the default reveals nothing.
            return DEFAULT_BRANDING
        return self._cache.put(key, _branding_of(item), now)
