"""boto3 clients, created once per process with explicit retries and timeouts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from engageiq_tenancy.settings import ServiceSettings

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
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
