"""`engageiq dev token`: says when --new-password was not needed, and states the password
rule when Cognito refuses a new password."""

from __future__ import annotations

import json

from engageiq.local.aws import PASSWORD_RULE
from tests.unit.provisioning.conftest import Run


def test_a_new_password_for_a_user_who_needs_none_is_reported(run: Run) -> None:
    result = run("dev", "token", "--new-password", "Another-Passw0rd-1")
    assert result.exit_code == 0, result.output
    assert result.stdout.count(".") == 2  # only the token on stdout
    assert "--new-password was not used and the password is unchanged" in result.stderr


def test_a_weak_new_password_names_the_rule(run: Run) -> None:
    invited = run(*("users", "invite", "demo", "rep@demo.example", "--json"))
    temporary = json.loads(invited.stdout)["temporaryPassword"]
    result = run(
        "dev", "token", "--username", "rep@demo.example", "--password", temporary,
        "--new-password", "short",
    )  # fmt: skip
    assert result.exit_code == 1
    assert f"The new password was refused: it must have {PASSWORD_RULE}" in result.stderr
