"""The tenant lifecycle as an operator runs it, against the running local platform:
onboard, sign in, manage users, suspend, resume, export, and a purge (interrupted, resumed)
after which nothing of the tenant remains - checked directly in DynamoDB, S3 and Cognito -
while another tenant is untouched."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from engageiq.local.seed import sign_in
from engageiq.provisioning.footprint import Footprint, TenantData
from engageiq.provisioning.purge import TenantPurge
from engageiq.provisioning.targets import Target
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.keys import s3_key, sort_key, tenant_partition, user_partition
from tests.integration.chat.test_chat_with_files import ask
from tests.integration.conftest import DevPlatform
from tests.integration.files.test_files_end_to_end import auth, wait_until_settled

pytestmark = pytest.mark.integration

NEW_PASSWORD = "Chosen-Passw0rd-1"
PLAYBOOK = b"""# Pricing objection
When a prospect says we are too expensive, show the three-year savings table.
"""


def engageiq(
    platform: DevPlatform, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "engageiq.cli",
            *args,
            "--outputs",
            str(platform.state_dir / "outputs.json"),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def me_status(platform: DevPlatform, token: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(
        f"{platform.web_url}/api/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return response.status_code, response.json()


def target_of(platform: DevPlatform) -> Target:
    return Target.from_outputs("local", platform.outputs)


def plant_data(target: Target, tenant: TenantContext) -> None:
    """Items and objects where the chat and files services keep a tenant's data."""
    dynamodb, s3 = target.client("dynamodb"), target.client("s3")
    for table, pk in (
        ("conversations", user_partition(tenant, "USER")),
        ("files", tenant_partition(tenant, "FILES")),
        ("usage", tenant_partition(tenant, "USAGE")),
    ):
        for n in range(30):  # more than one BatchWriteItem of 25
            dynamodb.put_item(
                TableName=target.tables[table],
                Item={
                    "pk": {"S": pk},
                    "sk": {"S": sort_key("ITEM", f"i{n}")},
                    "body": {"S": f"{tenant.tenant_id} data {n}"},
                },
            )
    bucket = target.buckets["uploads"]
    key = s3_key(tenant, "files", "f1")
    s3.put_object(Bucket=bucket, Key=key, Body=b"version one")
    s3.put_object(Bucket=bucket, Key=key, Body=b"version two")  # versioned bucket
    s3.put_object(Bucket=bucket, Key=s3_key(tenant, "index", "bm25"), Body=b"index bytes")
    s3.create_multipart_upload(Bucket=bucket, Key=s3_key(tenant, "files", "f2"))


def context(slug: str) -> TenantContext:
    return TenantContext(
        tenant_id=slug, user_id="planted-user", username="x", roles=frozenset({Role.MEMBER})
    )


def test_create_validates_and_is_idempotent(dev_platform: DevPlatform) -> None:
    create = ("tenants", "create", "initech", "--name", "Initech",
              "--admin-email", "boss@initech.example")  # fmt: skip
    first = ok(engageiq(dev_platform, *create))
    assert first["created"] is True
    assert first["adminTemporaryPassword"]
    again = ok(engageiq(dev_platform, *create))
    assert again["created"] is False
    other = engageiq(
        dev_platform,
        "tenants",
        "create",
        "initech",
        "--name",
        "Other Co",
        "--admin-email",
        "x@other.example",
    )
    assert other.returncode == 4
    assert json.loads(other.stdout)["error"]["code"] == "duplicate_slug"
    for slug, code in (
        ("Bad_Slug", "invalid_slug"),
        ("api", "reserved_slug"),
        ("a#b", "invalid_slug"),
    ):
        refused = engageiq(
            dev_platform, "tenants", "create", slug, "--name", "X", "--admin-email", "a@b.example"
        )
        assert refused.returncode == 2, refused.stdout
        assert json.loads(refused.stdout)["error"]["code"] == code
    bad_email = engageiq(
        dev_platform,
        "tenants",
        "create",
        "hooli",
        "--name",
        "Hooli",
        "--admin-email",
        "not-an-email",
    )
    assert json.loads(bad_email.stdout)["error"]["code"] == "invalid_email"
    unknown = engageiq(dev_platform, "tenants", "show", "nobody")
    assert unknown.returncode == 3


def test_full_lifecycle_and_verified_purge(dev_platform: DevPlatform, tmp_path: Path) -> None:
    o = dev_platform.outputs
    created = ok(
        engageiq(
            dev_platform,
            "tenants",
            "create",
            "acme",
            "--name",
            "Acme Corp",
            "--admin-email",
            "admin@acme.example",
            "--plan",
            "enterprise",
        )
    )
    admin_token = sign_in(
        o["awsEndpointUrl"],
        o["userPoolClientId"],
        "admin@acme.example",
        created["adminTemporaryPassword"],
        NEW_PASSWORD,
    )
    status, body = me_status(dev_platform, admin_token)
    assert status == 200
    assert body["tenantId"] == "acme"
    assert body["roles"] == ["member", "tenant_admin"]

    # The new tenant's admin chats and uploads through the real APIs; the purge must find it.
    uploaded = httpx.post(
        f"{dev_platform.web_url}/api/upload-file",
        headers=auth(admin_token),
        files={"file": ("playbook.md", PLAYBOOK, "text/markdown")},
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    assert wait_until_settled(dev_platform, admin_token, uploaded.json()["id"])["status"] == "ready"
    events = ask(dev_platform, admin_token, "How do we answer the pricing objection?")
    assert events[-1].event == "done"
    assert [e.data["title"] for e in events if e.event == "citation"] == ["playbook.md"]

    # Another tenant whose data must survive acme's purge untouched.
    ok(
        engageiq(
            dev_platform,
            "tenants",
            "create",
            "globex2",
            "--name",
            "Globex",
            "--admin-email",
            "admin@globex2.example",
        )
    )
    target = target_of(dev_platform)
    plant_data(target, context("acme"))
    plant_data(target, context("globex2"))
    data = TenantData(target)
    globex_before = data.footprint("globex2")

    # Users.
    invited = ok(engageiq(dev_platform, "users", "invite", "acme", "rep@acme.example"))
    assert invited["temporaryPassword"]
    ok(engageiq(dev_platform, "users", "set-role", "acme", "rep@acme.example", "tenant_admin"))
    listed = {u["email"]: u["roles"] for u in ok(engageiq(dev_platform, "users", "list", "acme"))}
    assert listed == {
        "admin@acme.example": ["member", "tenant_admin"],
        "rep@acme.example": ["member", "tenant_admin"],
    }
    # A user of another tenant cannot be touched through acme.
    wrong = engageiq(dev_platform, "users", "remove", "acme", "admin@globex2.example")
    assert wrong.returncode == 3
    ok(engageiq(dev_platform, "users", "remove", "acme", "rep@acme.example"))

    # Update, suspend, resume.
    updated = ok(
        engageiq(
            dev_platform,
            "tenants",
            "update",
            "acme",
            "--budget",
            "5000",
            "--color",
            "#ff0000",
            "--display-name",
            "ACME",
        )
    )
    assert updated["monthlyTokenBudget"] == 5000
    assert updated["branding"]["primaryColor"] == "#ff0000"
    ok(engageiq(dev_platform, "tenants", "suspend", "acme"))
    status, body = me_status(dev_platform, admin_token)
    assert (status, body["code"]) == (403, "tenant_suspended")
    ok(engageiq(dev_platform, "tenants", "resume", "acme"))
    assert me_status(dev_platform, admin_token)[0] == 200

    # Export: planted items plus what the APIs wrote (a conversation with two messages; the
    # file's record and index pointer; the month's and the day's usage, the cited file's
    # counter and its content signal, decision 0111), and the objects behind them.
    exported = ok(engageiq(dev_platform, "tenants", "export", "acme", str(tmp_path / "x")))[
        "counts"
    ]
    assert exported["items"]["conversations"] == 30 + 3
    assert exported["items"]["files"] > 30
    assert exported["items"]["usage"] == 30 + 4
    assert exported["documents"] == 1  # the upload, under its own name
    assert exported["objects"] > 2  # the planted objects, the upload's chunks, its index
    assert (tmp_path / "x" / "objects" / "files" / "f1").read_bytes() == b"version two"
    assert (tmp_path / "x" / "documents" / "playbook.md").read_bytes() == PLAYBOOK
    conversations = json.loads((tmp_path / "x" / "data" / "conversations.json").read_text())
    assert any("pricing objection" in str(item.get("content", "")) for item in conversations)
    assert json.loads((tmp_path / "x" / "tenant.json").read_text())["name"] == "Acme Corp"

    # An interrupted purge (the DynamoDB step fails) leaves the tenant refused, not half-live.
    purge = TenantPurge(target)

    def fail(*_: object, **__: object) -> int:
        raise ConnectionError("network dropped")

    purge._purge_items = fail  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        purge.run("acme")
    assert not data.footprint("acme").empty
    status, body = me_status(dev_platform, admin_token)
    assert (status, body["code"]) == (403, "tenant_unavailable")

    # Resumed from the CLI: the first run removed users, groups and objects; this one finishes.
    report = ok(engageiq(dev_platform, "tenants", "delete", "acme", "--purge", "--yes"))
    assert report["items"] == {k: exported["items"][k] for k in ("conversations", "files", "usage")}
    assert (report["users"], report["groups"], report["object_versions"]) == (0, 0, 0)
    assert report["record"] is True
    assert report["remaining"] == {
        "record": False,
        "users": 0,
        "groups": 0,
        "items": {"conversations": 0, "files": 0, "usage": 0},
        "object_versions": 0,
        "multipart_uploads": 0,
    }

    # Checked directly in DynamoDB, S3 and Cognito.
    assert data.footprint("acme") == Footprint(items={"conversations": 0, "files": 0, "usage": 0})
    assert data.footprint("acme").empty
    assert data.footprint("globex2") == globex_before
    assert me_status(dev_platform, admin_token)[0] == 403


def test_delete_needs_confirmation(dev_platform: DevPlatform) -> None:
    ok(
        engageiq(
            dev_platform,
            "tenants",
            "create",
            "umbrella",
            "--name",
            "Umbrella",
            "--admin-email",
            "admin@umbrella.example",
        )
    )
    command = [
        sys.executable,
        "-m",
        "engageiq.cli",
        "tenants",
        "delete",
        "umbrella",
        "--purge",
        "--outputs",
        str(dev_platform.state_dir / "outputs.json"),
    ]
    declined = subprocess.run(
        command, capture_output=True, text=True, timeout=60, input="n\n", check=False
    )
    assert declined.returncode == 0  # declining is a normal outcome
    assert "Cancelled: nothing of umbrella was deleted." in declined.stdout
    assert ok(engageiq(dev_platform, "tenants", "show", "umbrella"))["status"] == "active"
    confirmed = subprocess.run(
        command, capture_output=True, text=True, timeout=60, input="y\n", check=False
    )
    assert confirmed.returncode == 0, confirmed.stderr
    assert re.search(r"^  users removed: +1$", confirmed.stdout, re.MULTILINE)
    assert "Verified: nothing of the tenant remains." in confirmed.stdout
