"""Data: the DynamoDB tables and S3 buckets of the resource spec, with their guardrails.

Everything here is generated from `TABLES` and `BUCKETS`; adding a table to the spec adds it
to every environment. The web bucket's policy (TLS-only plus CloudFront read) is written by
the edge, because it needs the distribution's ARN; the uploads bucket's CORS rule is written by
the web component, because it needs the web origin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from engageiq_infra.policies import deny_insecure_transport, document
from engageiq_tenancy.resources import BUCKETS, TABLES, BucketSpec, Environment, TableSpec
from engageiq_tenancy.retention import DELETED_FILES_PLATFORM_DAYS

# Abandoned multipart uploads are invisible but billed; a day is ample for any upload.
ABORT_INCOMPLETE_UPLOADS_DAYS: Final = 1
# The uploads bucket is versioned for recovery, not history: old versions expire. The longest
# window a tenant may keep deleted files (decision 0122); the retention sweep purges a
# tenant's sooner when it chose a shorter one.
NONCURRENT_VERSION_DAYS: Final = DELETED_FILES_PLATFORM_DAYS


@dataclass(frozen=True, slots=True)
class DataArgs:
    environment: Environment
    bucket_suffix: str
    deletion_protection: bool


@dataclass(frozen=True, slots=True)
class StoredBucket:
    """A bucket and the resources that must exist before it is written to or read."""

    bucket: aws.s3.Bucket
    public_access_block: aws.s3.BucketPublicAccessBlock


class Data(pulumi.ComponentResource):
    tables: dict[str, aws.dynamodb.Table]
    buckets: dict[str, StoredBucket]

    def __init__(
        self, name: str, args: DataArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Data", name, None, opts)
        self._name = name
        self._args = args
        self.tables = {spec.logical_name: self._table(spec) for spec in TABLES}
        self.buckets = {spec.logical_name: self._bucket(spec) for spec in BUCKETS}
        uploads = self.buckets["uploads"]
        self._uploads_lifecycle(uploads.bucket)
        aws.s3.BucketPolicy(
            f"{name}-uploads-policy",
            bucket=uploads.bucket.id,
            policy=document([deny_insecure_transport(uploads.bucket.arn)]),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[uploads.public_access_block]),
        )
        self.register_outputs(
            {
                **{spec.output_key: self.tables[spec.logical_name].name for spec in TABLES},
                **{
                    spec.output_key: self.buckets[spec.logical_name].bucket.bucket
                    for spec in BUCKETS
                },
            }
        )

    def _table(self, spec: TableSpec) -> aws.dynamodb.Table:
        return aws.dynamodb.Table(
            f"{self._name}-{spec.logical_name}",
            name=spec.physical_name(self._args.environment),
            billing_mode="PAY_PER_REQUEST",
            hash_key=spec.partition_key,
            range_key=spec.sort_key,
            attributes=[{"name": attr, "type": "S"} for attr in spec.key_attributes],
            global_secondary_indexes=[
                {
                    "name": index.name,
                    "key_schemas": [
                        {"attribute_name": index.partition_key, "key_type": "HASH"},
                        {"attribute_name": index.sort_key, "key_type": "RANGE"},
                    ],
                    "projection_type": "ALL",
                }
                for index in spec.indexes
            ],
            ttl=(
                {"attribute_name": spec.ttl_attribute, "enabled": True}
                if spec.ttl_attribute
                else None
            ),
            point_in_time_recovery={"enabled": True},
            # Enabled means a KMS key (AWS managed) rather than the default owned key, which
            # puts key use in CloudTrail.
            server_side_encryption={"enabled": True},
            deletion_protection_enabled=self._args.deletion_protection,
            tags={"engageiq:table": spec.logical_name},
            opts=pulumi.ResourceOptions(parent=self, protect=self._args.deletion_protection),
        )

    def _bucket(self, spec: BucketSpec) -> StoredBucket:
        prefix = f"{self._name}-{spec.logical_name}"
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(
            prefix,
            bucket=spec.physical_name(self._args.environment, self._args.bucket_suffix),
            # Disposable environments (no deletion protection) can be torn down with data.
            force_destroy=not self._args.deletion_protection,
            tags={"engageiq:bucket": spec.logical_name},
            opts=pulumi.ResourceOptions(parent=self, protect=self._args.deletion_protection),
        )
        block = aws.s3.BucketPublicAccessBlock(
            f"{prefix}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{prefix}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{prefix}-encryption",
            bucket=bucket.id,
            rules=[
                {
                    "apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"},
                    "bucket_key_enabled": True,
                }
            ],
            opts=child,
        )
        if spec.versioned:
            aws.s3.BucketVersioning(
                f"{prefix}-versioning",
                bucket=bucket.id,
                versioning_configuration={"status": "Enabled"},
                opts=child,
            )
        return StoredBucket(bucket, block)

    def _uploads_lifecycle(self, bucket: aws.s3.Bucket) -> None:
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-uploads-lifecycle",
            bucket=bucket.id,
            rules=[
                {
                    "id": "abort-incomplete-multipart-uploads",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "abort_incomplete_multipart_upload": {
                        "days_after_initiation": ABORT_INCOMPLETE_UPLOADS_DAYS,
                    },
                },
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "noncurrent_version_expiration": {
                        "noncurrent_days": NONCURRENT_VERSION_DAYS,
                    },
                },
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
