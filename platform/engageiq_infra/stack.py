"""`build`: composes the components for one environment and returns the stack outputs.

`platform/__main__.py` calls it with the stack's config; the preview and the tests call it
under mocks, so what they inspect is exactly what `pulumi up` deploys."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pulumi

from engageiq_infra.access import ServiceAccess, ServiceAccessArgs
from engageiq_infra.cognito_messages import CognitoMessages, CognitoMessagesArgs
from engageiq_infra.config import EnvironmentConfig, image_key
from engageiq_infra.data import Data, DataArgs
from engageiq_infra.edge import Edge, EdgeArgs
from engageiq_infra.identity import Identity, IdentityArgs
from engageiq_infra.observability import Observability, ObservabilityArgs
from engageiq_infra.origin_secret import OriginSecret
from engageiq_infra.outputs import (
    DISTRIBUTION_ID,
    HOSTED_UI_DOMAIN,
    TENANT_DOMAIN,
    TENANT_ROLE_ARN,
    repository_url_key,
    service_url_key,
)
from engageiq_infra.queues import Queues, QueuesArgs
from engageiq_infra.services import Services, ServicesArgs
from engageiq_infra.tenancy import Tenancy, TenancyArgs
from engageiq_infra.tenant_claims import TenantClaims, TenantClaimsArgs
from engageiq_infra.web import Web, WebArgs, WebBuild
from engageiq_infra.wiring import ServiceWiring
from engageiq_tenancy.resources import (
    BUCKETS,
    OUTPUT_KEYS,
    QUEUES,
    SERVICES,
    TABLES,
    TENANTS,
    EnvVars,
)
from engageiq_tenancy.setting_catalog import ChatVariables

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
WEB_DIST: Final = REPO_ROOT / "web" / "dist"
# `pulumi up` and `pulumi preview` build the web app first (decision 0066).
WEB_BUILD: Final = WebBuild(
    dist=WEB_DIST, build_command=(str(REPO_ROOT / "scripts" / "build-web"),)
)


@dataclass(frozen=True)
class _Deployed:
    """The components whose outputs are the stack's outputs."""

    identity: Identity
    data: Data
    queues: Queues
    tenancy: Tenancy
    services: Services
    edge: Edge
    api_url: pulumi.Output[str]


def build(config: EnvironmentConfig, web: WebBuild = WEB_BUILD) -> dict[str, pulumi.Output[str]]:
    web_dist = web.prepare()
    # The tables first: the tenant claims trigger reads the tenants table, and the pool needs it.
    data, queues = _data(config)
    messages, tenant_claims, identity = _identity(config, data)
    # Shared by the services (which check it) and the edge (which sends it).
    origin_secret = OriginSecret("origin-secret")
    tenancy, services = _compute(config, identity, data, queues, origin_secret)
    edge = _edge(config, data, services, origin_secret)
    messages.publish_web_url(identity.user_pool, edge.web_url)
    tenant_claims.allow_pool(identity.user_pool)
    api_url = edge.web_url.apply(lambda url: f"{url}/api")
    _web(config, web_dist, identity, data, edge, api_url)
    _observability(config, services, queues, edge)
    return _outputs(config, _Deployed(identity, data, queues, tenancy, services, edge, api_url))


def _identity(
    config: EnvironmentConfig, data: Data
) -> tuple[CognitoMessages, TenantClaims, Identity]:
    """The user pool, the messages it sends (whose links need the web URL, later) and the
    trigger that sets every token's tenant (decision 0121)."""
    env = config.environment
    tenants = data.tables[TENANTS.logical_name]
    tenant_claims = TenantClaims(
        "tenant-claims",
        TenantClaimsArgs(
            environment=env,
            tenants_table_name=tenants.name,
            tenants_table_arn=tenants.arn,
            log_retention_days=config.log_retention_days,
        ),
    )
    messages = CognitoMessages(
        "cognito-messages",
        CognitoMessagesArgs(
            environment=env,
            region=config.region,
            domain=config.domain,
            ses_from_address=config.ses_from_address,
            log_retention_days=config.log_retention_days,
        ),
    )
    identity = Identity(
        "identity",
        IdentityArgs(
            environment=env,
            region=config.region,
            mfa=config.mfa,
            deletion_protection=config.deletion_protection,
            auth_domain_prefix=config.auth_domain_prefix,
            callback_urls=_with_domain(config, config.callback_urls, "/auth/callback"),
            logout_urls=_with_domain(config, config.logout_urls, "/"),
            messages=messages.identity_settings(),
            pre_token_generation=tenant_claims.pre_token_generation_config(),
        ),
    )
    return messages, tenant_claims, identity


def _data(config: EnvironmentConfig) -> tuple[Data, Queues]:
    """Tables, buckets and the queues between the services."""
    env = config.environment
    data = Data(
        "data",
        DataArgs(
            environment=env,
            bucket_suffix=config.bucket_suffix,
            deletion_protection=config.deletion_protection,
        ),
    )
    queues = Queues("queues", QueuesArgs(environment=env))
    return data, queues


def _compute(
    config: EnvironmentConfig,
    identity: Identity,
    data: Data,
    queues: Queues,
    origin_secret: OriginSecret,
) -> tuple[Tenancy, Services]:
    """The services, their roles and secrets, and the tenant role they assume per request."""
    env = config.environment
    table_arns = {name: table.arn for name, table in data.tables.items()}
    bucket_arns = {name: stored.bucket.arn for name, stored in data.buckets.items()}
    access = ServiceAccess(
        "access",
        ServiceAccessArgs(
            environment=env,
            compute=config.compute,
            table_arns=table_arns,
            bucket_arns=bucket_arns,
            secret_values={
                ChatVariables.ANTHROPIC_API_KEY.name: config.anthropic_api_key,
                EnvVars.ORIGIN_SECRET: origin_secret.value,
            },
            deletion_protection=config.deletion_protection,
            user_pool_arn=identity.user_pool.arn,
            queue_arns=queues.arns(),
        ),
    )
    queues.restrict_senders(access.roles)
    tenancy = Tenancy(
        "tenancy",
        TenancyArgs(
            environment=env,
            service_roles=access.roles,
            table_arns=table_arns,
            uploads_bucket_arn=bucket_arns["uploads"],
        ),
    )
    wiring = ServiceWiring(
        environment=env,
        region=config.region,
        log_level=config.log_level,
        user_pool_id=identity.user_pool.id,
        user_pool_client_id=identity.web_client.id,
        tenant_role_arn=tenancy.tenant_role.arn,
        table_names={name: table.name for name, table in data.tables.items()},
        bucket_names={name: stored.bucket.bucket for name, stored in data.buckets.items()},
        queue_urls={name: deployed.queue.url for name, deployed in queues.queues.items()},
        dead_letter_queue_urls={
            name: deployed.dead_letter.url for name, deployed in queues.queues.items()
        },
        service_settings=config.service_settings,
    )
    services = Services(
        "services",
        ServicesArgs(
            environment=env,
            compute=config.compute,
            scaling=config.scaling,
            image_overrides=config.image_overrides,
            build_context=REPO_ROOT,
            log_retention_days=config.log_retention_days,
            deletion_protection=config.deletion_protection,
            environment_variables={
                **wiring.environment_variables(),
                # A rotated origin secret changes this, which redeploys the services with it.
                EnvVars.ORIGIN_SECRET_GENERATION: origin_secret.generation,
            },
            service_variables={s: wiring.service_variables(s) for s in SERVICES},
            roles=access.roles,
            secrets=access.secrets,
            role_policies=[*access.data_policies.values(), tenancy],
            ecs_subnet_ids=config.ecs_subnet_ids,
            ecs_security_group_ids=config.ecs_security_group_ids,
        ),
    )
    return tenancy, services


def _edge(
    config: EnvironmentConfig, data: Data, services: Services, origin_secret: OriginSecret
) -> Edge:
    """The CDN in front of the web bucket and the services."""
    env = config.environment
    web_bucket = data.buckets["web"]
    edge = Edge(
        "edge",
        EdgeArgs(
            environment=env,
            web_bucket=web_bucket.bucket,
            web_bucket_public_access_block=web_bucket.public_access_block,
            service_urls=services.urls,
            domain=config.domain,
            origin_secret=origin_secret.value,
        ),
    )
    return edge


def _web(
    config: EnvironmentConfig,
    web_dist: Path,
    identity: Identity,
    data: Data,
    edge: Edge,
    api_url: pulumi.Output[str],
) -> None:
    """The web app's files and its config.json, served by the edge."""
    web_bucket = data.buckets["web"]
    Web(
        "web",
        WebArgs(
            dist=web_dist,
            web_bucket=web_bucket.bucket,
            uploads_bucket=data.buckets["uploads"].bucket,
            web_url=edge.web_url,
            domain=config.domain,
            client_config={
                OUTPUT_KEYS.api_url: api_url,
                OUTPUT_KEYS.region: config.region,
                OUTPUT_KEYS.user_pool_id: identity.user_pool.id,
                OUTPUT_KEYS.user_pool_client_id: identity.web_client.id,
                HOSTED_UI_DOMAIN: identity.hosted_ui_domain,
                **({TENANT_DOMAIN: config.domain.name} if config.domain else {}),
            },
            distribution_id=edge.distribution.id,
        ),
    )


def _observability(
    config: EnvironmentConfig, services: Services, queues: Queues, edge: Edge
) -> None:
    """Alarms on the edge, the services and the dead-letter queues."""
    env = config.environment
    Observability(
        "observability",
        ObservabilityArgs(
            environment=env,
            distribution=edge.distribution,
            apprunner_services=services.apprunner_services,
            us_east_1=edge.us_east_1,
            latency_threshold_ms=config.latency_threshold_ms,
            alarm_email=config.alarm_email,
            dead_letter_queues={
                name: deployed.dead_letter.name for name, deployed in queues.queues.items()
            },
        ),
    )


def _outputs(config: EnvironmentConfig, deployed: _Deployed) -> dict[str, pulumi.Output[str]]:
    """The stack outputs: what the services, the web app and the CLI read (outputs.py)."""
    identity, data, queues = deployed.identity, deployed.data, deployed.queues
    tenancy, services, edge = deployed.tenancy, deployed.services, deployed.edge
    api_url = deployed.api_url
    return {
        OUTPUT_KEYS.web_url: edge.web_url,
        OUTPUT_KEYS.api_url: api_url,
        OUTPUT_KEYS.region: pulumi.Output.from_input(config.region),
        OUTPUT_KEYS.user_pool_id: identity.user_pool.id,
        OUTPUT_KEYS.user_pool_client_id: identity.web_client.id,
        **{t.output_key: data.tables[t.logical_name].name for t in TABLES},
        **{b.output_key: data.buckets[b.logical_name].bucket.bucket for b in BUCKETS},
        **{q.output_key: queues.queues[q.logical_name].queue.url for q in QUEUES},
        **{q.dead_letter_output_key: queues.queues[q.logical_name].dead_letter.url for q in QUEUES},
        HOSTED_UI_DOMAIN: identity.hosted_ui_domain,
        TENANT_ROLE_ARN: tenancy.tenant_role.arn,
        DISTRIBUTION_ID: edge.distribution.id,
        **{repository_url_key(s): r.repository_url for s, r in services.repositories.items()},
        **{service_url_key(s): url for s, url in services.urls.items()},
        **{image_key(s): image for s, image in services.images.items()},
    }


def _with_domain(config: EnvironmentConfig, urls: tuple[str, ...], path: str) -> tuple[str, ...]:
    """Configured OAuth URLs, plus the custom domain's own when there is one."""
    own = (f"{config.web_origin}{path}",) if config.web_origin else ()
    return tuple(dict.fromkeys((*urls, *own)))
