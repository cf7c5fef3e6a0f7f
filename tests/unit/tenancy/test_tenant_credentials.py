"""TenantClients: per-tenant credentials from the tenant role, tagged with the tenant id.

moto's STS issues real-looking credentials but does not evaluate IAM conditions; what is
checked here is what the service asks STS for and which credentials each tenant's client
signs with. The role's conditions themselves are asserted in tests/infra."""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

from engageiq.local.aws import LocalResources, aws_client
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.tenant_credentials import REFRESH_MARGIN_SECONDS, TenantClients


def tenant(tenant_id: str) -> TenantContext:
    return TenantContext(tenant_id, "u-1", "u", frozenset({Role.MEMBER}))


class RecordingSts:
    """moto's STS, with every assume_role request kept for assertions."""

    def __init__(self, sts: Any) -> None:
        self._sts = sts
        self.requests: list[dict[str, Any]] = []

    def assume_role(self, **request: Any) -> Any:
        self.requests.append(request)
        return self._sts.assume_role(**request)


def role_arn(resources: LocalResources) -> str:
    iam = aws_client("iam", resources.endpoint_url)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }
        ],
    }
    arn: str = iam.create_role(
        RoleName="engageiq-local-tenant", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    return arn


def access_key(client: Any) -> str:
    key: str = client._request_signer._credentials.get_frozen_credentials().access_key
    return key


def make(resources: LocalResources, now: list[float]) -> tuple[TenantClients, RecordingSts]:
    sts = RecordingSts(aws_client("sts", resources.endpoint_url))
    base = {
        "dynamodb": aws_client("dynamodb", resources.endpoint_url),
        "s3": aws_client("s3", resources.endpoint_url),
    }
    clients = TenantClients(
        "us-east-1",
        "chat",
        role_arn(resources),
        base,
        sts=sts,
        clock=lambda: now[0],
        endpoint_url=resources.endpoint_url,
    )
    return clients, sts


def test_each_tenant_gets_its_own_tagged_session(local_resources: LocalResources) -> None:
    clients, sts = make(local_resources, [0.0])
    acme = clients.client(tenant("acme"), "dynamodb")
    globex = clients.client(tenant("globex"), "dynamodb")
    assert [r["Tags"] for r in sts.requests] == [
        [{"Key": "tenant_id", "Value": "acme"}],
        [{"Key": "tenant_id", "Value": "globex"}],
    ]
    assert [r["RoleSessionName"] for r in sts.requests] == ["chat-acme", "chat-globex"]
    assert access_key(acme) != access_key(globex)
    # The clients work against the endpoint with the assumed credentials.
    assert "TableNames" in acme.list_tables()


def test_sessions_are_reused_until_near_expiry(local_resources: LocalResources) -> None:
    now = [0.0]
    clients, sts = make(local_resources, now)
    first = clients.client(tenant("acme"), "s3")
    assert clients.client(tenant("acme"), "s3") is first
    assert len(sts.requests) == 1
    expires_at = clients._sessions["acme"].expires_at
    now[0] = expires_at - REFRESH_MARGIN_SECONDS + 1
    assert clients.client(tenant("acme"), "s3") is not first
    assert len(sts.requests) == 2


def test_without_a_role_the_service_clients_are_used(local_resources: LocalResources) -> None:
    base = {"dynamodb": aws_client("dynamodb", local_resources.endpoint_url)}
    clients = TenantClients("us-east-1", "chat", None, base)
    assert not clients.scoped
    assert clients.client(tenant("acme"), "dynamodb") is base["dynamodb"]


def test_many_tenants_clients_share_the_loaded_service_models(
    local_resources: LocalResources,
) -> None:
    # Each boto3 session parses botocore's endpoint rules and service models anew (~14 MB for
    # DynamoDB and S3); a session per tenant made an instance's memory grow with its tenants.
    clients, _ = make(local_resources, [1000.0])
    clients.client(tenant("warmup"), "dynamodb")
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        held = [clients.client(tenant(f"tenant-{i}"), "s3") for i in range(10)]
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len({access_key(c) for c in held}) == 10
    assert grown < 10 * 1024 * 1024, f"10 tenants' clients took {grown / 2**20:.1f} MiB"
