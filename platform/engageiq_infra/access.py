"""ServiceAccess: each service's own identity (instance or task role), limited to the tables,
buckets and queues `SERVICE_DATA` gives it, and the secrets it reads.

The roles exist before the services and the tenant role, so that the tenant role can trust
them and the services can run as them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.config import Compute
from engageiq_infra.policies import (
    DYNAMODB_ITEM_ACTIONS,
    S3_OBJECT_ACTIONS,
    SQS_QUEUE_ACTIONS,
    Statement,
    assume_role_by_service,
    document,
    table_resources,
)
from engageiq_tenancy.resources import (
    CONVERSATIONS,
    SERVICE_DATA,
    SERVICES,
    Environment,
    EnvVars,
    TableSpec,
)
from engageiq_tenancy.setting_catalog import ChatVariables
from engageiq_tenancy.sso_connections import SSO_CONNECTION_ACTIONS
from engageiq_tenancy.tenant_users import MEMBER_LOOKUP_ACTIONS, TENANT_ADMIN_API_ACTIONS

# Who runs the container, and therefore assumes its role.
COMPUTE_PRINCIPALS: Final[dict[Compute, str]] = {
    "apprunner": "tasks.apprunner.amazonaws.com",
    "ecs-express": "ecs-tasks.amazonaws.com",
}
# Secrets per service: environment variable -> config value. Stored in Secrets Manager and
# injected by the platform at start, so they never appear in plain environment variables.
SERVICE_SECRETS: Final[dict[str, tuple[str, ...]]] = {
    "chat": (ChatVariables.ANTHROPIC_API_KEY.name, EnvVars.ORIGIN_SECRET),
    "files": (EnvVars.ORIGIN_SECRET,),
}
# Cognito admin actions per service, on the platform's user pool only: the chat service serves
# the tenant admin's user management (/api/tenant/users) and OIDC connection (/api/tenant/sso:
# the tenant's identity provider and the web client's list of them, decision 0120); the files
# service only looks users up, to check the users a collection's audience names and a file's
# new owner (decision 0111).
SERVICE_USER_POOL_ACTIONS: Final[dict[str, tuple[str, ...]]] = {
    "chat": (*TENANT_ADMIN_API_ACTIONS, *SSO_CONNECTION_ACTIONS),
    "files": MEMBER_LOOKUP_ACTIONS,
}

# The only Scans on the platform, each on one sparse index (decision 0122): the chat service's
# retention sweep finds the conversations idle past a tenant's window in `by_updated`, which
# holds conversation items only (never messages, never the table), including those of users
# removed since; nothing lists a tenant's users. Tenant writes still go through the tenant role.
SERVICE_INDEX_SCANS: Final[dict[str, tuple[tuple[TableSpec, str], ...]]] = {
    "chat": ((CONVERSATIONS, "by_updated"),),
    "files": (),
}


@dataclass(frozen=True, slots=True)
class ServiceAccessArgs:
    environment: Environment
    compute: Compute
    table_arns: Mapping[str, pulumi.Output[str]]
    """Logical table name -> ARN."""
    bucket_arns: Mapping[str, pulumi.Output[str]]
    """Logical bucket name -> ARN."""
    secret_values: Mapping[str, pulumi.Output[str]] = field(default_factory=dict)
    """Secret environment variable -> value (from secret config)."""
    deletion_protection: bool = False
    user_pool_arn: pulumi.Input[str] | None = None
    """The user pool whose users the services administer (SERVICE_USER_POOL_ACTIONS)."""
    queue_arns: Mapping[str, Sequence[pulumi.Output[str]]] = field(default_factory=dict)
    """Logical queue name -> the ARNs of the queue and its dead-letter queue."""


class ServiceAccess(pulumi.ComponentResource):
    roles: dict[str, aws.iam.Role]
    data_policies: dict[str, aws.iam.RolePolicy]
    secrets: dict[str, dict[str, aws.secretsmanager.Secret]]
    """Service -> environment variable -> secret."""

    def __init__(
        self, name: str, args: ServiceAccessArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:ServiceAccess", name, None, opts)
        self._name = name
        self._args = args
        self.roles = {}
        self.data_policies = {}
        self.secrets = {}
        for service in SERVICES:
            self.secrets[service] = {
                var: self._secret(service, var) for var in SERVICE_SECRETS[service]
            }
            self.roles[service] = aws.iam.Role(
                f"{name}-{service}",
                name=f"engageiq-{args.environment}-{service}-service",
                description=f"The {service} service's own identity ({args.compute})",
                assume_role_policy=assume_role_by_service(COMPUTE_PRINCIPALS[args.compute]),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.data_policies[service] = aws.iam.RolePolicy(
                f"{name}-{service}-own-data",
                role=self.roles[service].id,
                policy=document(self._own_data_statements(service)),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs(
            {f"{service}RoleArn": role.arn for service, role in self.roles.items()}
        )

    def secret_arns(self) -> list[pulumi.Output[str]]:
        return [s.arn for per_service in self.secrets.values() for s in per_service.values()]

    def _secret(self, service: str, variable: str) -> aws.secretsmanager.Secret:
        slug = variable.lower().replace("_", "-")
        secret = aws.secretsmanager.Secret(
            f"{self._name}-{service}-{slug}",
            name=f"engageiq/{self._args.environment}/{service}/{slug}",
            description=f"{variable} of the {service} service",
            # Prod keeps a deleted secret recoverable for a week; others delete at once.
            recovery_window_in_days=7 if self._args.deletion_protection else 0,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.secretsmanager.SecretVersion(
            f"{self._name}-{service}-{slug}-value",
            secret_id=secret.id,
            secret_string=self._args.secret_values[variable],
            opts=pulumi.ResourceOptions(parent=self),
        )
        return secret

    def _own_data_statements(self, service: str) -> list[Statement]:
        access = SERVICE_DATA[service]
        statements: list[Statement] = [
            {
                "Sid": "OwnTables",
                "Effect": "Allow",
                "Action": list(DYNAMODB_ITEM_ACTIONS),
                "Resource": table_resources(
                    [self._args.table_arns[t.logical_name] for t in access.tables]
                ),
            }
        ]
        for table, index in SERVICE_INDEX_SCANS[service]:
            table_arn = self._args.table_arns[table.logical_name]
            statements.append(
                {
                    "Sid": f"Scan{table.logical_name.capitalize()}{index.title().replace('_', '')}",
                    "Effect": "Allow",
                    "Action": "dynamodb:Scan",
                    "Resource": pulumi.Output.concat(table_arn, f"/index/{index}"),
                }
            )
        for bucket in access.buckets:
            arn = self._args.bucket_arns[bucket.logical_name]
            statements += [
                {
                    "Sid": f"Own{bucket.logical_name.capitalize()}Objects",
                    "Effect": "Allow",
                    "Action": list(S3_OBJECT_ACTIONS),
                    "Resource": arn.apply(lambda a: f"{a}/*"),
                },
                {
                    "Sid": f"Own{bucket.logical_name.capitalize()}Listing",
                    "Effect": "Allow",
                    "Action": "s3:ListBucket",
                    "Resource": arn,
                },
            ]
        queues = [arn for q in access.queues for arn in self._args.queue_arns[q.logical_name]]
        if queues:
            statements.append(
                {
                    "Sid": "OwnQueues",
                    "Effect": "Allow",
                    "Action": list(SQS_QUEUE_ACTIONS),
                    "Resource": queues,
                }
            )
        pool_actions = SERVICE_USER_POOL_ACTIONS[service]
        if pool_actions:
            if self._args.user_pool_arn is None:
                raise ValueError(f"the {service} service needs the user pool's ARN")
            statements.append(
                {
                    "Sid": "OwnUserPool",
                    "Effect": "Allow",
                    "Action": list(pool_actions),
                    "Resource": self._args.user_pool_arn,
                }
            )
        secrets = [s.arn for s in self.secrets[service].values()]
        if secrets:
            statements.append(
                {
                    "Sid": "OwnSecrets",
                    "Effect": "Allow",
                    "Action": "secretsmanager:GetSecretValue",
                    "Resource": secrets,
                }
            )
        return statements
