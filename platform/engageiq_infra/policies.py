"""IAM policy statements the components share, so each rule is written once.

Statements are plain dicts; `document` turns a list of them (values may be Outputs) into the
JSON string an IAM or bucket policy takes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pulumi

Statement = dict[str, Any]

# Item-level DynamoDB actions. No table management (CreateTable, DeleteTable, ...) and no Scan:
# services read by key, and a Scan would cross tenant partitions. The one exception is
# `engageiq_infra.access.SERVICE_INDEX_SCANS` (the retention sweep, decision 0122).
DYNAMODB_ITEM_ACTIONS: Final[tuple[str, ...]] = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
)
S3_OBJECT_ACTIONS: Final[tuple[str, ...]] = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)
# What the retention sweep does with a deleted file's stored versions, as the tenant role on
# the tenant's prefix only (decision 0122): list them, and remove them for good.
S3_VERSION_LISTING_ACTIONS: Final[tuple[str, ...]] = ("s3:ListBucket", "s3:ListBucketVersions")
S3_VERSION_PURGE_ACTIONS: Final[tuple[str, ...]] = ("s3:DeleteObjectVersion",)
# What a service does with its own queues: produce and consume jobs, nothing else (no purge,
# no attribute changes, no queue management).
SQS_QUEUE_ACTIONS: Final[tuple[str, ...]] = (
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
)
# The tenant id a session was tagged with when the tenant role was assumed.
TENANT_TAG: Final = "${aws:PrincipalTag/tenant_id}"


def document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


def assume_role_by_service(service_principal: str) -> pulumi.Output[str]:
    return document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service_principal},
                "Action": "sts:AssumeRole",
            }
        ]
    )


def table_resources(table_arns: Sequence[pulumi.Input[str]]) -> list[pulumi.Output[str]]:
    """Each table and its indexes (Query on a GSI is authorised on the index ARN)."""
    arns = [pulumi.Output.from_input(arn) for arn in table_arns]
    return [*arns, *(arn.apply(lambda a: f"{a}/index/*") for arn in arns)]


def deny_insecure_transport(bucket_arn: pulumi.Input[str]) -> Statement:
    """TLS-only: deny every request to the bucket that did not arrive over HTTPS."""
    arn = pulumi.Output.from_input(bucket_arn)
    return {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [arn, arn.apply(lambda a: f"{a}/*")],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
