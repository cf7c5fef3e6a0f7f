"""`engageiq tenants list` and `engageiq tenants usage`: this month's tokens against the
budget, users, last activity, and the day-by-day breakdown, read with queries."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engageiq.local.aws import LocalResources, aws_client
from engageiq.provisioning.usage import usage_partition
from tests.unit.provisioning.conftest import Run, error_of


def put_usage(resources: LocalResources, slug: str, sk: str, requests: int, tokens: int) -> None:
    aws_client("dynamodb", resources.endpoint_url).put_item(
        TableName=resources.tables["usage"],
        Item={
            "pk": {"S": usage_partition(slug)},
            "sk": {"S": sk},
            "requests": {"N": str(requests)},
            "inputTokens": {"N": str(tokens - 10)},
            "outputTokens": {"N": "10"},
        },
    )


@pytest.fixture
def usage(local_resources: LocalResources, run: Run) -> LocalResources:
    put_usage(local_resources, "demo", "2026-10", 3, 300)
    put_usage(local_resources, "demo", "2026-10-02", 1, 100)
    put_usage(local_resources, "demo", "2026-10-07", 2, 200)
    put_usage(local_resources, "demo", "2026-09-30", 5, 500)  # another month
    return local_resources


def test_usage_gives_the_days_of_the_month_and_its_total(run: Run, usage: Any) -> None:
    result = run("tenants", "usage", "demo", "--month", "2026-10", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["total"] == {"requests": 3, "inputTokens": 290, "outputTokens": 10, "tokens": 300}
    assert [(d["day"], d["tokens"]) for d in body["days"]] == [
        ("2026-10-02", 100),
        ("2026-10-07", 200),
    ]
    assert body["monthlyTokenBudget"] == 2_000_000
    human = run("tenants", "usage", "demo", "--month", "2026-10")
    assert "Tenant demo, 2026-10: 3 requests, 300 tokens (0% of 2,000,000)." in human.stdout
    assert "2026-10-07" in human.stdout


def test_usage_refuses_a_bad_month_and_an_unknown_tenant(run: Run) -> None:
    bad = run("tenants", "usage", "demo", "--month", "2026-13", "--json")
    assert bad.exit_code == 2
    assert error_of(bad)["code"] == "invalid_month"
    unknown = run("tenants", "usage", "nosuch", "--json")
    assert unknown.exit_code == 3
    assert error_of(unknown)["code"] == "unknown_tenant"


def test_list_shows_users_usage_against_budget_and_last_activity(
    run: Run, local_resources: LocalResources
) -> None:
    from engageiq_tenancy.usage_keys import current_month

    month = current_month()
    put_usage(local_resources, "demo", month, 4, 1_000)
    put_usage(local_resources, "demo", f"{month}-01", 4, 1_000)
    assert run("users", "invite", "demo", "rep@demo.example").exit_code == 0
    result = run("tenants", "list", "--json")
    assert result.exit_code == 0, result.output
    (demo,) = json.loads(result.stdout)
    assert demo["tenantId"] == "demo"
    assert demo["users"] == 2
    assert demo["usage"]["tokens"] == 1_000
    assert demo["usage"]["month"] == month
    assert demo["lastActivity"] == f"{month}-01"
    human = run("tenants", "list")
    assert "1,000 / 2,000,000" in human.stdout


def test_usage_is_read_without_scans(run: Run, usage: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.client

    calls: list[str] = []
    original = botocore.client.BaseClient._make_api_call  # type: ignore[attr-defined]

    def spy(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if params.get("TableName", "").endswith("-usage"):
            calls.append(operation)
        return original(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", spy)
    assert run("tenants", "usage", "demo", "--month", "2026-10").exit_code == 0
    assert run("tenants", "list").exit_code == 0
    assert calls
    assert set(calls) <= {"GetItem", "Query"}


def test_operators_read_the_days_the_chat_service_meters(
    run: Run, local_resources: LocalResources, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One layout for usage counters: what the chat service records per day is what
    `tenants usage` reports, input and output tokens apart."""
    import anyio

    from engageiq.local.aws import LOCAL_CREDENTIALS
    from engageiq_chat.services import ChatServices
    from engageiq_chat.settings import ChatSettings
    from engageiq_tenancy.context import Role, TenantContext
    from engageiq_tenancy.usage_keys import current_day, current_month
    from tests.support.chat import service_settings

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
    services = ChatServices.build(service_settings(local_resources), ChatSettings())
    rep = TenantContext("demo", "rep-1", "rep-1", frozenset({Role.MEMBER}))

    async def spend() -> None:
        await services.usage.record(rep, 70, 30)
        await services.usage.record(rep, 5, 2)

    anyio.run(spend)
    result = run("tenants", "usage", "demo", "--month", current_month(), "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    (day,) = body["days"]
    assert day["day"] == current_day()
    assert (day["requests"], day["inputTokens"], day["outputTokens"]) == (2, 75, 32)
    assert body["total"]["tokens"] == day["tokens"] == 107
