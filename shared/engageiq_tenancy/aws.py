"""boto3 clients, created once per process with explicit retries and timeouts.

The one retry policy of every service (decision 0091): botocore's `standard` mode, 4 attempts
in all (3 retries) with full-jitter exponential backoff (up to 1, 2, then 4 s; about 3.5 s in
all on average, 7 s at worst), on throttling codes, 5xx answers and connection errors. Its
client-side retry quota (a token bucket per client) stops retrying when a service keeps
failing, so an outage is not made worse by retry storms. What remains after the retries is
answered as 503 `service_unavailable` with `Retry-After` (`engageiq_tenancy.errors`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from engageiq_tenancy.settings import ServiceSettings

TOTAL_ATTEMPTS: Final = 4
"""Attempts per call, the first included: a burst of up to 3 faults stays invisible."""

CLIENT_CONFIG = Config(
    # `total_max_attempts`, not `max_attempts`: botocore reads the latter as retries only.
    retries={"mode": "standard", "total_max_attempts": TOTAL_ATTEMPTS},
    connect_timeout=2,
    read_timeout=10,
    # Path-style addressing keeps bucket names out of DNS, which moto on 127.0.0.1 needs.
    s3={"addressing_style": "path"},
    max_pool_connections=50,
)


def client(service: str, settings: ServiceSettings) -> Any:
    """A low-level client (thread-safe per boto3's docs); create at start-up and reuse."""
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service,
        region_name=settings.auth.region,
        endpoint_url=settings.aws_endpoint_url,
        config=CLIENT_CONFIG,
    )
