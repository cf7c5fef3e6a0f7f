"""The local platform end to end: sign in through Cognito (moto), call the API through the
edge, and check what the token checklist says about foreign tokens."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from engageiq.local.aws import LocalResources
from engageiq.local.platform import free_port
from engageiq.local.seed import create_tenant, create_user, sign_in
from engageiq_tenancy.context import Role
from engageiq_tenancy.resources import BUCKETS, OUTPUT_KEYS, TABLES
from tests.integration.conftest import DevPlatform, start_dev, stop_dev, wait_for_outputs
from tests.support.tokens import TokenFactory

pytestmark = pytest.mark.integration


def resources_of(outputs: dict[str, Any]) -> LocalResources:
    return LocalResources(
        endpoint_url=outputs["awsEndpointUrl"],
        region=outputs["region"],
        user_pool_id=outputs["userPoolId"],
        user_pool_client_id=outputs["userPoolClientId"],
        tables={t.logical_name: outputs[t.output_key] for t in TABLES},
        buckets={b.logical_name: outputs[b.output_key] for b in BUCKETS},
    )


def me(platform: DevPlatform, token: str) -> httpx.Response:
    return httpx.get(
        f"{platform.web_url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def demo_token(platform: DevPlatform) -> str:
    o = platform.outputs
    return sign_in(o["awsEndpointUrl"], o["userPoolClientId"], o["demoUsername"], o["demoPassword"])


def test_outputs_file_has_the_stack_output_keys(dev_platform: DevPlatform) -> None:
    k = OUTPUT_KEYS
    expected = {
        k.web_url,
        k.api_url,
        k.region,
        k.user_pool_id,
        k.user_pool_client_id,
        k.aws_endpoint_url,
        k.demo_tenant_id,
        k.demo_username,
        k.demo_password,
        *k.tables.values(),
        *k.buckets.values(),
        *k.queues.values(),
    }
    assert expected <= set(dev_platform.outputs)
    assert dev_platform.outputs["demoTenantId"] == "demo"


def test_demo_user_signs_in_and_calls_me_through_the_edge(dev_platform: DevPlatform) -> None:
    response = me(dev_platform, demo_token(dev_platform))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tenantId"] == "demo"
    assert body["username"] == dev_platform.outputs["demoUsername"]
    assert body["roles"] == ["member", "tenant_admin"]


def test_both_services_are_routed_by_the_edge(dev_platform: DevPlatform) -> None:
    chat = httpx.get(f"{dev_platform.web_url}/api/chat/docs/openapi.json", timeout=10)
    files = httpx.get(f"{dev_platform.web_url}/api/files/docs/openapi.json", timeout=10)
    assert chat.json()["info"]["title"] == "EngageIQ chat API"
    assert files.json()["info"]["title"] == "EngageIQ files API"


def test_web_folder_is_served_at_the_root(dev_platform: DevPlatform) -> None:
    response = httpx.get(f"{dev_platform.web_url}/", timeout=10)
    assert response.status_code == 200
    assert "<title>EngageIQ</title>" in response.text


def test_token_forged_with_another_key_is_refused(dev_platform: DevPlatform) -> None:
    # Same claims as a real token, same kid as moto's key, signed with our own key.
    real = demo_token(dev_platform)
    import jwt

    claims = jwt.decode(real, options={"verify_signature": False})
    forged = TokenFactory(kid="dummy").mint(claims)
    response = me(dev_platform, forged)
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"code", "message", "requestId"}
    assert body["code"] == "invalid_token"


def test_access_token_is_refused(dev_platform: DevPlatform) -> None:
    o = dev_platform.outputs
    from engageiq.local.aws import aws_client

    result = aws_client("cognito-idp", o["awsEndpointUrl"]).initiate_auth(
        ClientId=o["userPoolClientId"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": o["demoUsername"], "PASSWORD": o["demoPassword"]},
    )
    response = me(dev_platform, result["AuthenticationResult"]["AccessToken"])
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_a_valid_token_of_another_tenant_only_ever_sees_that_tenant(
    dev_platform: DevPlatform,
) -> None:
    resources = resources_of(dev_platform.outputs)
    create_tenant(resources, "globex", "Globex", "admin@globex.example")
    user = create_user(resources, "globex", "rep@globex.example", Role.MEMBER)
    token = sign_in(
        resources.endpoint_url, resources.user_pool_client_id, user.username, user.password
    )
    response = httpx.get(
        f"{dev_platform.web_url}/api/me?tenantId=demo",
        headers={"Authorization": f"Bearer {token}", "X-Tenant-Id": "demo"},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.json()["tenantId"] == "globex"
    assert response.json()["roles"] == ["member"]


def test_dev_token_command_prints_a_working_token(dev_platform: DevPlatform) -> None:
    import sys

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "engageiq.cli",
            "dev",
            "--state-dir",
            str(dev_platform.state_dir),
            "token",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    token = json.loads(result.stdout)["idToken"]
    assert me(dev_platform, token).status_code == 200


def test_a_port_in_use_gets_a_clear_message(dev_platform: DevPlatform, tmp_path: Path) -> None:
    edge_port = dev_platform.web_url.rsplit(":", 1)[1]
    process = start_dev(tmp_path, "--port", edge_port, "--aws-port", str(free_port()))
    output, _ = process.communicate(timeout=60)
    assert process.stdout is not None
    process.stdout.close()
    assert process.returncode == 1
    assert f"Port {edge_port} on 127.0.0.1 is already in use" in output


def run_failing_dev(state_dir: Path, *args: str) -> str:
    process = start_dev(state_dir, *args)
    output, _ = process.communicate(timeout=60)
    assert process.stdout is not None
    process.stdout.close()
    assert process.returncode == 1, output
    return output


def test_a_second_dev_on_the_same_state_leaves_the_running_one_intact(
    dev_platform: DevPlatform,
) -> None:
    # Same state folder, free ports: refused because the first is running...
    output = run_failing_dev(
        dev_platform.state_dir, "--port", str(free_port()), "--aws-port", str(free_port())
    )
    assert "Another `engageiq dev` is running" in output
    # ...and a clash on the port: refused too. Neither failure touched the running platform.
    edge_port = dev_platform.web_url.rsplit(":", 1)[1]
    run_failing_dev(dev_platform.state_dir, "--port", edge_port)
    assert (dev_platform.state_dir / "outputs.json").is_file()
    assert me(dev_platform, demo_token(dev_platform)).status_code == 200


def test_ctrl_c_stops_everything_and_removes_the_outputs(tmp_path: Path) -> None:
    process = start_dev(tmp_path, "--port", str(free_port()), "--aws-port", str(free_port()))
    outputs = wait_for_outputs(process, tmp_path)
    assert stop_dev(process) == 0
    assert not (tmp_path / "outputs.json").exists()
    with pytest.raises(httpx.ConnectError):
        httpx.get(outputs["webUrl"], timeout=2)
    assert signal.SIGINT  # the signal a terminal sends on Ctrl-C, which stop_dev used


def test_an_empty_bearer_through_the_edge_is_a_401_not_a_502(dev_platform: DevPlatform) -> None:
    # What `curl -H "Authorization: Bearer $TOKEN"` sends when $TOKEN is empty (httpx itself
    # refuses to send a value with trailing space, so http.client sends it, as curl does).
    host, port = dev_platform.web_url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/api/me", headers={"Authorization": "Bearer "})
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 401
    assert body["code"] in {"missing_token", "invalid_token"}
