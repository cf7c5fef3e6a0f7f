"""Tenancy: the tenant role, IAM's second wall around tenant data (ABAC).

A service assumes this role with a `tenant_id` session tag taken from the verified token. The
role can then touch only items whose partition key starts with `<tenant_id>#` and objects under
`tenants/<tenant_id>/`, whatever the service code asks for."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.policies import (
    DYNAMODB_ITEM_ACTIONS,
    S3_OBJECT_ACTIONS,
    S3_VERSION_LISTING_ACTIONS,
    S3_VERSION_PURGE_ACTIONS,
    TENANT_TAG,
    Statement,
    document,
    table_resources,
)
from engageiq_tenancy.resources import TABLES, TENANT_OBJECT_PREFIX, Environment

TENANT_TAG_KEY: Final = "tenant_id"
# "<tenant_id>#*": keys.py builds every tenant-scoped partition key (and GSI partition key) so.
LEADING_KEY_PATTERN: Final = f"{TENANT_TAG}#*"
# One tenant request at a time needs the credentials; an hour is the shortest STS default.
SESSION_SECONDS: Final = 3600


def tenant_object_prefix() -> str:
    """The S3 key prefix a tenant session may use: `tenants/${aws:PrincipalTag/tenant_id}/`."""
    return f"{TENANT_OBJECT_PREFIX}{TENANT_TAG}/"


@dataclass(frozen=True, slots=True)
class TenancyArgs:
    environment: Environment
    service_roles: Mapping[str, aws.iam.Role]
    """Service -> its own role; each may assume the tenant role."""
    table_arns: Mapping[str, pulumi.Output[str]]
    uploads_bucket_arn: pulumi.Output[str]


class Tenancy(pulumi.ComponentResource):
    tenant_role: aws.iam.Role

    def __init__(
        self, name: str, args: TenancyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Tenancy", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        roles = list(args.service_roles.values())
        self.tenant_role = aws.iam.Role(
            f"{name}-tenant-role",
            name=f"engageiq-{args.environment}-tenant",
            description="Tenant-scoped access (ABAC on the tenant_id session tag)",
            max_session_duration=SESSION_SECONDS,
            assume_role_policy=document(
                [
                    {
                        "Sid": "ServicesWithTenantTag",
                        "Effect": "Allow",
                        "Principal": {"AWS": [role.arn for role in roles]},
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                        # A session without a tenant tag would match no key; refuse to create it.
                        "Condition": {"StringLike": {f"aws:RequestTag/{TENANT_TAG_KEY}": "?*"}},
                    }
                ]
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-tenant-data",
            role=self.tenant_role.id,
            policy=document(self._tenant_statements(args)),
            opts=child,
        )
        for service, role in args.service_roles.items():
            aws.iam.RolePolicy(
                f"{name}-{service}-assume-tenant",
                role=role.id,
                policy=document(
                    [
                        {
                            "Sid": "AssumeTenantRole",
                            "Effect": "Allow",
                            "Action": ["sts:AssumeRole", "sts:TagSession"],
                            "Resource": self.tenant_role.arn,
                        }
                    ]
                ),
                opts=child,
            )
        self.register_outputs({"tenantRoleArn": self.tenant_role.arn})

    @staticmethod
    def _tenant_statements(args: TenancyArgs) -> list[Statement]:
        scoped = [args.table_arns[t.logical_name] for t in TABLES if t.tenant_scoped]
        bucket = args.uploads_bucket_arn
        prefix = tenant_object_prefix()
        return [
            {
                "Sid": "TenantItems",
                "Effect": "Allow",
                "Action": list(DYNAMODB_ITEM_ACTIONS),
                "Resource": table_resources(scoped),
                "Condition": {
                    "ForAllValues:StringLike": {
                        "dynamodb:LeadingKeys": [LEADING_KEY_PATTERN],
                    }
                },
            },
            {
                "Sid": "TenantObjects",
                "Effect": "Allow",
                "Action": list(S3_OBJECT_ACTIONS),
                "Resource": bucket.apply(lambda a: f"{a}/{prefix}*"),
            },
            {
                # Deleted files past the tenant's retention window are purged for good.
                "Sid": "TenantObjectVersions",
                "Effect": "Allow",
                "Action": list(S3_VERSION_PURGE_ACTIONS),
                "Resource": bucket.apply(lambda a: f"{a}/{prefix}*"),
            },
            {
                "Sid": "TenantListing",
                "Effect": "Allow",
                "Action": list(S3_VERSION_LISTING_ACTIONS),
                "Resource": bucket,
                "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
            },
        ]
