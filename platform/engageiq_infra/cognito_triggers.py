"""What every Cognito trigger function of the platform shares (the message trigger,
`cognito_messages`, and the tenant claims trigger, `tenant_claims`): the runtime, Cognito's
time limit, a log group with the stack's retention, a role only Lambda assumes, the
statement that lets it write its own logs, and the permission for one user pool to invoke it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.policies import assume_role_by_service

LAMBDA_RUNTIME: Final = "python3.12"
LAMBDA_TIMEOUT_SECONDS: Final = 5
"""Cognito waits at most 5 s for a trigger (the AWS Cognito developer guide, "Lambda
triggers")."""
HANDLERS: Final = Path(__file__).with_name("lambdas")
"""The handlers' sources, one file each, packaged alone (tests/images/test_lambda_package.py)."""


def logs_and_role(
    name: str, function_name: str, log_retention_days: int, opts: pulumi.ResourceOptions
) -> tuple[aws.cloudwatch.LogGroup, aws.iam.Role]:
    """The function's log group (`/aws/lambda/<function_name>`, made before the function so
    its retention applies) and its role, named like the function."""
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/aws/lambda/{function_name}",
        retention_in_days=log_retention_days,
        opts=opts,
    )
    role = aws.iam.Role(
        f"{name}-role",
        name=function_name,
        assume_role_policy=assume_role_by_service("lambda.amazonaws.com"),
        opts=opts,
    )
    return log_group, role


def write_own_logs(log_group: aws.cloudwatch.LogGroup) -> dict[str, Any]:
    """The policy statement for writing to `log_group` and nothing else."""
    return {
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": log_group.arn.apply(lambda arn: f"{arn}:*"),
    }


def invoked_by_pool(
    name: str,
    function: aws.lambda_.Function,
    user_pool: aws.cognito.UserPool,
    opts: pulumi.ResourceOptions,
) -> aws.lambda_.Permission:
    """Cognito may invoke `function` for `user_pool` only (the source ARN)."""
    return aws.lambda_.Permission(
        f"{name}-invoked-by-cognito",
        action="lambda:InvokeFunction",
        function=function.name,
        principal="cognito-idp.amazonaws.com",
        source_arn=user_pool.arn,
        opts=opts,
    )
