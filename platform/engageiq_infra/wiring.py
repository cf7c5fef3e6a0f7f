"""The services' environment, built from resource outputs with the spec's variable names.

This is the cloud half of `engageiq_tenancy.settings.ServiceSettings.from_env`: every variable
that reads is set here, and the local-only ones (the moto JWKS URL and endpoint) never are.
A stack's `engageiq:serviceSettings` (already checked, `EnvironmentConfig.service_settings`)
reaches only the services that read each setting (`setting_catalog`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import pulumi

from engageiq_tenancy.resources import BUCKETS, SERVICE_DATA, TABLES, Environment, EnvVars
from engageiq_tenancy.setting_catalog import LOCAL_ONLY_VARIABLES, read_by


@dataclass(frozen=True, slots=True)
class ServiceWiring:
    environment: Environment
    region: str
    log_level: str
    user_pool_id: pulumi.Output[str]
    user_pool_client_id: pulumi.Output[str]
    tenant_role_arn: pulumi.Output[str]
    table_names: Mapping[str, pulumi.Output[str]]
    """Logical table name -> physical name."""
    bucket_names: Mapping[str, pulumi.Output[str]]
    """Logical bucket name -> physical name."""
    queue_urls: Mapping[str, pulumi.Output[str]]
    """Logical queue name -> URL."""
    dead_letter_queue_urls: Mapping[str, pulumi.Output[str]]
    """Logical queue name -> its dead-letter queue's URL."""
    service_settings: Mapping[str, str] = field(default_factory=dict)
    """The stack's checked `engageiq:serviceSettings`: variable name -> value."""

    def service_variables(self, service: Literal["chat", "files"]) -> dict[str, pulumi.Input[str]]:
        """What only `service` gets on top of `environment_variables`: its queues' URLs and
        their dead-letter queues' (`SERVICE_DATA`; the consumer dead-letters a job itself,
        decision 0141), so no other service is even told where they are, and the stack's
        settings that `service` reads."""
        variables: dict[str, pulumi.Input[str]] = {}
        for q in SERVICE_DATA[service].queues:
            variables[q.env_var] = self.queue_urls[q.logical_name]
            variables[q.dead_letter_env_var] = self.dead_letter_queue_urls[q.logical_name]
        variables |= read_by(service, self.service_settings)
        leaked = LOCAL_ONLY_VARIABLES & variables.keys()
        if leaked:
            raise ValueError(f"local-only variables in a cloud environment: {sorted(leaked)}")
        return variables

    def environment_variables(self) -> dict[str, pulumi.Input[str]]:
        variables: dict[str, pulumi.Input[str]] = {
            EnvVars.ENV: self.environment,
            EnvVars.REGION: self.region,
            EnvVars.LOG_LEVEL: self.log_level,
            EnvVars.USER_POOL_ID: self.user_pool_id,
            EnvVars.USER_POOL_CLIENT_ID: self.user_pool_client_id,
            EnvVars.TENANT_ROLE_ARN: self.tenant_role_arn,
        }
        variables |= {t.env_var: self.table_names[t.logical_name] for t in TABLES}
        variables |= {b.env_var: self.bucket_names[b.logical_name] for b in BUCKETS}
        # They make a service trust moto or talk to it; settings.py refuses them outside
        # local mode, and the infrastructure tests assert they are absent.
        leaked = LOCAL_ONLY_VARIABLES & variables.keys()
        if leaked:
            raise ValueError(f"local-only variables in a cloud environment: {sorted(leaked)}")
        return variables
