"""A target's SSO connections (decision 0120), outside the CLI module so the purge (which
removes a tenant's provider) can use them without importing the click commands."""

from __future__ import annotations

from engageiq.provisioning.targets import Target
from engageiq_tenancy.operation_errors import InvalidInput
from engageiq_tenancy.sso_connections import SsoConnections
from engageiq_tenancy.sso_documents import FetchPolicy


def connections(target: Target) -> SsoConnections:
    """The target's SSO connections; the local platform may fetch from loopback http."""
    if not target.user_pool_client_id:
        raise InvalidInput(
            "outputs_incomplete", f"The {target.env} outputs have no userPoolClientId key."
        )
    return SsoConnections(
        cognito=target.client("cognito-idp"),
        dynamodb=target.client("dynamodb"),
        user_pool_id=target.user_pool_id,
        client_id=target.user_pool_client_id,
        tenants_table=target.tables["tenants"],
        policy=FetchPolicy.for_environment(target.is_local),
    )
