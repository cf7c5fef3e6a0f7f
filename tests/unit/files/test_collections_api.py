"""/api/collections (decision 0111): tenant admins create, rename, re-audience and delete
collections; everyone lists those whose audience admits them. Every refused request leaves
the tenant's collections exactly as they were, and names stay unique (ignoring case) even
when two admins create the same name at once."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from engageiq_files.collections.store import CollectionNameTaken
from engageiq_files.runtime import FilesRuntime
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.governance import CollectionRecord
from engageiq_tenancy.tenant_users import MEMBER_LOOKUP_ACTIONS
from tests.unit.files.governance_support import Governance


def test_an_admin_creates_renames_and_deletes_a_collection(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    member = governance.person("acme")
    created = governance.create(admin, "  Pricing   sheets ", description="What we charge")
    assert created["name"] == "Pricing sheets"
    assert created["createdBy"] == admin.user_id
    assert "audience" not in created  # open to the whole tenant
    assert [c["id"] for c in governance.collections(member)] == [created["id"]]

    renamed = governance.call(
        admin, "PATCH", f"/api/collections/{created['id']}", {"name": "Price lists"}
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["description"]) == (
        "Price lists",
        "What we charge",
    )
    # The old name is free again; the new one is taken.
    governance.create(admin, "pricing SHEETS")
    taken = governance.call(admin, "POST", "/api/collections", {"name": "PRICE LISTS"})
    assert (taken.status_code, taken.json()["code"]) == (409, "collection_name_taken")

    gone = governance.call(admin, "DELETE", f"/api/collections/{created['id']}")
    assert gone.status_code == 204
    assert [c["name"] for c in governance.collections(admin)] == ["pricing SHEETS"]
    again = governance.call(admin, "DELETE", f"/api/collections/{created['id']}")
    assert (again.status_code, again.json()["code"]) == (404, "collection_not_found")
    # Its name lock went with it.
    governance.create(admin, "Price lists")


def test_audiences_decide_who_lists_a_collection(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    insider, outsider = governance.person("acme"), governance.person("acme")
    legal = governance.create(admin, "Legal", audience={"users": [insider.user_id]})
    admins = governance.create(admin, "Board", audience={"roles": ["tenant_admin"]})
    governance.create(admin, "Open")
    assert legal["audience"] == {"users": [insider.user_id], "roles": []}
    assert [c["name"] for c in governance.collections(admin)] == ["Board", "Legal", "Open"]
    assert [c["name"] for c in governance.collections(insider)] == ["Legal", "Open"]
    assert [c["name"] for c in governance.collections(outsider)] == ["Open"]

    opened = governance.call(admin, "PATCH", f"/api/collections/{admins['id']}", {"audience": None})
    assert opened.status_code == 200, opened.text
    assert "audience" not in opened.json()
    assert [c["name"] for c in governance.collections(outsider)] == ["Board", "Open"]


def test_members_cannot_change_collections(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    member = governance.person("acme")
    created = governance.create(admin, "Pricing")
    before = governance.collections(admin)
    for method, path, body in (
        ("POST", "/api/collections", {"name": "Mine"}),
        ("PATCH", f"/api/collections/{created['id']}", {"name": "Ours"}),
        ("DELETE", f"/api/collections/{created['id']}", None),
    ):
        refused = governance.call(member, method, path, body)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    assert governance.collections(admin) == before


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"name": ""}, "invalid_collection_name"),
        ({"name": "   \n "}, "invalid_collection_name"),
        ({"name": "x" * 81}, "invalid_collection_name"),
        ({"name": "bad\u202ename"}, "invalid_collection_name"),
        ({"name": "ok", "description": "d" * 501}, "invalid_collection_description"),
        ({"name": " pricing "}, "collection_name_taken"),
        ({"name": "ok", "audience": {}}, "invalid_audience"),
        ({"name": "ok", "audience": {"users": [], "roles": []}}, "invalid_audience"),
        ({"name": "ok", "audience": {"roles": ["owner"]}}, "invalid_audience"),
        ({"name": "ok", "audience": {"users": ["no-such-user"]}}, "invalid_audience"),
        ({"name": "ok", "audience": {"users": ["../../etc"]}}, "invalid_audience"),
        ({"name": "ok", "tenantId": "other"}, "invalid_request"),
        ({"name": 5}, "invalid_request"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    governance: Governance, body: dict[str, object], code: str
) -> None:
    admin = governance.person("acme", admin=True)
    existing = governance.create(admin, "Pricing")
    before = governance.raw_partition("acme")
    created = governance.call(admin, "POST", "/api/collections", body)
    assert (created.status_code // 100, created.json()["code"]) == (4, code), created.text
    if code != "collection_name_taken":
        patched = governance.call(admin, "PATCH", f"/api/collections/{existing['id']}", body)
        assert patched.json()["code"] in {code, "invalid_request"}, patched.text
    assert governance.raw_partition("acme") == before


def test_an_audience_naming_another_tenants_user_is_refused(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    rival = governance.person("rival")
    refused = governance.call(
        admin, "POST", "/api/collections", {"name": "Legal", "audience": {"users": [rival.user_id]}}
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_audience")
    assert governance.collections(admin) == []


def test_renaming_to_a_taken_name_changes_nothing(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    governance.create(admin, "Pricing")
    other = governance.create(admin, "Legal")
    before = governance.raw_partition("acme")
    taken = governance.call(admin, "PATCH", f"/api/collections/{other['id']}", {"name": "PRICING"})
    assert (taken.status_code, taken.json()["code"]) == (409, "collection_name_taken")
    assert governance.raw_partition("acme") == before
    # A change of case only keeps the collection's own lock.
    recased = governance.call(admin, "PATCH", f"/api/collections/{other['id']}", {"name": "LEGAL"})
    assert recased.status_code == 200, recased.text


def test_other_tenants_and_malformed_ids_get_404(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    rival_admin = governance.person("rival", admin=True)
    created = governance.create(admin, "Pricing")
    for path in (
        f"/api/collections/{created['id']}",
        "/api/collections/..%2F..",
        "/api/collections/x#y",
    ):
        patched = governance.call(rival_admin, "PATCH", path, {"name": "Mine"})
        assert patched.status_code == 404, patched.text
        assert governance.call(rival_admin, "DELETE", path).status_code == 404
    assert governance.collections(rival_admin) == []
    assert [c["name"] for c in governance.collections(admin)] == ["Pricing"]


def test_concurrent_creates_of_one_name_leave_one_collection(governance: Governance) -> None:
    runtime: FilesRuntime = governance.files.client.app.state["files_runtime"]
    tenant = TenantContext("acme", "admin", "admin", frozenset({Role.TENANT_ADMIN}))
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def create(name: str) -> None:
        record = CollectionRecord(id=uuid.uuid4().hex, name=name, updated_at="t")
        start.wait()
        try:
            runtime.collections.create(tenant, record)
            outcomes.append("created")
        except CollectionNameTaken:
            outcomes.append("taken")
        except Exception as exc:  # a transaction conflict: the route retries those
            outcomes.append(type(exc).__name__)

    threads = [
        threading.Thread(target=create, args=(name,))
        for name in (
            "Pricing",
            "pricing",
            "PRICING",
            " Pricing",
            "Pricing",
            "pricing ",
            "PriCing",
            "Pricing",
        )
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("created") == 1, outcomes
    assert len(runtime.collections.all(tenant)) == 1


def test_audience_checks_call_only_the_pool_action_the_files_role_is_granted(
    governance: Governance,
) -> None:
    runtime: FilesRuntime = governance.files.client.app.state["files_runtime"]
    called: set[str] = set()

    def record(model: Any, **_: Any) -> None:
        called.add(f"cognito-idp:{model.name}")

    cognito = runtime.members._directory.cognito
    cognito.meta.events.register("before-call.cognito-idp.*", record)
    admin = governance.person("acme", admin=True)
    member = governance.person("acme")
    rival = governance.person("rival")
    called.clear()
    governance.create(admin, "Legal", audience={"users": [member.user_id]})
    refused = governance.call(
        admin, "POST", "/api/collections", {"name": "X", "audience": {"users": [rival.user_id]}}
    )
    assert refused.status_code == 400
    file_id = governance.upload(admin).json()["id"]
    patched = governance.call(admin, "PATCH", f"/api/files/{file_id}", {"owner": member.user_id})
    assert patched.status_code == 200, patched.text
    # Naming the uploader in the answer reads the user (AdminGetUser, AdminListGroupsForUser:
    # the tenant membership check), which the files role is granted; nothing else.
    assert "cognito-idp:AdminGetUser" in called
    assert called <= set(MEMBER_LOOKUP_ACTIONS)
    legal = next(c for c in governance.collections(admin) if c["name"] == "Legal")
    moved = governance.call(
        admin, "PATCH", f"/api/files/{file_id}", {"collectionIds": [legal["id"]]}
    )
    assert moved.status_code == 200, moved.text
    assert called == set(MEMBER_LOOKUP_ACTIONS)
