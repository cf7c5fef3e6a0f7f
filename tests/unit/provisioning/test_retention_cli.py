"""`engageiq tenants retention SLUG --as-of YYYY-MM-DD [--dry-run] [--json]` (decision 0122):
previews, then applies, the tenant's own policy; bad input is refused with a code."""

from __future__ import annotations

import json
from typing import Any

from engageiq.local.aws import LocalResources, aws_client
from engageiq_tenancy.audit import AuditTrail
from engageiq_tenancy.items import from_item
from tests.unit.provisioning.conftest import Run, error_of

USER_PARTITION = "demo#USER#rep-1"


def put_conversation(resources: LocalResources, conversation_id: str, updated_at: str) -> None:
    """A conversation with one message, as the chat service writes them (what the sweep reads)."""
    db = aws_client("dynamodb", resources.endpoint_url)
    table = resources.tables["conversations"]
    db.put_item(
        TableName=table,
        Item={
            "pk": {"S": USER_PARTITION},
            "sk": {"S": f"CONV#{conversation_id}"},
            "id": {"S": conversation_id},
            "status": {"S": "active"},
            "createdAt": {"S": updated_at},
            "updatedAt": {"S": updated_at},
            "gsi1pk": {"S": USER_PARTITION},
            "gsi1sk": {"S": f"{updated_at}#{conversation_id}"},
        },
    )
    db.put_item(
        TableName=table,
        Item={
            "pk": {"S": USER_PARTITION},
            "sk": {"S": f"MSG#{conversation_id}#m1"},
            "id": {"S": "m1"},
            "content": {"S": "What does Pro cost?"},
        },
    )


def set_policy(resources: LocalResources, days: int) -> None:
    aws_client("dynamodb", resources.endpoint_url).update_item(
        TableName=resources.tables["tenants"],
        Key={"pk": {"S": "TENANT#demo"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET retention = :r",
        ExpressionAttributeValues={
            ":r": {"M": {"conversationsDays": {"N": str(days)}, "deletedFilesDays": {"NULL": True}}}
        },
    )


def user_items(resources: LocalResources) -> list[str]:
    answer = aws_client("dynamodb", resources.endpoint_url).query(
        TableName=resources.tables["conversations"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": USER_PARTITION}},
    )
    return sorted(str(from_item(i)["sk"]) for i in answer["Items"])


def test_preview_then_apply_the_tenants_policy(run: Run, local_resources: LocalResources) -> None:
    put_conversation(local_resources, "old1", "2026-03-01T00:00:00.000000Z")
    put_conversation(local_resources, "new1", "2026-11-20T00:00:00.000000Z")
    set_policy(local_resources, 30)
    everything = user_items(local_resources)

    # As of 2026-12-15 with 30 days: idle since before 2026-11-15 goes.
    preview = run("tenants", "retention", "demo", "--as-of", "2026-12-15", "--dry-run", "--json")
    assert preview.exit_code == 0, preview.output
    report: dict[str, Any] = json.loads(preview.stdout)
    assert report["dryRun"] is True
    assert report["conversationsBefore"] == "2026-11-15T00:00:00.000000Z"
    assert (report["counts"]["conversations"], report["counts"]["messages"]) == (1, 1)
    assert user_items(local_resources) == everything

    applied = run("tenants", "retention", "demo", "--as-of", "2026-12-15")
    assert applied.exit_code == 0, applied.output
    assert "Deleted:" in applied.output
    assert "conversations:" in applied.output
    assert user_items(local_resources) == ["CONV#new1", "MSG#new1#m1"]

    again = run("tenants", "retention", "demo", "--as-of", "2026-12-15", "--json")
    assert json.loads(again.stdout)["counts"]["conversations"] == 0
    trail = AuditTrail(
        aws_client("dynamodb", local_resources.endpoint_url), local_resources.tables["audit"]
    )
    deleted = [e for e in trail.export("demo") if e["action"] == "retention.deleted"]
    assert [(e["target"]["id"], e["actor"]["kind"]) for e in deleted] == [("old1", "system")]


def test_bad_input_is_refused(run: Run) -> None:
    bad_date = run("tenants", "retention", "demo", "--as-of", "15/12/2026", "--json")
    assert bad_date.exit_code == 2
    assert error_of(bad_date)["code"] == "invalid_date"
    unknown = run("tenants", "retention", "nobody", "--as-of", "2026-12-15", "--json")
    assert unknown.exit_code == 3
    assert error_of(unknown)["code"] == "unknown_tenant"


def test_tenants_list_skips_the_sweeps_own_items(run: Run, local_resources: LocalResources) -> None:
    """The tenants table also holds the sweep's lease and its list of tenants with a policy."""
    db = aws_client("dynamodb", local_resources.endpoint_url)
    for pk, sk in (("RETENTION#SWEEP", "LEASE"), ("RETENTION#POLICIES", "TENANT#demo")):
        db.put_item(
            TableName=local_resources.tables["tenants"],
            Item={"pk": {"S": pk}, "sk": {"S": sk}, "until": {"N": "1"}},
        )
    listed = run("tenants", "list", "--json")
    assert listed.exit_code == 0, listed.output
    assert [t["tenantId"] for t in json.loads(listed.stdout)] == ["demo"]
