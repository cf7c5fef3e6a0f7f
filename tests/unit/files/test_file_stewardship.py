"""File governance writes (decision 0111): collections, owner and verification through
`PATCH /api/files/{id}`, `/verify` and the upload parameters. The record's `governed`
attribute (the sparse `by_governance` index) is present exactly while the file is governed,
refusals change nothing, and a file the caller may not see answers 404 like a missing one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engageiq_files.catalog.records import FileRecord
from engageiq_tenancy.governance import today
from tests.unit.files.governance_support import Governance, Person

FUTURE = (today() + timedelta(days=30)).isoformat()
PAST = (today() - timedelta(days=1)).isoformat()


def upload(governance: Governance, person: Person, **params: Any) -> str:
    response = governance.upload(person, **params)
    assert response.status_code == 201, response.text
    file_id: str = response.json()["id"]
    return file_id


def shown(governance: Governance, person: Person, file_id: str) -> dict[str, Any]:
    response = governance.call(person, "GET", f"/api/files/{file_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


GOVERNANCE_ATTRIBUTES = (
    "collectionIds",
    "owner",
    "verifiedAt",
    "verifiedBy",
    "reviewBy",
    "governed",
)


def stewardship(governance: Governance, file_id: str) -> dict[str, Any]:
    """The record's governance attributes as stored (ingestion may change the others
    meanwhile)."""
    item = governance.raw_file("acme", file_id)
    assert item, "the file is gone"
    return {k: item.get(k) for k in GOVERNANCE_ATTRIBUTES}


def governed_attribute(governance: Governance, file_id: str) -> str | None:
    value = governance.raw_file("acme", file_id).get("governed")
    return None if value is None else str(value["S"])


def test_the_governed_attribute_follows_every_governance_write(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    member = governance.person("acme")
    collection = governance.create(admin, "Pricing")
    file_id = upload(governance, member)
    assert governed_attribute(governance, file_id) is None
    plain = shown(governance, member, file_id)
    assert (plain["collectionIds"], plain["owner"], plain["freshness"]) == (
        [],
        member.user_id,
        "unverified",
    )

    def patch(body: dict[str, Any], by: Person = member) -> dict[str, Any]:
        response = governance.call(by, "PATCH", f"/api/files/{file_id}", body)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    assert patch({"collectionIds": [collection["id"]]})["collectionIds"] == [collection["id"]]
    assert governed_attribute(governance, file_id) == "acme#GOVERNED"
    assert file_id in governance.governed_ids("acme")
    patch({"collectionIds": []})
    assert governed_attribute(governance, file_id) is None
    assert file_id not in governance.governed_ids("acme")

    verified = governance.call(member, "POST", f"/api/files/{file_id}/verify", {"reviewBy": FUTURE})
    assert verified.status_code == 200, verified.text
    body = verified.json()
    assert (body["freshness"], body["verifiedBy"], body["reviewBy"]) == (
        "verified",
        member.user_id,
        FUTURE,
    )
    assert governed_attribute(governance, file_id) == "acme#GOVERNED"
    withdrawn = governance.call(member, "DELETE", f"/api/files/{file_id}/verify")
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["freshness"] == "unverified"
    assert "verifiedAt" not in withdrawn.json()
    assert governed_attribute(governance, file_id) is None

    # A reassigned owner is governed too; the uploader owning it again is the default.
    other = governance.person("acme")
    assert patch({"owner": other.user_id}, by=admin)["owner"] == other.user_id
    assert governed_attribute(governance, file_id) == "acme#GOVERNED"
    assert patch({"owner": member.user_id}, by=admin)["owner"] == member.user_id
    assert governed_attribute(governance, file_id) is None


def test_a_past_review_date_expires_the_file_at_once(governance: Governance) -> None:
    member = governance.person("acme")
    file_id = upload(governance, member)
    response = governance.call(member, "POST", f"/api/files/{file_id}/verify", {"reviewBy": PAST})
    assert response.status_code == 200, response.text
    assert response.json()["freshness"] == "stale"
    listed = governance.call(member, "GET", "/api/files").json()["files"]
    assert [(f["id"], f["freshness"]) for f in listed] == [(file_id, "stale")]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"reviewBy": "2026-1-1"},
        {"reviewBy": "2026-02-30"},
        {"reviewBy": "next week"},
        {"reviewBy": "2026-03-01T00:00:00Z"},
    ],
)
def test_a_bad_review_date_is_refused_and_changes_nothing(
    governance: Governance, body: dict[str, Any]
) -> None:
    member = governance.person("acme")
    file_id = upload(governance, member)
    before = stewardship(governance, file_id)
    refused = governance.call(member, "POST", f"/api/files/{file_id}/verify", body)
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_review_by")
    assert stewardship(governance, file_id) == before


def test_only_the_owner_or_an_admin_governs_a_file(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    owner, colleague = governance.person("acme"), governance.person("acme")
    collection = governance.create(admin, "Pricing")
    file_id = upload(governance, owner)
    before = stewardship(governance, file_id)
    for method, path, body in (
        ("POST", f"/api/files/{file_id}/verify", {"reviewBy": FUTURE}),
        ("DELETE", f"/api/files/{file_id}/verify", None),
        ("PATCH", f"/api/files/{file_id}", {"collectionIds": [collection["id"]]}),
        ("PATCH", f"/api/files/{file_id}", {"owner": colleague.user_id}),
        ("PATCH", f"/api/files/{file_id}", {"owner": owner.user_id}),
    ):
        refused = governance.call(colleague, method, path, body)
        assert (refused.status_code, refused.json()["code"]) == (403, "forbidden"), refused.text
    # The owner may not reassign their file either: that is an admin's decision.
    refused = governance.call(owner, "PATCH", f"/api/files/{file_id}", {"owner": colleague.user_id})
    assert refused.status_code == 403
    assert stewardship(governance, file_id) == before

    # Once an admin makes the colleague the owner, they govern it and the uploader does not.
    reassigned = governance.call(
        admin, "PATCH", f"/api/files/{file_id}", {"owner": colleague.user_id}
    )
    assert reassigned.status_code == 200, reassigned.text
    assert (
        governance.call(
            colleague, "POST", f"/api/files/{file_id}/verify", {"reviewBy": FUTURE}
        ).status_code
        == 200
    )
    assert governance.call(owner, "DELETE", f"/api/files/{file_id}/verify").status_code == 403


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"owner": "no-such-user"}, 400, "invalid_owner"),
        ({"owner": "../x"}, 400, "invalid_owner"),
        ({"collectionIds": ["0" * 32]}, 404, "collection_not_found"),
        ({"collectionIds": ["a#b"]}, 404, "collection_not_found"),
        ({"collectionIds": ["x"] * 2}, 400, "invalid_collection_ids"),
        ({"collectionIds": [f"c{i}" for i in range(21)]}, 400, "invalid_collection_ids"),
        ({"collectionIds": "abc"}, 400, "invalid_request"),
        ({"uploadedBy": "me"}, 400, "invalid_request"),
    ],
)
def test_bad_file_patches_are_refused_and_change_nothing(
    governance: Governance, body: dict[str, Any], status: int, code: str
) -> None:
    admin = governance.person("acme", admin=True)
    file_id = upload(governance, admin)
    before = stewardship(governance, file_id)
    refused = governance.call(admin, "PATCH", f"/api/files/{file_id}", body)
    assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
    assert stewardship(governance, file_id) == before


def test_another_tenant_and_a_hidden_file_answer_404(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    insider, outsider = governance.person("acme"), governance.person("acme")
    rival = governance.person("rival", admin=True)
    legal = governance.create(admin, "Legal", audience={"users": [insider.user_id]})
    file_id = upload(governance, insider, collectionId=legal["id"])
    # The uploader sees it in the collection; its audience hides it from the outsider.
    assert shown(governance, insider, file_id)["collectionIds"] == [legal["id"]]
    before = stewardship(governance, file_id)
    for person in (outsider, rival):
        for method, path, body in (
            ("POST", f"/api/files/{file_id}/verify", {"reviewBy": FUTURE}),
            ("DELETE", f"/api/files/{file_id}/verify", None),
            ("PATCH", f"/api/files/{file_id}", {"collectionIds": []}),
            ("PATCH", f"/api/files/{file_id}", {"owner": person.user_id}),
        ):
            refused = governance.call(person, method, path, body)
            assert (refused.status_code, refused.json()["code"]) == (404, "file_not_found")
    assert stewardship(governance, file_id) == before


def test_uploads_go_into_collections_and_new_versions_inherit(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    member, steward = governance.person("acme"), governance.person("acme")
    pricing, legal = governance.create(admin, "Pricing"), governance.create(admin, "Legal")
    first = upload(governance, member, collectionId=[pricing["id"], legal["id"]])
    assert sorted(shown(governance, member, first)["collectionIds"]) == sorted(
        [pricing["id"], legal["id"]]
    )
    assert first in governance.governed_ids("acme")
    governance.call(admin, "PATCH", f"/api/files/{first}", {"owner": steward.user_id})

    # The uploader no longer changes it (one right for every change: the owner's or an
    # admin's); its owner replaces it, and the new version keeps collections and owner,
    # unverified.
    refused = governance.upload(member, replaces=first)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    second = upload(governance, steward, replaces=first)
    body = shown(governance, member, second)
    assert sorted(body["collectionIds"]) == sorted([pricing["id"], legal["id"]])
    assert (body["owner"], body["freshness"]) == (steward.user_id, "unverified")
    # Only who looks after the document may verify a version as it is uploaded.
    refused = governance.upload(member, replaces=second, verify="true", reviewBy=FUTURE)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    third = upload(governance, admin, replaces=second, verify="true", reviewBy=FUTURE)
    body = shown(governance, admin, third)
    assert (body["freshness"], body["verifiedBy"], body["owner"]) == (
        "verified",
        admin.user_id,
        steward.user_id,
    )
    # Collections given with a version replace the inherited ones.
    fourth = upload(governance, admin, replaces=third, collectionId=pricing["id"])
    assert shown(governance, admin, fourth)["collectionIds"] == [pricing["id"]]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"collectionId": "0" * 32}, 404, "collection_not_found"),
        ({"verify": "true"}, 400, "invalid_review_by"),
        ({"verify": "true", "reviewBy": "2026-02-30"}, 400, "invalid_review_by"),
        ({"reviewBy": FUTURE}, 400, "invalid_request"),
    ],
)
def test_bad_upload_parameters_store_nothing(
    governance: Governance, params: dict[str, str], status: int, code: str
) -> None:
    member = governance.person("acme")
    before = governance.raw_partition("acme")
    refused = governance.upload(member, **params)
    assert (refused.status_code, refused.json()["code"]) == (status, code), refused.text
    assert governance.raw_partition("acme") == before


def test_an_upload_into_a_collection_the_caller_cannot_see_is_404(
    governance: Governance,
) -> None:
    admin = governance.person("acme", admin=True)
    member = governance.person("acme")
    board = governance.create(admin, "Board", audience={"roles": ["tenant_admin"]})
    before = governance.raw_partition("acme")
    refused = governance.upload(member, collectionId=board["id"])
    assert (refused.status_code, refused.json()["code"]) == (404, "collection_not_found")
    assert governance.raw_partition("acme") == before


def test_a_direct_upload_goes_into_its_collections(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    member = governance.person("acme")
    pricing = governance.create(admin, "Pricing")
    response = governance.call(
        member,
        "POST",
        "/api/files/uploads",
        {"name": "deck.pdf", "collectionIds": [pricing["id"]]},
    )
    assert response.status_code == 201, response.text
    file_id = response.json()["id"]
    assert governed_attribute(governance, file_id) == "acme#GOVERNED"
    before = governance.raw_partition("acme")
    refused = governance.call(
        member, "POST", "/api/files/uploads", {"name": "x.pdf", "collectionIds": ["0" * 32]}
    )
    assert (refused.status_code, refused.json()["code"]) == (404, "collection_not_found")
    assert governance.raw_partition("acme") == before


def test_deleting_a_collection_keeps_its_files_and_stops_showing_it(
    governance: Governance,
) -> None:
    admin = governance.person("acme", admin=True)
    insider, outsider = governance.person("acme"), governance.person("acme")
    legal = governance.create(admin, "Legal", audience={"users": [insider.user_id]})
    file_id = upload(governance, insider, collectionId=legal["id"])
    stored = stewardship(governance, file_id)
    assert governance.call(admin, "DELETE", f"/api/collections/{legal['id']}").status_code == 204
    # The record is untouched; the unknown id restricts nobody and is not shown.
    assert stewardship(governance, file_id) == stored
    assert shown(governance, outsider, file_id)["collectionIds"] == []


def test_governance_fields_of_a_record_decide_governed() -> None:
    record = FileRecord(id="f", name="n", object_key="k", created_at="t", uploaded_by="u")
    assert not record.governed
    assert FileRecord(
        id="f", name="n", object_key="k", created_at="t", collection_ids=["c"]
    ).governed
    assert FileRecord(id="f", name="n", object_key="k", created_at="t", owner="o").governed
    assert FileRecord(id="f", name="n", object_key="k", created_at="t", verified_at="v").governed
