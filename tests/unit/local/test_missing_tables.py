"""A local state saved before a table joined the spec (the audit log, decision 0118) is
restored, not refused: the table is created with its TTL, and the saved facts are accepted."""

from __future__ import annotations

from engageiq.local.aws import LOCAL_ENV, LocalResources, add_missing_tables, aws_client
from engageiq.local.platform import _restore_facts
from engageiq.local.state import SavedState
from engageiq_tenancy.resources import AUDIT


def test_a_restored_state_without_a_table_of_the_spec_gets_it(
    local_resources: LocalResources,
) -> None:
    dynamodb = aws_client("dynamodb", local_resources.endpoint_url)
    name = AUDIT.physical_name(LOCAL_ENV)
    dynamodb.delete_table(TableName=name)

    assert add_missing_tables(local_resources.endpoint_url) == [name]
    assert add_missing_tables(local_resources.endpoint_url) == []
    ttl = dynamodb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiresAt")

    older = {k: v for k, v in local_resources.tables.items() if k != AUDIT.logical_name}
    facts = {
        "userPoolId": "p",
        "userPoolClientId": "c",
        "region": "us-east-1",
        "tables": older,
        "buckets": local_resources.buckets,
        "demo": {"tenantId": "demo", "username": "d", "password": "x"},
    }
    saved = SavedState(header={"platform": facts}, backends=b"")
    resources, _ = _restore_facts(saved, local_resources.endpoint_url)
    assert resources.tables == local_resources.tables
