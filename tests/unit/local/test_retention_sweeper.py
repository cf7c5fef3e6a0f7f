"""The local platform's retention sweeper (decision 0122): moto never expires items, so the
platform runs the sweep over every tenant with a policy, periodically, in the background."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from engageiq.local.aws import LocalAwsError, LocalResources, aws_client
from engageiq.local.retention import (
    DEFAULT_SWEEP_SECONDS,
    RETENTION_SWEEP_ENV,
    RetentionSweeper,
    sweep_period_from_env,
)
from tests.support.chat import set_tenant
from tests.unit.provisioning.test_retention_cli import USER_PARTITION, put_conversation


def set_policy(resources: LocalResources, tenant_id: str, days: int | None) -> None:
    value = {"N": str(days)} if days else {"NULL": True}
    aws_client("dynamodb", resources.endpoint_url).update_item(
        TableName=resources.tables["tenants"],
        Key={"pk": {"S": f"TENANT#{tenant_id}"}, "sk": {"S": "PROFILE"}},
        UpdateExpression="SET retention = :r",
        ExpressionAttributeValues={":r": {"M": {"conversationsDays": value}}},
    )


def conversations(resources: LocalResources, pk: str) -> int:
    answer = aws_client("dynamodb", resources.endpoint_url).query(
        TableName=resources.tables["conversations"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )
    return int(answer["Count"])


def test_the_sweeper_applies_each_tenants_own_policy(local_resources: LocalResources) -> None:
    # demo keeps 30 days; acme has no policy (kept for ever), with an equally old conversation.
    set_tenant(local_resources, "demo")
    set_tenant(local_resources, "acme")
    set_policy(local_resources, "demo", 30)
    put_conversation(local_resources, "old1", "2026-01-01T00:00:00.000000Z")
    aws_client("dynamodb", local_resources.endpoint_url).put_item(
        TableName=local_resources.tables["conversations"],
        Item={
            "pk": {"S": "acme#USER#rep-1"},
            "sk": {"S": "CONV#old2"},
            "id": {"S": "old2"},
            "status": {"S": "active"},
            "updatedAt": {"S": "2026-01-01T00:00:00.000000Z"},
        },
    )
    sweeper = RetentionSweeper(
        local_resources, 0.2, clock=lambda: datetime(2026, 12, 6, tzinfo=UTC)
    )
    sweeper.start()
    try:
        deadline = time.monotonic() + 20
        while conversations(local_resources, USER_PARTITION) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        sweeper.stop()
    assert conversations(local_resources, USER_PARTITION) == 0
    assert conversations(local_resources, "acme#USER#rep-1") == 1
    assert [r.tenant_id for r in sweeper.sweep_once()] == ["demo"]


def test_the_period_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RETENTION_SWEEP_ENV, raising=False)
    assert sweep_period_from_env() == DEFAULT_SWEEP_SECONDS
    monkeypatch.setenv(RETENTION_SWEEP_ENV, "0")
    assert sweep_period_from_env() == 0
    for bad in ("-5", "hourly", "nan"):
        monkeypatch.setenv(RETENTION_SWEEP_ENV, bad)
        with pytest.raises(LocalAwsError, match=RETENTION_SWEEP_ENV):
            sweep_period_from_env()
