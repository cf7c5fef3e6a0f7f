"""The stack outputs: the same keys as the local outputs file (`OUTPUT_KEYS`) where they
apply in the cloud, plus a few platform-only ones (repositories, tenant role, Hosted UI)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import pulumi

from engageiq_infra.config import image_key
from engageiq_tenancy.resources import BUCKETS, OUTPUT_KEYS, QUEUES, SERVICES, TABLES

# Local-only keys: moto's endpoint and the seeded demo user do not exist in the cloud.
LOCAL_ONLY_KEYS: Final[frozenset[str]] = frozenset(
    {
        OUTPUT_KEYS.aws_endpoint_url,
        OUTPUT_KEYS.demo_tenant_id,
        OUTPUT_KEYS.demo_username,
        OUTPUT_KEYS.demo_password,
    }
)
HOSTED_UI_DOMAIN: Final = "hostedUiDomain"
TENANT_ROLE_ARN: Final = "tenantRoleArn"
DISTRIBUTION_ID: Final = "distributionId"
# config.json only (web/src/lib/config.ts): `<tenant>.<tenantDomain>` selects a tenant's
# branding on the sign-in page; present on stacks with a custom domain.
TENANT_DOMAIN: Final = "tenantDomain"


def repository_url_key(service: str) -> str:
    return f"{service}RepositoryUrl"


def service_url_key(service: str) -> str:
    return f"{service}ServiceUrl"


def cloud_output_keys() -> frozenset[str]:
    """Every key the stack exports; tests compare the program's outputs with this."""
    shared = {
        OUTPUT_KEYS.web_url,
        OUTPUT_KEYS.api_url,
        OUTPUT_KEYS.region,
        OUTPUT_KEYS.user_pool_id,
        OUTPUT_KEYS.user_pool_client_id,
        *(t.output_key for t in TABLES),
        *(b.output_key for b in BUCKETS),
        *(q.output_key for q in QUEUES),
    }
    platform = {
        *(q.dead_letter_output_key for q in QUEUES),
        HOSTED_UI_DOMAIN,
        TENANT_ROLE_ARN,
        DISTRIBUTION_ID,
        *(repository_url_key(s) for s in SERVICES),
        *(service_url_key(s) for s in SERVICES),
        *(image_key(s) for s in SERVICES),
    }
    return frozenset(shared | platform)


def export_all(outputs: Mapping[str, pulumi.Input[str]]) -> None:
    for key, value in outputs.items():
        pulumi.export(key, value)
