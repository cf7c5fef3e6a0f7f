"""`engageiq tenants audit SLUG` and `tenants audit verify SLUG` on the local platform (the
session's moto), and the purge that keeps the log and ends it with `tenant.purged`, the
operator named by the caller identity (decision 0118)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engageiq.provisioning.audit_log import audit_trail
from engageiq.provisioning.targets import Target, read_outputs_file
from engageiq_tenancy.audit import AuditAction, AuditActor, AuditTarget
from engageiq_tenancy.audit.entries import entry_key
from engageiq_tenancy.items import from_item, to_item
from tests.unit.provisioning.conftest import Run, error_of

CREATE = ("tenants", "create", "acme", "--name", "Acme", "--admin-email", "admin@acme.example")
ANA = AuditActor.user("u-ana", "ana@acme.example")


@pytest.fixture
def target(state_dir: Path) -> Target:
    return Target.from_outputs("local", read_outputs_file(state_dir / "outputs.json"))


@pytest.fixture
def acme(run: Run, target: Target) -> str:
    assert run(*CREATE, "--json").exit_code == 0
    trail = audit_trail(target)
    trail.record("acme", ANA, AuditAction.FILE_UPLOADED, AuditTarget("file", "f1", "deck.pptx"))
    trail.record("acme", ANA, AuditAction.FILE_DELETED, AuditTarget("file", "f1", "deck.pptx"))
    return "acme"


def as_json(result: Any) -> Any:
    assert "Traceback" not in result.output
    return json.loads(result.stdout)


def test_the_log_lists_newest_first_and_verifies(run: Run, acme: str) -> None:
    listed = run("tenants", "audit", acme, "--json")
    assert listed.exit_code == 0
    entries = as_json(listed)["entries"]
    # `tenants create` began the log (decision 0119), then the two entries above.
    assert [(e["seq"], e["action"]) for e in entries] == [
        (3, "file.deleted"),
        (2, "file.uploaded"),
        (1, "tenant.created"),
    ]
    assert entries[0]["actor"] == {"kind": "user", "userId": "u-ana", "email": "ana@acme.example"}
    assert entries[0]["prevHash"] == entries[1]["hash"]
    human = run("tenants", "audit", acme)
    assert "file.deleted" in human.stdout
    assert "ana@acme.example" in human.stdout
    verified = run("tenants", "audit", "verify", acme, "--json")
    assert verified.exit_code == 0
    assert as_json(verified) | {"tenantId": acme} == {
        "tenantId": acme,
        "intact": True,
        "entries": 3,
        "firstSeq": 1,
        "lastSeq": 3,
        "headSeq": 3,
        "expiredBefore": 0,
        "brokenSeq": None,
        "problem": None,
    }
    assert "is intact: 3 entries" in run("tenants", "audit", "verify", acme).stdout


def test_since_filters_and_a_malformed_date_is_refused(run: Run, acme: str) -> None:
    assert as_json(run("tenants", "audit", acme, "--since", "2999-01-01", "--json")) == {
        "tenantId": acme,
        "entries": [],
    }
    refused = run("tenants", "audit", acme, "--since", "01/12/2026", "--json")
    assert refused.exit_code == 2
    assert error_of(refused)["code"] == "invalid_audit_filter"


def test_verify_names_the_entry_changed_behind_its_back(
    run: Run, acme: str, target: Target
) -> None:
    dynamodb, table = target.client("dynamodb"), target.tables["audit"]
    key = to_item(entry_key(acme, 1))
    entry = from_item(dynamodb.get_item(TableName=table, Key=key)["Item"])
    dynamodb.put_item(TableName=table, Item=to_item({**entry, "action": "file.downloaded"}))
    result = run("tenants", "audit", "verify", acme, "--json")
    assert result.exit_code == 1
    assert as_json(result)["brokenSeq"] == 1
    human = run("tenants", "audit", "verify", acme)
    assert human.exit_code == 1
    assert "BROKEN at entry 1" in human.stderr


def test_a_purge_keeps_the_log_and_ends_it_with_the_operator_named(
    run: Run, acme: str, target: Target
) -> None:
    purged = run("tenants", "delete", acme, "--purge", "--yes", "--json")
    assert purged.exit_code == 0, purged.output
    report = as_json(purged)
    assert report["remaining"]["items"] == {"conversations": 0, "files": 0, "usage": 0}
    assert report["audit_seq"] == 4
    entries = as_json(run("tenants", "audit", acme, "--json"))["entries"]
    newest = entries[0]
    assert (newest["seq"], newest["action"], newest["target"]["id"]) == (4, "tenant.purged", acme)
    arn = target.client("sts").get_caller_identity()["Arn"]
    assert newest["actor"] == {"kind": "operator", "operator": arn}
    assert newest["detail"]["nothingRemains"] is True
    assert as_json(run("tenants", "audit", "verify", acme, "--json"))["intact"] is True
    again = run("tenants", "delete", acme, "--purge", "--yes", "--json")
    assert again.exit_code == 3
    assert error_of(again)["code"] == "unknown_tenant"
    # A new tenant under the slug would read the purged one's log as its own.
    reused = run(*CREATE, "--json")
    assert reused.exit_code == 4
    assert error_of(reused)["code"] == "slug_retained"


def test_a_tenant_without_record_or_log_is_unknown(run: Run) -> None:
    for command in (("tenants", "audit", "nobody"), ("tenants", "audit", "verify", "nobody")):
        result = run(*command, "--json")
        assert result.exit_code == 3
        assert error_of(result)["code"] == "unknown_tenant"


def test_names_in_the_log_cannot_restyle_or_break_the_operators_table(
    run: Run, acme: str, target: Target
) -> None:
    # A member names a file, a federated user's IdP names their email: Rich markup in either
    # crashed the listing ("[/x]") or hid text ("[bold]"), and escape sequences reached the
    # operator's terminal.
    eve = AuditActor.user("u-eve", "[/x]eve@acme.example")
    name = "[bold]q3[/bold]\x1b[2J\x1b]8;;https://evil.example\x07deck\u202efdp.exe"
    audit_trail(target).record(
        acme, eve, AuditAction.FILE_UPLOADED, AuditTarget("file", "f2", name)
    )
    human = run("tenants", "audit", acme)
    assert human.exit_code == 0, human.output
    assert "[/x]eve@acme.example" in human.stdout
    assert "[bold]q3[/bold]\\x1b[2J" in human.stdout
    assert "\\u202efdp.exe" in human.stdout
    assert not {"\x1b", "\x07", "\u202e"} & set(human.stdout)
