"""The audit log's table (decision 0118) in every environment and compute option: it exists,
expires entries by TTL on `expiresAt`, keeps point-in-time recovery, is reached by tenant
sessions only under the tenant's own leading key, and by both services' roles."""

from __future__ import annotations

import json

from engageiq_infra.mocks import Inventory, RecordedResource
from engageiq_infra.outputs import TENANT_ROLE_ARN
from engageiq_tenancy.resources import AUDIT, SERVICES

from . import guardrails as g


def _audit_table(stack: Inventory) -> RecordedResource:
    found = [
        t
        for t in stack.of_type(g.TABLE)
        if t.inputs["name"] == AUDIT.physical_name(stack.environment)
    ]
    g.require(len(found) == 1, f"no audit table in {stack.environment}")
    return found[0]


def test_the_audit_table_exists_with_ttl_and_recovery(stack: Inventory) -> None:
    inputs = _audit_table(stack).inputs
    assert inputs["ttl"] == {"attributeName": "expiresAt", "enabled": True}
    assert inputs["pointInTimeRecovery"] == {"enabled": True}
    assert (inputs["hashKey"], inputs["rangeKey"]) == ("pk", "sk")


def test_tenant_sessions_reach_the_audit_table_only_under_their_leading_key(
    stack: Inventory,
) -> None:
    arn = _audit_table(stack).outputs["arn"]
    role = next(
        r for r in stack.of_type(g.ROLE) if r.outputs["arn"] == stack.outputs[TENANT_ROLE_ARN]
    )
    granting = [
        s
        for document in g.role_policies(stack, role)
        for s in g.statements(document)
        if arn in g.as_list(s.get("Resource"))
    ]
    assert granting, "the tenant role cannot write the audit log"
    for statement in granting:
        condition = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert condition == [g.TENANT_LEADING_KEY]
        # TransactWriteItems is authorised item by item as these.
        assert {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"} <= set(
            g.as_list(statement["Action"])
        )


def test_both_service_roles_may_use_the_audit_table(stack: Inventory) -> None:
    arn = _audit_table(stack).outputs["arn"]
    for service in SERVICES:
        role = g.role_named(stack, f"engageiq-{stack.environment}-{service}-service")
        documents = json.dumps(g.role_policies(stack, role))
        assert arn in documents, service
