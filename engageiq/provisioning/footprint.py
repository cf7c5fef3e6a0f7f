"""What of a tenant exists anywhere: the record, Cognito users and groups, DynamoDB items under
its keys, and S3 objects (every version), multipart uploads under its prefix.

Used by the purge to know what to remove and to prove afterwards that nothing remains."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from engageiq.provisioning.targets import Target
from engageiq_tenancy.items import to_item
from engageiq_tenancy.resources import TABLES, TENANT_OBJECT_PREFIX, UPLOADS
from engageiq_tenancy.tenant_ids import KEY_DELIMITER, validate_tenant_id
from engageiq_tenancy.tenant_users import UserDirectory
from engageiq_tenancy.tenants import operator_record_key


def tenant_key_prefix(slug: str) -> str:
    return f"{validate_tenant_id(slug)}{KEY_DELIMITER}"


def tenant_object_prefix(slug: str) -> str:
    return f"{TENANT_OBJECT_PREFIX}{validate_tenant_id(slug)}/"


@dataclass
class Footprint:
    record: bool = False
    users: int = 0
    groups: int = 0
    items: dict[str, int] = field(default_factory=dict)
    object_versions: int = 0
    multipart_uploads: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.record
            or self.users
            or self.groups
            or any(self.items.values())
            or self.object_versions
            or self.multipart_uploads
        )


class TenantData:
    """Finds a tenant's data. Scans are fine here: this is an operator action, never a request,
    and a scan by key prefix also finds data of users who were removed long ago."""

    def __init__(self, target: Target) -> None:
        self.target = target
        self.dynamodb = target.client("dynamodb")
        self.s3 = target.client("s3")
        self.users = UserDirectory(target)

    @property
    def bucket(self) -> str:
        return self.target.buckets[UPLOADS.logical_name]

    def items(
        self, slug: str, table_logical: str, *, keys_only: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Every item of the tenant in one table (typed DynamoDB JSON)."""
        spec = next(t for t in TABLES if t.logical_name == table_logical)
        request: dict[str, Any] = {
            "TableName": self.target.tables[table_logical],
            "FilterExpression": "begins_with(#pk, :prefix)",
            "ExpressionAttributeNames": {"#pk": spec.partition_key},
            "ExpressionAttributeValues": to_item({":prefix": tenant_key_prefix(slug)}),
            "ConsistentRead": True,
        }
        if keys_only:
            request["ExpressionAttributeNames"]["#sk"] = spec.sort_key
            request["ProjectionExpression"] = "#pk, #sk"
        for page in self.dynamodb.get_paginator("scan").paginate(**request):
            yield from page["Items"]

    def object_versions(self, slug: str) -> Iterator[dict[str, str]]:
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=tenant_object_prefix(slug)):
            for entry in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                yield {"Key": entry["Key"], "VersionId": entry["VersionId"]}

    def multipart_uploads(self, slug: str) -> Iterator[dict[str, str]]:
        paginator = self.s3.get_paginator("list_multipart_uploads")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=tenant_object_prefix(slug)):
            for upload in page.get("Uploads", []):
                yield {"Key": upload["Key"], "UploadId": upload["UploadId"]}

    def record_exists(self, slug: str) -> bool:
        answer = self.dynamodb.get_item(
            TableName=self.target.tables["tenants"],
            Key=to_item(operator_record_key(slug)),
            ConsistentRead=True,
        )
        return "Item" in answer

    def footprint(self, slug: str) -> Footprint:
        return Footprint(
            record=self.record_exists(slug),
            users=sum(1 for _ in self.users.users_of(slug)),
            groups=len(self.users.groups_of(slug)),
            items={
                t.logical_name: sum(1 for _ in self.items(slug, t.logical_name, keys_only=True))
                for t in TABLES
                # The audit log outlives the purge (decision 0118): not part of what remains.
                if t.tenant_scoped and not t.survives_purge
            },
            object_versions=sum(1 for _ in self.object_versions(slug)),
            multipart_uploads=sum(1 for _ in self.multipart_uploads(slug)),
        )
