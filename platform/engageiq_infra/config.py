"""`EnvironmentConfig`: the one typed reading of a stack's `engageiq:*` config.

Components receive values from here, never `pulumi.Config`, so every setting an environment
can change is listed in this file (and set in `environments/Pulumi.<env>.yaml`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import pulumi
import yaml

from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS, PROJECT, SERVICES, Environment
from engageiq_tenancy.setting_catalog import STACK_CONFIG_KEY, stack_service_settings

Compute = Literal["apprunner", "ecs-express"]
COMPUTE_OPTIONS: Final[tuple[Compute, ...]] = ("apprunner", "ecs-express")
MfaMode = Literal["OFF", "OPTIONAL", "ON"]
MFA_MODES: Final[tuple[MfaMode, ...]] = ("OFF", "OPTIONAL", "ON")

# Secret config keys, set with `pulumi config set --secret <key> ...`. The preview command
# substitutes placeholders for them, since encrypted values need the Pulumi CLI.
SECRET_KEYS: Final[tuple[str, ...]] = ("anthropicApiKey",)


ENVIRONMENTS_DIR: Final = Path(__file__).resolve().parents[2] / "environments"


class ConfigError(ValueError):
    """The stack config does not describe an environment we are willing to deploy."""


def image_key(service: str) -> str:
    """Config key of a service's image override, e.g. `chatImage`; also the stack output that
    names the image each service runs."""
    return f"{service}Image"


@dataclass(frozen=True, slots=True)
class CustomDomain:
    name: str
    """The web app's host, e.g. `app.engageiq.example`; `*.<name>` serves tenant subdomains."""
    hosted_zone_id: str
    """Route 53 zone that holds `name`, for certificate validation and the alias records."""


@dataclass(frozen=True, slots=True)
class Scaling:
    cpu: str
    """vCPU units (`256`, `512`, `1024`, ...); App Runner and ECS Express both accept these."""
    memory: str
    """Memory in MiB (`512`, `1024`, `2048`, ...)."""
    min_instances: int
    """Instances (App Runner) or tasks (ECS) kept warm."""
    max_instances: int
    """Upper bound on instances or tasks."""
    max_concurrency: int
    """App Runner only: requests per instance before it scales out (1-200)."""


@dataclass(frozen=True, slots=True)
class EnvironmentConfig:
    environment: Environment
    """The stack name: dev, staging or prod."""
    region: str
    """`aws:region` of the stack."""
    compute: Compute
    """Where the services run: App Runner (default) or ECS Express Mode."""
    scaling: Scaling
    """Service sizes and auto-scaling bounds."""
    deletion_protection: bool
    """Protect tables and the user pool from deletion; also keeps buckets and ECR on destroy."""
    log_retention_days: int
    """CloudWatch log retention for the services' log groups."""
    bucket_suffix: str
    """Account-specific suffix for globally unique S3 bucket names."""
    image_overrides: dict[str, str]
    """Service name -> image reference from `engageiq:<service>Image`, for teams that build
    elsewhere; a service without one is built and pushed by `pulumi up` (decision 0065)."""
    auth_domain_prefix: str
    """Cognito Hosted UI prefix: `<prefix>.auth.<region>.amazoncognito.com`."""
    callback_urls: tuple[str, ...]
    """OAuth callback URLs of the web client, besides the custom domain's own."""
    logout_urls: tuple[str, ...]
    """OAuth sign-out URLs of the web client, besides the custom domain's own."""
    mfa: MfaMode
    """Cognito MFA: OFF, OPTIONAL (TOTP) or ON."""
    domain: CustomDomain | None
    """Optional custom domain with an ACM certificate; None serves *.cloudfront.net."""
    alarm_email: str | None
    """Where alarms are sent; None leaves alarms without notifications."""
    latency_threshold_ms: int
    """p99 latency (non-streaming) above which the latency alarm fires."""
    log_level: str
    """ENGAGEIQ_LOG_LEVEL of the services."""
    anthropic_api_key: pulumi.Output[str]
    """Secret: the chat service's LLM key, stored in Secrets Manager, never in env vars."""
    ses_from_address: str | None = None
    """`engageiq:sesFromAddress` (`Name <address>`): Cognito's e-mails go through SES from this
    address; None keeps Cognito's default sender (limited to a few e-mails a day)."""
    ecs_subnet_ids: tuple[str, ...] = ()
    """ECS Express only: subnets for tasks and the load balancer; empty uses the default VPC."""
    ecs_security_group_ids: tuple[str, ...] = ()
    """ECS Express only: security groups for the tasks (with ecs_subnet_ids)."""
    service_settings: Mapping[str, str] = field(default_factory=dict)
    """`engageiq:serviceSettings`: variable name -> value of service settings this environment
    changes, checked with the services' own reader (`setting_catalog`) when it is read, so a
    bad value fails the preview with the SettingsError the service would raise."""

    @property
    def web_origin(self) -> str | None:
        """The web app's origin when it is known before deployment (custom domain only)."""
        return f"https://{self.domain.name}" if self.domain else None

    @classmethod
    def load(cls, compute_override: str | None = None) -> EnvironmentConfig:
        """Read the current stack's config once. `compute_override` serves the preview."""
        stack = pulumi.get_stack()
        if stack not in CLOUD_ENVIRONMENTS:
            raise ConfigError(f"stack must be one of {', '.join(CLOUD_ENVIRONMENTS)}, not {stack}")
        cfg = pulumi.Config(PROJECT)
        compute = compute_override or cfg.get("compute") or "apprunner"
        if compute not in COMPUTE_OPTIONS:
            raise ConfigError(f"engageiq:compute must be one of {', '.join(COMPUTE_OPTIONS)}")
        mfa = cfg.get("mfa") or "OPTIONAL"
        if mfa not in MFA_MODES:
            raise ConfigError(f"engageiq:mfa must be one of {', '.join(MFA_MODES)}")
        scaling = Scaling(
            cpu=cfg.require("cpu"),
            memory=cfg.require("memory"),
            min_instances=cfg.require_int("minInstances"),
            max_instances=cfg.require_int("maxInstances"),
            max_concurrency=cfg.require_int("maxConcurrency"),
        )
        if not 1 <= scaling.max_concurrency <= 200:
            raise ConfigError("engageiq:maxConcurrency must be within App Runner's 1-200")
        if not 1 <= scaling.min_instances <= scaling.max_instances:
            raise ConfigError("engageiq:minInstances must be >= 1 and <= maxInstances")
        domain_name = cfg.get("domain")
        domain = CustomDomain(domain_name, cfg.require("hostedZoneId")) if domain_name else None
        service_settings = cfg.get_object("serviceSettings") or {}
        if not isinstance(service_settings, dict):
            raise ConfigError(f"{STACK_CONFIG_KEY} must map variable names to values")
        return cls(
            environment=stack,
            region=pulumi.Config("aws").require("region"),
            compute=compute,
            scaling=scaling,
            deletion_protection=cfg.require_bool("deletionProtection"),
            log_retention_days=cfg.require_int("logRetentionDays"),
            bucket_suffix=cfg.require("bucketSuffix"),
            image_overrides={
                service: image for service in SERVICES if (image := cfg.get(image_key(service)))
            },
            auth_domain_prefix=cfg.require("authDomainPrefix"),
            callback_urls=tuple(cfg.get_object("callbackUrls") or ()),
            logout_urls=tuple(cfg.get_object("logoutUrls") or ()),
            mfa=mfa,
            domain=domain,
            alarm_email=cfg.get("alarmEmail"),
            latency_threshold_ms=cfg.get_int("latencyThresholdMs") or 2000,
            log_level=cfg.get("logLevel") or "INFO",
            anthropic_api_key=cfg.require_secret("anthropicApiKey"),
            ses_from_address=cfg.get("sesFromAddress") or None,
            ecs_subnet_ids=tuple(cfg.get_object("ecsSubnetIds") or ()),
            ecs_security_group_ids=tuple(cfg.get_object("ecsSecurityGroupIds") or ()),
            service_settings=stack_service_settings(service_settings),
        )


def read_stack_config(environment: str, config_dir: Path = ENVIRONMENTS_DIR) -> dict[str, Any]:
    """The `config:` map of `Pulumi.<env>.yaml`, as written (typed YAML values)."""
    path = config_dir / f"Pulumi.{environment}.yaml"
    document = yaml.safe_load(path.read_text())
    config = document.get("config", {}) if isinstance(document, dict) else {}
    if not isinstance(config, dict):
        raise ValueError(f"{path}: `config` must be a mapping")
    return config
