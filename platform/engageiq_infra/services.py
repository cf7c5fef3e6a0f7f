"""Services: one container service per entry of `SERVICES`, on App Runner (default) or ECS
Express Mode (`engageiq:compute: ecs-express`).

Images are built by the program and pushed to the ECR repository this component owns, then
deployed by digest, unless config names an image (engageiq_infra.images; decision 0065). Both
compute options get the same environment, health check path, role and secrets, so the choice
changes only where the container runs."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.config import Compute, Scaling
from engageiq_infra.images import ImageBuildArgs, build_and_push
from engageiq_infra.outputs import repository_url_key, service_url_key
from engageiq_infra.policies import assume_role_by_service, document
from engageiq_tenancy.resources import SERVICES, Environment

CONTAINER_PORT: Final = 8080
HEALTH_CHECK_PATH: Final = "/health"
# AWS managed policies, each the narrowest AWS offers for its job (image pulls, log writes,
# and the load balancer ECS Express manages). Tests allow exactly these.
APPRUNNER_ECR_ACCESS_POLICY: Final = (
    "arn:aws:iam::aws:policy/service-role/AWSAppRunnerServicePolicyForECRAccess"
)
ECS_TASK_EXECUTION_POLICY: Final = (
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
)
ECS_EXPRESS_INFRASTRUCTURE_POLICY: Final = (
    "arn:aws:iam::aws:policy/service-role/AmazonECSInfrastructureRoleforExpressGatewayServices"
)
MANAGED_POLICIES: Final[frozenset[str]] = frozenset(
    {APPRUNNER_ECR_ACCESS_POLICY, ECS_TASK_EXECUTION_POLICY, ECS_EXPRESS_INFRASTRUCTURE_POLICY}
)
# ECS scales on CPU; App Runner scales on concurrent requests (Scaling.max_concurrency).
ECS_CPU_TARGET_PERCENT: Final = 60
KEPT_IMAGES: Final = 30


@dataclass(frozen=True, slots=True)
class ServicesArgs:
    environment: Environment
    compute: Compute
    scaling: Scaling
    image_overrides: Mapping[str, str]
    """Service -> image reference from config; services not named here are built."""
    build_context: Path
    """The Docker build context (the repository root)."""
    log_retention_days: int
    deletion_protection: bool
    environment_variables: Mapping[str, pulumi.Input[str]]
    roles: Mapping[str, aws.iam.Role]
    """Service -> its own role (from ServiceAccess)."""
    secrets: Mapping[str, Mapping[str, aws.secretsmanager.Secret]]
    """Service -> environment variable -> secret."""
    role_policies: Sequence[pulumi.Resource]
    """Policies the services need before they start (and must outlive them on delete)."""
    ecs_subnet_ids: Sequence[str] = ()
    """ECS Express: subnets; empty lets ECS use the account's default VPC."""
    ecs_security_group_ids: Sequence[str] = ()
    service_variables: Mapping[str, Mapping[str, pulumi.Input[str]]] = field(default_factory=dict)
    """Service -> variables only that service gets (e.g. the files service's queue URL)."""


def _bare_host(endpoint: str) -> str:
    """`https://x.example/` -> `x.example`: CloudFront origins take a host name only."""
    return endpoint.removeprefix("https://").removeprefix("http://").rstrip("/")


class Services(pulumi.ComponentResource):
    repositories: dict[str, aws.ecr.Repository]
    images: dict[str, pulumi.Output[str]]
    """Service -> the image reference it runs (`<repo>@sha256:...` when built here)."""
    urls: dict[str, pulumi.Output[str]]
    """Service -> bare host name, the form a CloudFront custom origin needs."""
    apprunner_services: dict[str, aws.apprunner.Service]
    log_groups: dict[str, aws.cloudwatch.LogGroup]

    def __init__(
        self, name: str, args: ServicesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Services", name, None, opts)
        self._name = name
        self._args = args
        self.repositories = {service: self._repository(service) for service in SERVICES}
        self.images = {service: self._image(service) for service in SERVICES}
        self.apprunner_services = {}
        self.log_groups = {}
        if args.compute == "apprunner":
            access_role = self._apprunner_access_role()
            for service in SERVICES:
                self.apprunner_services[service] = self._apprunner(service, access_role)
            self.urls = {s: svc.service_url for s, svc in self.apprunner_services.items()}
        else:
            self.urls = self._ecs_express()
        self.register_outputs(
            {
                **{repository_url_key(s): r.repository_url for s, r in self.repositories.items()},
                **{service_url_key(s): url for s, url in self.urls.items()},
            }
        )

    def _child(self, depends_on: Sequence[pulumi.Resource] = ()) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(depends_on))

    def _variables(self, service: str) -> dict[str, pulumi.Input[str]]:
        return {**self._args.environment_variables, **self._args.service_variables.get(service, {})}

    def _repository(self, service: str) -> aws.ecr.Repository:
        repo = aws.ecr.Repository(
            f"{self._name}-{service}-repo",
            name=f"engageiq-{self._args.environment}-{service}",
            # Immutable tags: a deployed tag always means the same image.
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "AES256"}],
            force_delete=not self._args.deletion_protection,
            opts=self._child(),
        )
        aws.ecr.LifecyclePolicy(
            f"{self._name}-{service}-repo-lifecycle",
            repository=repo.name,
            policy=json.dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": f"keep the last {KEPT_IMAGES} images",
                            "selection": {
                                "tagStatus": "any",
                                "countType": "imageCountMoreThan",
                                "countNumber": KEPT_IMAGES,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=self._child(),
        )
        return repo

    def _image(self, service: str) -> pulumi.Output[str]:
        override = self._args.image_overrides.get(service)
        if override:
            return pulumi.Output.from_input(override)
        _, reference = build_and_push(
            f"{self._name}-{service}-image",
            ImageBuildArgs(service, self.repositories[service], self._args.build_context),
            parent=self,
        )
        return reference

    # App Runner ------------------------------------------------------------------------------

    def _apprunner_access_role(self) -> aws.iam.Role:
        """The role App Runner uses to pull images from ECR (not the one the code runs as)."""
        role = aws.iam.Role(
            f"{self._name}-ecr-access",
            name=f"engageiq-{self._args.environment}-apprunner-ecr",
            assume_role_policy=assume_role_by_service("build.apprunner.amazonaws.com"),
            opts=self._child(),
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-ecr-access-policy",
            role=role.name,
            policy_arn=APPRUNNER_ECR_ACCESS_POLICY,
            opts=self._child(),
        )
        return role

    def _apprunner(self, service: str, access_role: aws.iam.Role) -> aws.apprunner.Service:
        args = self._args
        scaling = aws.apprunner.AutoScalingConfigurationVersion(
            f"{self._name}-{service}-scaling",
            auto_scaling_configuration_name=f"engageiq-{args.environment}-{service}",
            min_size=args.scaling.min_instances,
            max_size=args.scaling.max_instances,
            max_concurrency=args.scaling.max_concurrency,
            opts=self._child(),
        )
        return aws.apprunner.Service(
            f"{self._name}-{service}",
            service_name=f"engageiq-{args.environment}-{service}",
            source_configuration={
                "authentication_configuration": {"access_role_arn": access_role.arn},
                # A deployment is a `pulumi up` that changes the digest, never a push alone.
                "auto_deployments_enabled": False,
                "image_repository": {
                    "image_identifier": self.images[service],
                    "image_repository_type": "ECR",
                    "image_configuration": {
                        "port": str(CONTAINER_PORT),
                        "runtime_environment_variables": self._variables(service),
                        "runtime_environment_secrets": {
                            var: secret.arn for var, secret in args.secrets[service].items()
                        },
                    },
                },
            },
            instance_configuration={
                "cpu": args.scaling.cpu,
                "memory": args.scaling.memory,
                "instance_role_arn": args.roles[service].arn,
            },
            health_check_configuration={
                "protocol": "HTTP",
                "path": HEALTH_CHECK_PATH,
                "interval": 10,
                "timeout": 5,
                "healthy_threshold": 1,
                "unhealthy_threshold": 3,
            },
            auto_scaling_configuration_arn=scaling.arn,
            opts=self._child(args.role_policies),
        )

    # ECS Express Mode ------------------------------------------------------------------------

    def _ecs_express(self) -> dict[str, pulumi.Output[str]]:
        args = self._args
        cluster = aws.ecs.Cluster(
            f"{self._name}-cluster",
            name=f"engageiq-{args.environment}",
            settings=[{"name": "containerInsights", "value": "enabled"}],
            opts=self._child(),
        )
        execution_role = self._ecs_role(
            "execution", "ecs-tasks.amazonaws.com", ECS_TASK_EXECUTION_POLICY
        )
        secret_arns = [s.arn for per in args.secrets.values() for s in per.values()]
        execution_secrets = aws.iam.RolePolicy(
            f"{self._name}-execution-secrets",
            role=execution_role.id,
            # The execution role injects the secrets at task start; nothing else.
            policy=document(
                [
                    {
                        "Sid": "InjectSecrets",
                        "Effect": "Allow",
                        "Action": "secretsmanager:GetSecretValue",
                        "Resource": secret_arns,
                    }
                ]
            ),
            opts=self._child(),
        )
        infrastructure_role = self._ecs_role(
            "infrastructure", "ecs.amazonaws.com", ECS_EXPRESS_INFRASTRUCTURE_POLICY
        )
        urls: dict[str, pulumi.Output[str]] = {}
        for service in SERVICES:
            log_group = aws.cloudwatch.LogGroup(
                f"{self._name}-{service}-logs",
                name=f"/engageiq/{args.environment}/{service}",
                retention_in_days=args.log_retention_days,
                opts=self._child(),
            )
            self.log_groups[service] = log_group
            express = aws.ecs.ExpressGatewayService(
                f"{self._name}-{service}",
                service_name=f"engageiq-{args.environment}-{service}",
                cluster=cluster.name,
                cpu=args.scaling.cpu,
                memory=args.scaling.memory,
                execution_role_arn=execution_role.arn,
                infrastructure_role_arn=infrastructure_role.arn,
                task_role_arn=args.roles[service].arn,
                health_check_path=HEALTH_CHECK_PATH,
                network_configurations=self._ecs_network(),
                primary_container=aws.ecs.ExpressGatewayServicePrimaryContainerArgs(
                    image=self.images[service],
                    container_port=CONTAINER_PORT,
                    environments=[
                        aws.ecs.ExpressGatewayServicePrimaryContainerEnvironmentArgs(
                            name=name,
                            value=value,
                        )
                        for name, value in self._variables(service).items()
                    ],
                    secrets=[
                        aws.ecs.ExpressGatewayServicePrimaryContainerSecretArgs(
                            name=var,
                            value_from=secret.arn,
                        )
                        for var, secret in args.secrets[service].items()
                    ],
                    aws_logs_configurations=[
                        aws.ecs.ExpressGatewayServicePrimaryContainerAwsLogsConfigurationArgs(
                            log_group=log_group.name,
                            log_stream_prefix=service,
                        ),
                    ],
                ),
                scaling_targets=[
                    aws.ecs.ExpressGatewayServiceScalingTargetArgs(
                        min_task_count=args.scaling.min_instances,
                        max_task_count=args.scaling.max_instances,
                        auto_scaling_metric="AVERAGE_CPU",
                        auto_scaling_target_value=ECS_CPU_TARGET_PERCENT,
                    )
                ],
                # Policies must outlive the service on delete, or it hangs in DRAINING.
                opts=self._child([*args.role_policies, execution_secrets]),
            )
            urls[service] = express.ingress_paths.apply(
                lambda paths: _bare_host(paths[0].endpoint) if paths else ""
            )
        return urls

    def _ecs_network(self) -> list[aws.ecs.ExpressGatewayServiceNetworkConfigurationArgs] | None:
        if not self._args.ecs_subnet_ids:
            return None
        return [
            aws.ecs.ExpressGatewayServiceNetworkConfigurationArgs(
                subnets=list(self._args.ecs_subnet_ids),
                security_groups=list(self._args.ecs_security_group_ids),
            )
        ]

    def _ecs_role(self, purpose: str, principal: str, managed_policy: str) -> aws.iam.Role:
        role = aws.iam.Role(
            f"{self._name}-{purpose}",
            name=f"engageiq-{self._args.environment}-ecs-{purpose}",
            assume_role_policy=assume_role_by_service(principal),
            opts=self._child(),
        )
        aws.iam.RolePolicyAttachment(
            f"{self._name}-{purpose}-policy",
            role=role.name,
            policy_arn=managed_policy,
            opts=self._child(),
        )
        return role
