"""Single sign-on under Pulumi mocks (decision 0120): the chat service may manage identity
providers and the web client on its one user pool and nothing more, and a deployment leaves
the client's identity providers (tenants' data, set at run time) alone."""

from __future__ import annotations

from typing import Any, Final

import pulumi

from engageiq_infra.identity import Identity, IdentityArgs
from engageiq_infra.mocks import Inventory, RecordingMocks, _run_mocked
from engageiq_tenancy.resources import SERVICES
from engageiq_tenancy.sso_connections import SSO_CONNECTION_ACTIONS

from . import guardrails as g

# What would let a service widen its own reach or the tenant attribute's writers.
NEVER_GRANTED: Final = {
    "cognito-idp:UpdateUserPool",
    "cognito-idp:CreateUserPoolClient",
    "cognito-idp:DeleteUserPool",
    "cognito-idp:AddCustomAttributes",
    "cognito-idp:AdminUpdateUserAttributes",
    "cognito-idp:AdminLinkProviderForUser",
    "cognito-idp:SetUICustomization",
    "cognito-idp:*",
}


def _cognito_statements(stack: Inventory, service: str) -> list[dict[str, Any]]:
    role = g.role_named(stack, f"engageiq-{stack.environment}-{service}-service")
    return [
        statement
        for document in g.role_policies(stack, role)
        for statement in g.statements(document)
        if any(str(a).startswith("cognito-idp:") for a in g.as_list(statement["Action"]))
    ]


def test_only_chat_manages_identity_providers_and_only_on_its_own_pool(stack: Inventory) -> None:
    pool_arn = g.the_one(stack, g.USER_POOL_TYPE).outputs["arn"]
    for service in SERVICES:
        granted = {
            str(action): statement["Resource"]
            for statement in _cognito_statements(stack, service)
            for action in g.as_list(statement["Action"])
        }
        assert not NEVER_GRANTED & set(granted), service
        sso = {a: r for a, r in granted.items() if a in SSO_CONNECTION_ACTIONS}
        if service == "chat":
            assert set(sso) == set(SSO_CONNECTION_ACTIONS)
            assert set(sso.values()) == {pool_arn}
        else:
            assert sso == {}


def test_a_deployment_leaves_the_web_clients_identity_providers_alone() -> None:
    ignored: dict[str, list[str]] = {}

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == g.CLIENT:
            ignored[args.name] = list(args.opts.ignore_changes or [])

    def program() -> pulumi.Output[Any]:
        identity = Identity(
            "identity",
            IdentityArgs(
                environment="dev",
                region="us-east-1",
                mfa="OFF",
                deletion_protection=False,
                auth_domain_prefix="engageiq-dev",
                callback_urls=("https://app.example/callback",),
                logout_urls=("https://app.example/",),
            ),
            opts=pulumi.ResourceOptions(transformations=[record]),
        )
        return identity.web_client.id

    _run_mocked(RecordingMocks("us-east-1"), "engageiq", "dev", {}, [], program)
    assert ignored == {"identity-web-client": ["supportedIdentityProviders"]}
