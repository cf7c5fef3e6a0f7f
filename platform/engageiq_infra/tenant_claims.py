"""The pre-token-generation trigger: every token's `custom:tenant_id` from EngageIQ's own
provider -> tenant mapping, never from an identity provider (decision 0121).

- `TenantClaims` (created before the user pool, after the tables) owns the function
  (engageiq_infra/lambdas/tenant_claims.py), its role and its log group; the role may read
  items of the tenants table (GetItem, nothing else) and write its own logs;
- `pre_token_generation_config()` is the user pool's `lambda_config` entry (event V2_0,
  which needs the Essentials feature plan: `Identity` sets it);
- `allow_pool()` (once the pool exists) lets Cognito invoke the function from that pool only,
  and lets the function add users of that pool to groups (just-in-time membership)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.cognito_triggers import (
    HANDLERS,
    LAMBDA_RUNTIME,
    LAMBDA_TIMEOUT_SECONDS,
    invoked_by_pool,
    logs_and_role,
    write_own_logs,
)
from engageiq_infra.policies import document
from engageiq_tenancy.resources import Environment

HANDLER_SOURCE: Final = HANDLERS / "tenant_claims.py"
EVENT_VERSION: Final = "V2_0"
TABLE_VARIABLE: Final = "ENGAGEIQ_TENANTS_TABLE"
"""Read by the handler (its `TABLE_VARIABLE`; a test keeps them equal)."""
TABLE_ACTIONS: Final[tuple[str, ...]] = ("dynamodb:GetItem",)
POOL_ACTIONS: Final[tuple[str, ...]] = ("cognito-idp:AdminAddUserToGroup",)


@dataclass(frozen=True, slots=True)
class TenantClaimsArgs:
    environment: Environment
    tenants_table_name: pulumi.Input[str]
    tenants_table_arn: pulumi.Input[str]
    log_retention_days: int


class TenantClaims(pulumi.ComponentResource):
    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup

    def __init__(
        self, name: str, args: TenantClaimsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:TenantClaims", name, None, opts)
        self._name = name
        child = pulumi.ResourceOptions(parent=self)
        function_name = f"engageiq-{args.environment}-tenant-claims"
        self.log_group, self.role = logs_and_role(
            name, function_name, args.log_retention_days, child
        )
        reads = aws.iam.RolePolicy(
            f"{name}-reads",
            role=self.role.id,
            policy=document(
                [
                    write_own_logs(self.log_group),
                    {
                        # The mapping, the tenant record and removals, by key: no query, no
                        # scan, no write.
                        "Sid": "ReadTenantItems",
                        "Effect": "Allow",
                        "Action": list(TABLE_ACTIONS),
                        "Resource": args.tenants_table_arn,
                    },
                ]
            ),
            opts=child,
        )
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            runtime=LAMBDA_RUNTIME,
            handler="tenant_claims.handler",
            code=pulumi.AssetArchive({"tenant_claims.py": pulumi.FileAsset(str(HANDLER_SOURCE))}),
            role=self.role.arn,
            timeout=LAMBDA_TIMEOUT_SECONDS,
            memory_size=256,
            environment={"variables": {TABLE_VARIABLE: args.tenants_table_name}},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, reads]),
        )
        self.register_outputs({"functionArn": self.function.arn})

    def pre_token_generation_config(self) -> dict[str, Any]:
        """The user pool's `lambda_config.pre_token_generation_config`."""
        return {"lambda_arn": self.function.arn, "lambda_version": EVENT_VERSION}

    def allow_pool(self, user_pool: aws.cognito.UserPool) -> None:
        """After the pool exists (its ARN depends on this function's): Cognito may invoke the
        function for this pool only, and the function may add this pool's users to groups."""
        child = pulumi.ResourceOptions(parent=self)
        invoked_by_pool(self._name, self.function, user_pool, child)
        aws.iam.RolePolicy(
            f"{self._name}-membership",
            role=self.role.id,
            policy=document(
                [
                    {
                        "Sid": "JustInTimeMembership",
                        "Effect": "Allow",
                        "Action": list(POOL_ACTIONS),
                        "Resource": user_pool.arn,
                    }
                ]
            ),
            opts=child,
        )
