"""Governance facts written straight into a file's record, for tests that need a file in a
given state before the files service's own routes can set it (decision 0111)."""

from __future__ import annotations

from typing import Any

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import governed_partition
from engageiq_tenancy.keys import FILE_TAG, FILES_ENTITY, tenant_partition


def mark_stale(
    dynamodb: Any,
    files_table: str,
    tenant: TenantContext,
    file_id: str,
    review_by: str = "2026-01-31",
    verified_by: str = "tester",
) -> None:
    """Make a file verified once and stale since `review_by` (a past date): its record's
    `verifiedAt`, `verifiedBy`, `reviewBy`, and `governed`, which puts it in `by_governance`
    where `KnowledgeReader` finds it."""
    dynamodb.update_item(
        TableName=files_table,
        Key={
            "pk": {"S": tenant_partition(tenant, FILES_ENTITY)},
            "sk": {"S": f"{FILE_TAG}#{file_id}"},
        },
        UpdateExpression=(
            "SET verifiedAt = :at, verifiedBy = :by, reviewBy = :review, governed = :governed"
        ),
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={
            ":at": {"S": "2025-12-01T00:00:00.000Z"},
            ":by": {"S": verified_by},
            ":review": {"S": review_by},
            ":governed": {"S": governed_partition(tenant)},
        },
    )
