"""The program's shape: components, names, the `platform/` folder rules, Pulumi.yaml, the
preview command and the Dockerfiles."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Final

import pytest
import yaml

from engageiq_infra.mocks import Inventory
from engageiq_infra.preview import run_preview, short_type
from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS, SERVICES, TABLES

ROOT: Final = Path(__file__).resolve().parents[2]
COMPONENTS: Final = {
    "Identity",
    "CognitoMessages",
    "Data",
    "ServiceAccess",
    "Tenancy",
    "Services",
    "Edge",
    "Web",
    "Observability",
    "OriginSecret",
    "Queues",
}


def test_one_component_per_concern_and_children_carry_its_name(stack: Inventory) -> None:
    components = {r.name: r.type for r in stack.resources if not r.custom}
    assert set(components.values()) == {f"engageiq:platform:{c}" for c in COMPONENTS}
    for resource in stack.custom_resources():
        assert any(resource.name.startswith(f"{name}-") for name in components), resource.name


def test_platform_folder_never_shadows_the_standard_library() -> None:
    platform = ROOT / "platform"
    assert not (platform / "__init__.py").exists()
    assert not (platform / "config.py").exists()
    assert not (platform / "shared.py").exists()
    main = (platform / "__main__.py").read_text()
    assert (
        len([line for line in main.splitlines() if line and not line.startswith(("#", '"'))]) < 10
    )


def test_pulumi_project_file() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "engageiq"
    assert project["main"] == "platform/"
    assert project["stackConfigDir"] == "environments"
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "uv", "virtualenv": ".venv"},
    }
    for env in CLOUD_ENVIRONMENTS:
        assert (ROOT / "environments" / f"Pulumi.{env}.yaml").is_file()


@pytest.mark.parametrize("environment", CLOUD_ENVIRONMENTS)
def test_preview_prints_the_inventory_as_json(
    environment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_preview(environment, compute="ecs-express", as_json=True)
    printed = json.loads(capsys.readouterr().out)
    assert printed["environment"] == environment
    assert printed["compute"] == "ecs-express"
    types = {r["type"] for r in printed["resources"]}
    assert "aws:ecs/expressGatewayService:ExpressGatewayService" in types
    tables = [r for r in printed["resources"] if r["type"] == "aws:dynamodb/table:Table"]
    assert all(t["settings"]["pitr"] is True for t in tables)
    assert len(tables) == len(TABLES)
    assert printed["outputs"]["region"]


def test_preview_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    run_preview("dev", compute=None, as_json=False)
    out = capsys.readouterr().out
    assert "engageiq dev (apprunner)" in out
    assert "apprunner:Service" in out
    assert "services-chat" in out
    assert "userPoolId" in out
    assert short_type("aws:dynamodb/table:Table") == "dynamodb:Table"


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_is_slim_and_healthchecked(service: str) -> None:
    # Digests and the non-root user: tests/infra/test_images.py.
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    assert f"--package engageiq-{service}" in text
    assert "--frozen" in text
    assert re.search(r"^HEALTHCHECK (?:.*\\\n)*.*/health", text, re.MULTILINE)
    assert f"engageiq_{service}.app:create_app" in text
    assert "--factory" in text
    assert "--proxy-headers" in text
    assert "8080" in text


def test_dockerignore_keeps_local_state_out_of_images() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".venv", ".git", ".engageiq", "**/__pycache__"):
        assert entry in ignored
