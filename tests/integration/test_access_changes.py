"""Removing or demoting a user takes effect at once, in both services, through the edge:
tokens issued before the change are refused (removed) or lose the role (demoted), refresh
tokens stop working, and a tenant always keeps an admin. (The platform under test reuses
tenant records for 0 s; in the cloud the delay is the gate's cache time, 10 s.)"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from engageiq.local.aws import aws_client
from engageiq.local.seed import create_tenant, create_user
from engageiq_tenancy.context import Role
from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import resources_of
from tests.integration.test_tenant_lifecycle import engageiq, ok

pytestmark = pytest.mark.integration


def tokens(platform: DevPlatform, username: str, password: str) -> dict[str, Any]:
    cognito = aws_client("cognito-idp", platform.outputs["awsEndpointUrl"])
    result: dict[str, Any] = cognito.initiate_auth(
        ClientId=platform.outputs["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": password},
    )["AuthenticationResult"]
    return result


def refresh(platform: DevPlatform, refresh_token: str) -> dict[str, Any]:
    cognito = aws_client("cognito-idp", platform.outputs["awsEndpointUrl"])
    result: dict[str, Any] = cognito.initiate_auth(
        ClientId=platform.outputs["userPoolClientId"],
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": refresh_token},
    )
    return result


def call(
    platform: DevPlatform, method: str, path: str, token: str, body: object | None = None
) -> httpx.Response:
    return httpx.request(
        method,
        f"{platform.web_url}{path}",
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_demoted_admin_loses_the_role_at_once_in_both_services(
    dev_platform: DevPlatform,
) -> None:
    resources = resources_of(dev_platform.outputs)
    create_tenant(resources, "demoted", "Demoted Co", "boss@demoted.example")
    rep = create_user(resources, "demoted", "rep@demoted.example", Role.TENANT_ADMIN)
    before = tokens(dev_platform, rep.username, rep.password)
    token = before["IdToken"]
    assert call(dev_platform, "PATCH", "/api/tenant", token, {"primaryColor": "#101010"}).is_success

    ok(engageiq(dev_platform, "users", "set-role", "demoted", rep.username, "member"))

    refused = call(dev_platform, "PATCH", "/api/tenant", token, {"primaryColor": "#202020"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    me = call(dev_platform, "GET", "/api/me", token)
    assert (me.status_code, me.json()["roles"]) == (200, ["member"])
    # The files service follows the same record: still a member, so reading works.
    assert call(dev_platform, "GET", "/api/files", token).status_code == 200
    # Signed out of Cognito: the refresh token no longer yields new tokens.
    with pytest.raises(ClientError) as signed_out:
        refresh(dev_platform, before["RefreshToken"])
    assert signed_out.value.response["Error"]["Code"] == "NotAuthorizedException"
    # Signing in again gives a member token, which works (no lock-out after the change).
    fresh = tokens(dev_platform, rep.username, rep.password)["IdToken"]
    assert call(dev_platform, "GET", "/api/me", fresh).json()["roles"] == ["member"]


def test_a_removed_user_is_refused_at_once_in_both_services(dev_platform: DevPlatform) -> None:
    resources = resources_of(dev_platform.outputs)
    create_tenant(resources, "removed", "Removed Co", "boss@removed.example")
    rep = create_user(resources, "removed", "rep@removed.example", Role.MEMBER)
    token = tokens(dev_platform, rep.username, rep.password)["IdToken"]
    assert call(dev_platform, "GET", "/api/conversations", token).status_code == 200

    ok(engageiq(dev_platform, "users", "remove", "removed", rep.username))

    for path in ("/api/me", "/api/conversations", "/api/files"):
        answer = call(dev_platform, "GET", path, token)
        assert (answer.status_code, answer.json()["code"]) == (401, "token_revoked"), path
    # Another user of the same tenant is not affected.
    boss_password = "Boss-Passw0rd-1"
    cognito = aws_client("cognito-idp", dev_platform.outputs["awsEndpointUrl"])
    cognito.admin_set_user_password(
        UserPoolId=dev_platform.outputs["userPoolId"],
        Username="boss@removed.example",
        Password=boss_password,
        Permanent=True,
    )
    boss = tokens(dev_platform, "boss@removed.example", boss_password)["IdToken"]
    assert call(dev_platform, "GET", "/api/me", boss).status_code == 200


def test_the_last_admin_can_be_neither_demoted_nor_removed(dev_platform: DevPlatform) -> None:
    resources = resources_of(dev_platform.outputs)
    create_tenant(resources, "lonely", "Lonely Co", "boss@lonely.example")
    for command in (
        ("users", "set-role", "lonely", "boss@lonely.example", "member"),
        ("users", "remove", "lonely", "boss@lonely.example"),
    ):
        refused = engageiq(dev_platform, *command)
        assert refused.returncode == 4, refused.stdout + refused.stderr
        assert json.loads(refused.stdout)["error"]["code"] == "last_admin"
    listed = ok(engageiq(dev_platform, "users", "list", "lonely"))
    assert listed[0]["roles"] == ["member", "tenant_admin"]
    # With a second admin, the first may step down.
    create_user(resources, "lonely", "second@lonely.example", Role.TENANT_ADMIN)
    ok(engageiq(dev_platform, "users", "set-role", "lonely", "boss@lonely.example", "member"))
