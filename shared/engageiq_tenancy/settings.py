"""Service settings, read once from the environment (the Pulumi program or `engageiq dev`
sets these variables; see resources.EnvVars and setting_catalog.SharedVariables)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from engageiq_tenancy.resources import BUCKETS, TABLES, Environment, EnvVars
from engageiq_tenancy.setting import SettingsError, require
from engageiq_tenancy.setting_catalog import SharedVariables

__all__ = ["AuthSettings", "ServiceSettings", "SettingsError", "is_loopback_url"]


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
    log_level: str = SharedVariables.LOG_LEVEL.default
    """Root log level."""
    tenant_status_cache_seconds: float = SharedVariables.TENANT_STATUS_CACHE_SECONDS.default
    """How long a tenant's status is reused; a suspension takes effect within this time."""
    origin_secret: str | None = None
    """Cloud only, required there: requests must carry it in ORIGIN_HEADER (set by CloudFront)."""
    audit_retention_days: int = SharedVariables.AUDIT_RETENTION_DAYS.default
    """Days an audit log entry is kept after it is written (its TTL, decision 0118)."""

    @property
    def is_local(self) -> bool:
        return self.env == "local"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ServiceSettings:
        e = os.environ if environ is None else environ
        shared = SharedVariables
        settings = cls(
            # Set but blank is refused, not read as the default: a cloud service must not
            # fall back to local mode's rules.
            env=shared.ENV.parse(e.get(shared.ENV.name, shared.ENV.default)),
            auth=AuthSettings(
                region=require(e, EnvVars.REGION),
                user_pool_id=require(e, EnvVars.USER_POOL_ID),
                client_id=require(e, EnvVars.USER_POOL_CLIENT_ID),
                local_jwks_url=shared.LOCAL_JWKS_URL.read(e),
            ),
            aws_endpoint_url=shared.AWS_ENDPOINT_URL.read(e),
            tables={t.logical_name: require(e, t.env_var) for t in TABLES},
            buckets={b.logical_name: require(e, b.env_var) for b in BUCKETS},
            tenant_role_arn=shared.TENANT_ROLE_ARN.read(e),
            log_level=shared.LOG_LEVEL.read(e),
            tenant_status_cache_seconds=shared.TENANT_STATUS_CACHE_SECONDS.read(e),
            origin_secret=shared.ORIGIN_SECRET.read(e),
            audit_retention_days=shared.AUDIT_RETENTION_DAYS.read(e),
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
