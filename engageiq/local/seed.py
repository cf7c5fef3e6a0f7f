"""Tenants and users for the local platform and tests, created by the same provisioning code
operators use (`engageiq tenants create`, `engageiq users invite`). The one local twist: the
temporary password is replaced by a permanent one, so the demo user can sign in at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from engageiq.local.aws import LocalResources, aws_client
from engageiq.provisioning.targets import Target
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.context import Role
from engageiq_tenancy.tenant_users import UserDirectory

DEMO_TENANT_ID = "demo"
DEMO_USERNAME = "demo@engageiq.local"


@dataclass(frozen=True, slots=True)
class SeededUser:
    tenant_id: str
    username: str
    password: str


def local_target(resources: LocalResources) -> Target:
    return Target(
        env="local",
        region=resources.region,
        user_pool_id=resources.user_pool_id,
        tables=dict(resources.tables),
        buckets=dict(resources.buckets),
        endpoint_url=resources.endpoint_url,
        user_pool_client_id=resources.user_pool_client_id,
    )


def generate_password() -> str:
    # Meets the pool's policy (length, upper, lower, digit) whatever token_urlsafe returns.
    return f"Eiq-{secrets.token_urlsafe(12)}-7a"


def _make_permanent(resources: LocalResources, username: str) -> str:
    password = generate_password()
    aws_client("cognito-idp", resources.endpoint_url).admin_set_user_password(
        UserPoolId=resources.user_pool_id, Username=username, Password=password, Permanent=True
    )
    return password


def create_tenant(
    resources: LocalResources, tenant_id: str, name: str, admin_email: str
) -> SeededUser:
    """A tenant with its admin, signed-in-able at once."""
    created = TenantProvisioner(local_target(resources)).create(tenant_id, name, admin_email)
    return SeededUser(tenant_id, created.admin_email, _make_permanent(resources, admin_email))


def create_user(
    resources: LocalResources, tenant_id: str, username: str, role: Role = Role.MEMBER
) -> SeededUser:
    UserDirectory(local_target(resources)).invite(tenant_id, username, role)
    return SeededUser(tenant_id, username, _make_permanent(resources, username))


def seed_demo(resources: LocalResources) -> SeededUser:
    return create_tenant(resources, DEMO_TENANT_ID, "Demo Company", DEMO_USERNAME)


class NewPasswordRequired(Exception):
    """The user signed in with a temporary password and must choose a new one."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    id_token: str
    password_changed: bool
    """True when `new_password` answered a NEW_PASSWORD_REQUIRED challenge."""


def sign_in(
    endpoint_url: str,
    client_id: str,
    username: str,
    password: str,
    new_password: str | None = None,
) -> str:
    """USER_PASSWORD_AUTH, as the web app's client is allowed to do; returns the ID token.

    A user invited with a temporary password gets Cognito's NEW_PASSWORD_REQUIRED challenge,
    answered with `new_password` when given."""
    return sign_in_reporting(endpoint_url, client_id, username, password, new_password).id_token


def sign_in_reporting(
    endpoint_url: str,
    client_id: str,
    username: str,
    password: str,
    new_password: str | None = None,
) -> SignedIn:
    """`sign_in`, also saying whether the new password was used (a user who needs no change
    keeps their password: Cognito asks for a new one only after a temporary one)."""
    cognito = aws_client("cognito-idp", endpoint_url)
    changed = False
    result = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )
    if result.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        if new_password is None:
            raise NewPasswordRequired(username)
        result = cognito.respond_to_auth_challenge(
            ClientId=client_id,
            ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=result["Session"],
            ChallengeResponses={"USERNAME": username, "NEW_PASSWORD": new_password},
        )
        changed = True
    token: str = result["AuthenticationResult"]["IdToken"]
    return SignedIn(token, changed)
