"""boto3 clients, created once per process with explicit retries and timeouts.

The one retry policy of every service (decision 0091): botocore's `standard` mode, 4 attempts
in all (3 retries) with full-jitter exponential backoff (up to 1, 2, then 4 s; about 3.5 s in
all on average, 7 s at worst), on throttling codes, 5xx answers and connection errors. Its
client-side retry quota (a token bucket per client) stops retrying when a service keeps
failing, so an outage is not made worse by retry storms. What remains after the retries is
answered as 503 `service_unavailable` with `Retry-After` (`engageiq_tenancy.errors`)."""

from __future__ import annotations

import threading
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


_session_lock = threading.Lock()
_session: boto3.session.Session | None = None


def shared_session() -> boto3.session.Session:
    """The process's one boto3 session, made on first use.

    A session's loader parses botocore's endpoint rules and each service model once and keeps
    them: about 14 MB for a session with a DynamoDB and an S3 client (tracemalloc, botocore
    1.40). A session per client (or per tenant's credentials) paid that again every time, so
    memory grew with the tenants an instance served and with every app a test built. Clients
    with other credentials come from this session too (`new_client(credentials=...)`)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session


def new_client(
    service: str,
    *,
    region: str | None,
    endpoint_url: str | None = None,
    config: Config = CLIENT_CONFIG,
    credentials: dict[str, str] | None = None,
) -> Any:
    """A low-level client of the shared session (thread-safe per boto3's docs); create at
    start-up (or per tenant's credentials) and reuse. `credentials` are
    `aws_access_key_id`/`aws_secret_access_key`/`aws_session_token` keyword arguments; without
    them the default chain (role, environment) signs."""
    session = shared_session()
    # boto3 sessions are not thread-safe: clients are created one at a time.
    with _session_lock:
        return session.client(  # type: ignore[call-overload]
            service,
            region_name=region,
            endpoint_url=endpoint_url,
            config=config,
            **(credentials or {}),
        )


def client(service: str, settings: ServiceSettings) -> Any:
    """A low-level client for a service's own calls; create at start-up and reuse."""
    return new_client(service, region=settings.auth.region, endpoint_url=settings.aws_endpoint_url)
