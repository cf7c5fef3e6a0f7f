"""The GitHub Actions workflows: the environments they deploy are the stacks, in order, each in
its GitHub environment (which is what the deploy roles trust), previews run for every
environment and post on the pull request, and the linters in scripts/test can fail."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any, Final

import pytest
import yaml

from engageiq_infra.deploy_access import environment_subject, pull_request_subject
from engageiq_tenancy.resources import CLOUD_ENVIRONMENTS

ROOT: Final = Path(__file__).resolve().parents[2]
WORKFLOWS: Final = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(document, dict)
    # YAML 1.1 reads the `on:` key as True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith(f"{action}@")]


def test_merges_to_main_deploy_every_environment_in_order_after_the_checks() -> None:
    deploy = workflow("deploy.yml")
    assert deploy["on"]["push"] == {"branches": ["main"]}
    assert deploy["concurrency"]["cancel-in-progress"] is False
    jobs = deploy["jobs"]
    assert jobs["checks"]["uses"] == "./.github/workflows/checks.yml"
    previous = "checks"
    for environment in CLOUD_ENVIRONMENTS:
        job = jobs[environment]
        assert job["needs"] == previous
        assert job["uses"] == "./.github/workflows/up.yml"
        assert job["with"] == {"environment": environment}
        assert job["permissions"]["id-token"] == "write"
        previous = environment


def test_each_up_runs_in_its_github_environment_with_that_environments_role() -> None:
    up = workflow("up.yml")["jobs"]["up"]
    # The job's environment makes the OIDC subject repo:<owner>/<name>:environment:<env>,
    # the only subject the environment's deploy role trusts.
    assert up["environment"] == "${{ inputs.environment }}"
    assert environment_subject("o/r", "prod") == "repo:o/r:environment:prod"
    [credentials] = steps_using(up, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    [pulumi] = steps_using(up, "pulumi/actions")
    assert pulumi["with"]["command"] == "up"
    assert pulumi["with"]["stack-name"].endswith("/engageiq/${{ inputs.environment }}")
    assert "AWS_SECRET_ACCESS_KEY" not in (WORKFLOWS / "up.yml").read_text()


def test_pull_requests_are_checked_and_previewed_for_every_environment() -> None:
    pr = workflow("pull-request.yml")
    assert "pull_request" in pr["on"]
    assert pr["jobs"]["checks"]["uses"] == "./.github/workflows/checks.yml"
    preview = pr["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["environment"] == list(CLOUD_ENVIRONMENTS)
    assert "environment" not in preview  # so the subject is the pull request's
    assert pull_request_subject("o/r") == "repo:o/r:pull_request"
    assert preview["permissions"] == {
        "contents": "read",
        "id-token": "write",
        "pull-requests": "write",
    }
    [pulumi] = steps_using(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["diff"] is True
    assert pulumi["with"]["comment-on-pr"] is True


def test_the_checks_are_the_developers_own_commands() -> None:
    job = workflow("checks.yml")["jobs"]["test"]
    runs = [s.get("run") for s in job["steps"] if "run" in s]
    assert runs == ["scripts/build-web", "scripts/test", "scripts/audit"]
    assert job["container"].startswith("python:3.11-")


def test_workflows_grant_read_only_by_default() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        assert workflow(path.name)["permissions"]["contents"] == "read", path.name


def test_scripts_test_runs_the_workflow_linters() -> None:
    assert "scripts/lint-workflows" in (ROOT / "scripts" / "test").read_text()


def test_the_workflow_linters_fail_on_a_broken_workflow(tmp_path: Path) -> None:
    shutil.copytree(ROOT / ".github", tmp_path / ".github")
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "lint-workflows", tmp_path / "scripts" / "lint-workflows")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    # actionlint finds the workflows from the enclosing git repository.
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    script = tmp_path / "scripts" / "lint-workflows"
    ok = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    broken = tmp_path / ".github" / "workflows" / "up.yml"
    broken.write_text(
        broken.read_text().replace("comment-on-pr", "x").replace("diff: true", "dif: true")
    )
    failed = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    assert failed.returncode != 0
    assert 'input "dif" is not defined' in failed.stdout


@pytest.mark.parametrize("broken", ['"timezone": 5', '"prHourlyLimit": "many"'])
def test_a_broken_renovate_config_fails_the_linters(tmp_path: Path, broken: str) -> None:
    config = tmp_path / "renovate.json"
    text = (ROOT / ".github" / "renovate.json").read_text()
    config.write_text(text.replace('"timezone": "Etc/UTC"', broken))
    result = subprocess.run(
        [
            str(ROOT / ".venv/bin/check-jsonschema"),
            "--builtin-schema",
            "vendor.renovate",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
