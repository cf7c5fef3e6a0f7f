"""Tenants and users in the local user pool, the way provisioning creates them in the cloud:
a tenant record, per-tenant role groups, and users carrying an immutable custom:tenant_id."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.resources import USER_POOL
from engageiq_tenancy.tenant_ids import validate_tenant_id
from engageiq_tenancy.tenants import Branding, TenantRecord

from engageiq.local.aws import LocalResources, aws_client, put_tenant_record

DEMO_TENANT_ID = "demo"
DEMO_USERNAME = "demo@engageiq.local"


@dataclass(frozen=True, slots=True)
class SeededUser:
    tenant_id: str
    username: str
    password: str


def generate_password() -> str:
    # Meets the pool's policy (length, upper, lower, digit) whatever token_urlsafe returns.
    return f"Eiq-{secrets.token_urlsafe(12)}-7a"


def create_tenant(resources: LocalResources, tenant_id: str, name: str) -> None:
    validate_tenant_id(tenant_id)
    put_tenant_record(
        resources,
        TenantRecord(
            tenant_id=tenant_id,
            name=name,
            branding=Branding(display_name=name),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        ),
    )
    cognito = aws_client("cognito-idp", resources.endpoint_url)
    for role in Role:
        cognito.create_group(
            UserPoolId=resources.user_pool_id, GroupName=group_name(tenant_id, role)
        )


def create_user(
    resources: LocalResources,
    tenant_id: str,
    username: str,
    roles: tuple[Role, ...] = (Role.MEMBER,),
    password: str | None = None,
) -> SeededUser:
    password = password or generate_password()
    cognito = aws_client("cognito-idp", resources.endpoint_url)
    cognito.admin_create_user(
        UserPoolId=resources.user_pool_id,
        Username=username,
        UserAttributes=[
            {"Name": "email", "Value": username},
            {"Name": "email_verified", "Value": "true"},
            {"Name": USER_POOL.tenant_claim, "Value": validate_tenant_id(tenant_id)},
        ],
        MessageAction="SUPPRESS",
    )
    cognito.admin_set_user_password(
        UserPoolId=resources.user_pool_id, Username=username, Password=password, Permanent=True
    )
    for role in roles:
        cognito.admin_add_user_to_group(
            UserPoolId=resources.user_pool_id,
            Username=username,
            GroupName=group_name(tenant_id, role),
        )
    return SeededUser(tenant_id=tenant_id, username=username, password=password)


def seed_demo(resources: LocalResources) -> SeededUser:
    create_tenant(resources, DEMO_TENANT_ID, "Demo Company")
    return create_user(resources, DEMO_TENANT_ID, DEMO_USERNAME, roles=(Role.TENANT_ADMIN,))


def sign_in(resources_endpoint: str, client_id: str, username: str, password: str) -> str:
    """USER_PASSWORD_AUTH, as the web app's client is allowed to do; returns the ID token."""
    cognito = aws_client("cognito-idp", resources_endpoint)
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    token: str = result["AuthenticationResult"]["IdToken"]
    return token
