"""The Cognito CustomMessage Lambda's package, built from the very archive the Pulumi program
hands to the function (recorded under mocks), unpacked into an empty folder and run with a
bare Python: only the standard library, as the Lambda runtime gives it (its boto3 aside), and
none of this repository's packages (decision 0096).

The program's other artefacts need no such proof: the web app's files are uploaded one by one
from web/dist (tests/infra/test_web.py), and the CloudFront function's code is a string read
from spa_routes.js (tests/infra)."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any, Final

import pulumi
import pytest

from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS
from tests.infra.conftest import recorded_stack

FUNCTION: Final = "cognito-messages-function"
RUN_HANDLER: Final = """
import importlib, json, os, sys
sys.path.insert(0, os.getcwd())
module_name, function_name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
event = json.loads(sys.stdin.read())
result = handler(event, None)
ours = sorted(m for m in sys.modules if m.startswith("engageiq"))
print(json.dumps({"event": result, "repository_modules": ours}))
"""

pytestmark = pytest.mark.image


def zip_archive(archive: pulumi.AssetArchive, destination: Path) -> Path:
    """The zip Pulumi uploads for `archive`: each entry under its name, its asset's bytes."""
    with zipfile.ZipFile(destination, "w") as package:
        for name, asset in archive.assets.items():
            if isinstance(asset, pulumi.FileAsset):
                package.write(str(asset.path), name)
            elif isinstance(asset, pulumi.StringAsset):
                package.writestr(name, asset.text)
            else:
                pytest.fail(f"{name}: {type(asset).__name__} is not packaged by this test")
    return destination


def invitation(tenant: str) -> dict[str, Any]:
    """A Cognito CustomMessage event (AdminCreateUser), trimmed to what Cognito always sends."""
    return {
        "version": "1",
        "region": "eu-west-1",
        "userPoolId": "eu-west-1_example",
        "userName": "ana@acme.example",
        "triggerSource": "CustomMessage_AdminCreateUser",
        "request": {
            "userAttributes": {"email": "ana@acme.example", "custom:tenant_id": tenant},
            "codeParameter": "{####}",
            "usernameParameter": "{username}",
        },
        "response": {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    }


@pytest.mark.parametrize("environment", CLOUD_ENVIRONMENTS)
def test_the_packaged_handler_words_an_invitation(environment: str, tmp_path: Path) -> None:
    function = recorded_stack(environment, "apprunner").named(FUNCTION)
    package = zip_archive(function.inputs["code"], tmp_path / "package.zip")
    unpacked = tmp_path / "task"
    unpacked.mkdir()
    with zipfile.ZipFile(package) as archive:
        archive.extractall(unpacked)
    variables: dict[str, str] = function.inputs["environment"]["variables"]
    result = subprocess.run(
        # -I -S: no PYTHONPATH, no site-packages, no current folder: the standard library and
        # what the package brings are all there is.
        [sys.executable, "-I", "-S", "-c", RUN_HANDLER, function.inputs["handler"]],
        cwd=unpacked,
        env={"PATH": "/usr/bin:/bin", **variables},
        input=json.dumps(invitation("acme")),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["repository_modules"] == []
    event = answer["event"]
    assert event["userName"] == "ana@acme.example"
    assert "EngageIQ" in event["response"]["emailSubject"]
    message = event["response"]["emailMessage"]
    assert "{####}" in message
    assert "{username}" in message
    if variables["ENGAGEIQ_TENANT_DOMAIN"]:
        assert f"https://acme.{variables['ENGAGEIQ_TENANT_DOMAIN']}/" in message


TENANT_CLAIMS_FUNCTION: Final = "tenant-claims-function"
RUN_REFUSING_HANDLER: Final = """
import importlib, json, os, sys
sys.path.insert(0, os.getcwd())
module_name, function_name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module_name), function_name)
try:
    handler(json.loads(sys.stdin.read()), None)
    answer = {"raised": None}
except Exception as exc:
    answer = {"raised": type(exc).__name__, "message": str(exc)}
answer["repository_modules"] = sorted(m for m in sys.modules if m.startswith("engageiq"))
answer["boto3_loaded"] = "boto3" in sys.modules
print(json.dumps(answer))
"""


@pytest.mark.parametrize("environment", CLOUD_ENVIRONMENTS)
def test_the_packaged_trigger_refuses_a_forged_event_on_its_own(
    environment: str, tmp_path: Path
) -> None:
    """The archive holds the whole trigger: it loads in a bare Python and refuses an event
    whose identities disagree with its user name, before it asks AWS anything."""
    function = recorded_stack(environment, "apprunner").named(TENANT_CLAIMS_FUNCTION)
    package = zip_archive(function.inputs["code"], tmp_path / "package.zip")
    unpacked = tmp_path / "task"
    unpacked.mkdir()
    with zipfile.ZipFile(package) as archive:
        archive.extractall(unpacked)
    forged = {
        "version": "2",
        "triggerSource": "TokenGeneration_HostedAuth",
        "userPoolId": "eu-west-1_example",
        "userName": "sso-0123456789abcdef0123456789ab_00u1",
        "request": {
            "userAttributes": {
                "identities": '[{"providerName": "sso-ffffffffffffffffffffffffffff"}]',
                "custom:tenant_id": "acme",
            }
        },
        "response": {},
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", RUN_REFUSING_HANDLER, function.inputs["handler"]],
        cwd=unpacked,
        env={"PATH": "/usr/bin:/bin", **function.inputs["environment"]["variables"]},
        input=json.dumps(forged),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["raised"] == "SignInRefused"
    assert answer["message"].startswith("invalid_identity: ")
    assert answer["repository_modules"] == []
    assert answer["boto3_loaded"] is False
