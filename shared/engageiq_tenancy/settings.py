"""Service settings, read once from the environment (the Pulumi program or `engageiq dev`
sets these variables; see resources.EnvVars)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeGuard
from urllib.parse import urlsplit

from engageiq_tenancy.resources import (
    BUCKETS,
    ENVIRONMENTS,
    TABLES,
    Environment,
    EnvVars,
)
from engageiq_tenancy.tenants import STATUS_CACHE_SECONDS


class SettingsError(ValueError):
    """The environment does not describe a service we are willing to run."""


def is_loopback_url(url: str) -> bool:
    host = urlsplit(url).hostname
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 <= value <= 3600:
        raise SettingsError(f"{name} must be between 0 and 3600 seconds")
    return value


def _is_environment(name: str) -> TypeGuard[Environment]:
    return name in ENVIRONMENTS


@dataclass(frozen=True, slots=True)
class AuthSettings:
    region: str
    """AWS region of the user pool."""
    user_pool_id: str
    """The one user pool whose tokens are accepted (the issuer is pinned to it)."""
    client_id: str
    """The web app's client id; ID tokens must carry it as `aud`."""
    local_jwks_url: str | None = None
    """Local mode only: where moto serves the pool's JWKS (not at the issuer's address)."""

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.region}.amazonaws.com/{self.user_pool_id}"

    @property
    def jwks_url(self) -> str:
        return self.local_jwks_url or f"{self.issuer}/.well-known/jwks.json"


@dataclass(frozen=True, slots=True)
class ServiceSettings:
    env: Environment
    """Which environment this service runs in; `local` enables the moto trust rules."""
    auth: AuthSettings
    """Token verification settings."""
    aws_endpoint_url: str | None
    """Local mode only: the moto server every boto3 client talks to."""
    tables: Mapping[str, str] = field(default_factory=dict)
    """Logical table name -> physical table name."""
    buckets: Mapping[str, str] = field(default_factory=dict)
    """Logical bucket name -> physical bucket name."""
    tenant_role_arn: str | None = None
    """Cloud only: the ABAC role assumed with a tenant session tag for tenant data."""
    log_level: str = "INFO"
    """Root log level."""
    tenant_status_cache_seconds: float = STATUS_CACHE_SECONDS
    """How long a tenant's status is reused; a suspension takes effect within this time."""
    origin_secret: str | None = None
    """Cloud only, required there: requests must carry it in ORIGIN_HEADER (set by CloudFront)."""

    @property
    def is_local(self) -> bool:
        return self.env == "local"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceSettings:
        e = os.environ if environ is None else environ

        def required(name: str) -> str:
            value = e.get(name, "").strip()
            if not value:
                raise SettingsError(f"environment variable {name} is required")
            return value

        env_name = e.get(EnvVars.ENV, "local")
        if not _is_environment(env_name):
            raise SettingsError(f"{EnvVars.ENV} must be one of {', '.join(ENVIRONMENTS)}")
        settings = cls(
            env=env_name,
            auth=AuthSettings(
                region=required(EnvVars.REGION),
                user_pool_id=required(EnvVars.USER_POOL_ID),
                client_id=required(EnvVars.USER_POOL_CLIENT_ID),
                local_jwks_url=e.get(EnvVars.LOCAL_JWKS_URL) or None,
            ),
            aws_endpoint_url=e.get(EnvVars.AWS_ENDPOINT_URL) or None,
            tables={t.logical_name: required(t.env_var) for t in TABLES},
            buckets={b.logical_name: required(b.env_var) for b in BUCKETS},
            tenant_role_arn=e.get(EnvVars.TENANT_ROLE_ARN) or None,
            log_level=e.get(EnvVars.LOG_LEVEL, "INFO").upper(),
            tenant_status_cache_seconds=_seconds(
                e, EnvVars.TENANT_STATUS_CACHE_SECONDS, STATUS_CACHE_SECONDS
            ),
            origin_secret=e.get(EnvVars.ORIGIN_SECRET, "").strip() or None,
        )
        settings.check_trust_rules()
        return settings

    def check_trust_rules(self) -> None:
        """moto signs every token with a published key, so trusting its JWKS is safe only when
        everything - JWKS and AWS endpoint - is on this machine, in explicit local mode."""
        if self.auth.local_jwks_url is not None:
            if not self.is_local:
                raise SettingsError(
                    f"{EnvVars.LOCAL_JWKS_URL} is only allowed when {EnvVars.ENV}=local; "
                    "cloud services fetch the JWKS from their Cognito issuer"
                )
            if not is_loopback_url(self.auth.local_jwks_url):
                raise SettingsError(f"{EnvVars.LOCAL_JWKS_URL} must point at a loopback address")
        if self.is_local:
            if self.auth.local_jwks_url is None:
                raise SettingsError(f"local mode needs {EnvVars.LOCAL_JWKS_URL} (moto's JWKS)")
            if self.aws_endpoint_url is None or not is_loopback_url(self.aws_endpoint_url):
                raise SettingsError(
                    f"local mode needs {EnvVars.AWS_ENDPOINT_URL} on a loopback address, so the "
                    "user pool it trusts is the local one"
                )
        elif self.aws_endpoint_url is not None:
            raise SettingsError(f"{EnvVars.AWS_ENDPOINT_URL} is only allowed in local mode")
        if not self.is_local and (self.origin_secret is None or len(self.origin_secret) < 32):
            # Without it the service's own URL would answer anyone, bypassing CloudFront.
            raise SettingsError(
                f"{EnvVars.ORIGIN_SECRET} (at least 32 characters) is required outside local mode"
            )

    def table(self, logical_name: str) -> str:
        return self.tables[logical_name]

    def bucket(self, logical_name: str) -> str:
        return self.buckets[logical_name]
