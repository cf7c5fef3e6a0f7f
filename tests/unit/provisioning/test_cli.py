"""The operator CLI's contract: one validation for create and update, create idempotent only
for an identical request, coded errors with the documented exit codes (usage errors and bad
--outputs included, in --json too), the same code for the same condition, and readable output."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from tests.unit.provisioning.conftest import Run, error_of

CREATE = ("tenants", "create", "acme", "--name", "Acme", "--admin-email", "admin@acme.example")


@pytest.mark.parametrize(
    "command",
    [
        [*CREATE, "--budget", "-5"],
        ["tenants", "update", "demo", "--budget", "-5"],
    ],
)
def test_a_negative_budget_is_refused_by_create_and_update_alike(
    run: Run, command: list[str]
) -> None:
    result = run(*command, "--json")
    assert result.exit_code == 2
    assert error_of(result)["code"] == "invalid_budget"


@pytest.mark.parametrize(
    "command",
    [
        [*CREATE[:3], "--name", "  ", "--admin-email", "admin@acme.example"],
        ["tenants", "update", "demo", "--name", "  "],
    ],
)
def test_a_blank_name_is_refused_by_create_and_update_alike(run: Run, command: list[str]) -> None:
    result = run(*command, "--json")
    assert result.exit_code == 2
    assert error_of(result)["code"] == "invalid_name"


def test_an_unreadable_brand_colour_is_refused_naming_its_ratio(run: Run) -> None:
    # The branding rules are the admin API's (engageiq_tenancy.brand_colour, decision 0117).
    result = run("tenants", "update", "demo", "--color", "#ffffff", "--json")
    assert result.exit_code == 2
    error = error_of(result)
    assert error["code"] == "brand_colour_low_contrast"
    assert "#ffffff reaches only 1.00:1 against the page" in error["message"]


def test_an_identical_create_is_a_no_op(run: Run) -> None:
    first = run(*CREATE, "--json")
    assert first.exit_code == 0, first.output
    again = run(*CREATE, "--json")
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["created"] is False
    human = run(*CREATE)
    assert "Already created by the same request" in human.stdout


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (["--admin-email", "other@acme.example"], "its admin is admin@acme.example"),
        (["--plan", "enterprise"], "plan is 'standard', not 'enterprise'"),
        (["--budget", "5"], "budget is 2000000, not 5"),
        (["--name", "Acme Two"], "name is 'Acme', not 'Acme Two'"),
    ],
)
def test_a_create_that_differs_is_a_conflict_naming_the_difference(
    run: Run, change: list[str], named: str
) -> None:
    assert run(*CREATE).exit_code == 0
    result = run(*CREATE, *change, "--json")
    assert result.exit_code == 4
    error = error_of(result)
    assert error["code"] == "duplicate_slug"
    assert named in error["message"]
    # Nothing was added: still one admin.
    listed = json.loads(run("users", "list", "acme", "--json").stdout)
    assert [u["email"] for u in listed] == ["admin@acme.example"]


def test_a_missing_outputs_file_is_a_coded_error(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    for env in ("local", "prod"):
        result = run("tenants", "list", "--env", env, "--outputs", str(missing), "--json")
        assert result.exit_code == 2
        assert error_of(result)["code"] == "outputs_missing"
    human = run("tenants", "list", "--env", "prod", "--outputs", str(missing))
    assert human.exit_code == 2
    assert "error (outputs_missing)" in human.stderr
    assert "Traceback" not in human.output


@pytest.mark.parametrize(
    ("content", "code"),
    [("{not json", "outputs_invalid"), ("[1]", "outputs_invalid"), ("{}", "outputs_incomplete")],
)
def test_an_invalid_outputs_file_is_a_coded_error(
    run: Run, tmp_path: Path, content: str, code: str
) -> None:
    path = tmp_path / "outputs.json"
    path.write_text(content)
    result = run("tenants", "list", "--env", "prod", "--outputs", str(path), "--json")
    assert result.exit_code == 2
    assert error_of(result)["code"] == code


def test_usage_errors_are_json_with_json(run: Run) -> None:
    result = run("tenants", "create", "acme", "--json")  # --name and --admin-email missing
    assert result.exit_code == 2
    error = error_of(result)
    assert error["code"] == "invalid_usage"
    assert "--name" in error["message"]
    bad_choice = run("users", "set-role", "demo", "a@b.example", "owner", "--json")
    assert bad_choice.exit_code == 2
    assert error_of(bad_choice)["code"] == "invalid_usage"


def test_a_platform_that_does_not_answer_is_a_coded_error(
    run: Run, state_dir: Path, tmp_path: Path
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    outputs = json.loads((state_dir / "outputs.json").read_text())
    outputs["awsEndpointUrl"] = f"http://127.0.0.1:{closed}"
    path = tmp_path / "down.json"
    path.write_text(json.dumps(outputs))
    result = run("tenants", "show", "demo", "--outputs", str(path), "--json")
    assert result.exit_code == 1
    assert error_of(result)["code"] == "platform_unreachable"


@pytest.mark.parametrize(
    "command",
    [
        ["users", "invite", "nosuch", "a@b.example"],
        ["users", "set-role", "nosuch", "a@b.example", "member"],
        ["users", "remove", "nosuch", "a@b.example"],
        ["users", "list", "nosuch"],
        ["tenants", "show", "nosuch"],
    ],
)
def test_an_unknown_tenant_is_unknown_tenant_for_every_command(
    run: Run, command: list[str]
) -> None:
    result = run(*command, "--json")
    assert result.exit_code == 3
    assert error_of(result)["code"] == "unknown_tenant"


@pytest.mark.parametrize(
    "command",
    [
        ["tenants", "show", "BAD SLUG"],
        ["tenants", "usage", "BAD SLUG"],
        ["tenants", "content-health", "BAD SLUG"],
        ["tenants", "update", "BAD SLUG", "--name", "Bad"],
        ["tenants", "suspend", "BAD SLUG"],
        ["tenants", "export", "BAD SLUG", "exported"],
        ["users", "list", "BAD SLUG"],
        ["users", "invite", "BAD SLUG", "a@b.example"],
    ],
)
def test_a_malformed_slug_is_invalid_slug_for_every_command(run: Run, command: list[str]) -> None:
    result = run(*command, "--json")
    assert result.exit_code == 2
    assert error_of(result)["code"] == "invalid_slug"
    human = run(*command)
    assert human.exit_code == 2
    assert "Traceback" not in human.output
    assert human.stderr.startswith("error (invalid_slug): 'BAD SLUG' is not a valid tenant slug")
    assert human.stderr.count("\n") == 1


def test_tenants_show_is_text_without_json(run: Run) -> None:
    result = run("tenants", "show", "demo")
    assert result.exit_code == 0
    assert result.stdout.startswith("Tenant demo (Demo Company)\n")
    assert "status:" in result.stdout
    with pytest.raises(json.JSONDecodeError):
        json.loads(result.stdout)
    assert json.loads(run("tenants", "show", "demo", "--json").stdout)["tenantId"] == "demo"


def test_users_list_json_says_tenant_id_like_everything_else(run: Run) -> None:
    users = json.loads(run("users", "list", "demo", "--json").stdout)
    assert users[0]["tenantId"] == "demo"
    assert "tenant_id" not in users[0]


def test_answering_no_at_the_confirmation_cancels_with_exit_0(run: Run) -> None:
    result = run("tenants", "delete", "demo", "--purge", input="n\n")
    assert result.exit_code == 0
    assert "Cancelled: nothing of demo was deleted." in result.stdout
    assert run("tenants", "show", "demo").exit_code == 0


def test_messages_are_not_wrapped_when_piped(run: Run) -> None:
    run(*CREATE)
    result = run(*CREATE, "--plan", "enterprise", "--budget", "7")
    assert result.exit_code == 4
    lines = [line for line in result.stderr.splitlines() if line]
    assert len(lines) == 1
    assert len(lines[0]) > 120


def test_the_state_dir_comes_from_the_environment_or_the_option(
    run: Run, state_dir: Path, tmp_path: Path
) -> None:
    assert run("tenants", "list", "--json").exit_code == 0  # ENGAGEIQ_STATE_DIR
    elsewhere = tmp_path / "empty"
    elsewhere.mkdir()
    result = run("tenants", "list", "--state-dir", str(elsewhere), "--json")
    assert result.exit_code == 3
    assert error_of(result)["code"] == "platform_not_running"
    assert str(elsewhere) in error_of(result)["message"]


def test_an_error_quoting_brackets_prints_them(run: Run) -> None:
    result = run("tenants", "create", "a[b]", "--name", "X", "--admin-email", "a@b.example")
    assert result.exit_code == 2
    assert "'a[b]' is not a valid tenant slug" in result.stderr
