"""The audience rule per document, and one right to change a file (decision 0111).

A version is visible only when the caller may see it and its document's current version: an
older version of a document whose newest content is restricted answers every route like a
missing id, and no view names a version the caller may not see (`replaces`, `supersededBy`,
`versions`). Every change of a file (replace, restore, delete, collections, verify) is its
owner's (the reassigned owner, else the uploader) or an admin's, and the owner must stay
someone the file's collections admit."""

from __future__ import annotations

from typing import Any

import httpx

from engageiq_files.catalog.records import new_file_id
from tests.unit.files.governance_support import Governance, Person


def refusal(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"code", "message", "requestId"}, body
    return response.status_code, body["code"], body["message"]


def upload(governance: Governance, person: Person, text: bytes = b"notes", **params: Any) -> str:
    response = governance.files.client.post(
        "/api/upload-file",
        params=params or None,
        files={"file": ("plan.txt", text, "text/plain")},
        headers=governance.headers(person),
    )
    assert response.status_code == 201, response.text
    file_id: str = response.json()["id"]
    governance.files.settle()
    return file_id


def details(governance: Governance, person: Person, file_id: str) -> dict[str, Any]:
    response = governance.call(person, "GET", f"/api/files/{file_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def listed(governance: Governance, person: Person) -> dict[str, dict[str, Any]]:
    response = governance.call(person, "GET", "/api/files")
    assert response.status_code == 200, response.text
    return {f["id"]: f for f in response.json()["files"]}


def test_an_older_version_whose_current_version_is_hidden_answers_like_a_missing_id(
    governance: Governance,
) -> None:
    """Found by review: bob saw `supersededBy: <hidden id>` on his v1, restore answered 200
    (and demoted the restricted v2) where a file without newer versions answers 409, and
    `replaces=v1` superseded the hidden version."""
    admin = governance.person("acme", admin=True)
    bob, insider = governance.person("acme"), governance.person("acme")
    board = governance.create(admin, "Board", audience={"users": [insider.user_id]})
    v1 = upload(governance, bob, b"v1 ocelot")
    v2 = upload(governance, admin, b"v2 ocelot", replaces=v1, collectionId=board["id"])
    # Bob, outside Board, could not answer for v2: its uploader owns it, not v1's owner.
    assert details(governance, admin, v2)["owner"] == admin.user_id
    client = governance.files.client
    missing = new_file_id()
    for method, path in (
        ("GET", "/api/files/{}"),
        ("GET", "/api/files/{}/content"),
        ("GET", "/api/files/{}/passages"),
        ("POST", "/api/files/{}/restore"),
        ("DELETE", "/api/files/{}"),
        ("PATCH", "/api/files/{}"),
        ("POST", "/api/files/{}/verify"),
    ):
        body = {"reviewBy": "2999-01-01"} if path.endswith("verify") else {}
        headers = governance.headers(bob)
        walled = client.request(method, path.format(v1), headers=headers, json=body)
        absent = client.request(method, path.format(missing), headers=headers, json=body)
        assert refusal(walled) == refusal(absent), (method, path)
        assert refusal(walled)[:2] == (404, "file_not_found")
    replaced = client.post(
        "/api/upload-file",
        params={"replaces": v1},
        files={"file": ("plan.txt", b"v3", "text/plain")},
        headers=governance.headers(bob),
    )
    assert refusal(replaced)[:2] == (404, "file_not_found")
    assert not {v1, v2} & set(listed(governance, bob))
    scoped = governance.call(bob, "GET", "/api/files/search", q="ocelot", fileId=v1)
    assert refusal(scoped)[:2] == (400, "unknown_scope")
    # Nothing changed: v2 is still current, and those it admits see both versions.
    assert details(governance, insider, v1)["supersededBy"] == v2
    assert [v["id"] for v in details(governance, insider, v2)["versions"]] == [v2, v1]
    assert [v["id"] for v in listed(governance, admin)[v2]["versions"]] == [v2, v1]


def test_no_view_names_a_version_the_caller_may_not_see(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    bob, insider = governance.person("acme"), governance.person("acme")
    board = governance.create(admin, "Board", audience={"users": [insider.user_id]})
    # v1 open, v2 restricted, v3 (current) open again.
    v1 = upload(governance, admin, b"v1")
    v2 = upload(governance, admin, b"v2", replaces=v1, collectionId=board["id"])
    v3 = upload(governance, admin, b"v3", replaces=v2)
    opened = governance.call(admin, "PATCH", f"/api/files/{v3}", {"collectionIds": []})
    assert opened.status_code == 200, opened.text
    assert opened.json()["replaces"] == v2  # the admin sees v2; `bob` must not
    for shown in (details(governance, bob, v3), listed(governance, bob)[v3]):
        assert "replaces" not in shown
        assert [v["id"] for v in shown["versions"]] == [v3, v1]
    older = details(governance, bob, v1)
    assert "supersededBy" not in older
    assert [v["id"] for v in older["versions"]] == [v3, v1]
    assert details(governance, admin, v3)["replaces"] == v2
    assert details(governance, admin, v1)["supersededBy"] == v2


def test_a_current_version_whose_older_one_is_hidden_does_not_name_it(
    governance: Governance,
) -> None:
    admin = governance.person("acme", admin=True)
    bob, insider = governance.person("acme"), governance.person("acme")
    board = governance.create(admin, "Board", audience={"users": [insider.user_id]})
    v1 = upload(governance, admin, b"v1", collectionId=board["id"])
    v2 = upload(governance, admin, b"v2", replaces=v1)
    opened = governance.call(admin, "PATCH", f"/api/files/{v2}", {"collectionIds": []})
    assert opened.status_code == 200, opened.text
    for shown in (details(governance, bob, v2), listed(governance, bob)[v2]):
        assert "replaces" not in shown
        assert "versions" not in shown  # one visible version: no list to betray the other
    assert details(governance, insider, v2)["replaces"] == v1


def test_every_change_is_the_owners_or_an_admins_after_a_reassignment(
    governance: Governance,
) -> None:
    """Found by review: after an admin reassigned the owner, the old uploader could still
    replace, restore and delete the file, and the new owner could not."""
    admin = governance.person("acme", admin=True)
    uploader, owner = governance.person("acme"), governance.person("acme")
    v1 = upload(governance, uploader, b"v1")
    v2 = upload(governance, uploader, b"v2", replaces=v1)
    for file_id in (v1, v2):
        moved = governance.call(admin, "PATCH", f"/api/files/{file_id}", {"owner": owner.user_id})
        assert moved.status_code == 200, moved.text
    client = governance.files.client
    as_uploader = governance.headers(uploader)
    for response in (
        client.post(
            "/api/upload-file",
            params={"replaces": v2},
            files={"file": ("plan.txt", b"v3", "text/plain")},
            headers=as_uploader,
        ),
        client.post(f"/api/files/{v1}/restore", headers=as_uploader),
        client.delete(f"/api/files/{v2}", headers=as_uploader),
        client.delete(f"/api/files/{v1}", headers=as_uploader),
    ):
        status, code, message = refusal(response)
        assert (status, code) == (403, "forbidden")
        assert message.startswith("Only the owner of 'plan.txt'"), message
    assert details(governance, owner, v2)["versions"]  # nothing changed
    assert governance.call(owner, "POST", f"/api/files/{v1}/restore").status_code == 200
    v3 = upload(governance, owner, b"v3", replaces=v1)
    assert governance.call(owner, "DELETE", f"/api/files/{v2}").status_code == 204
    assert governance.call(admin, "DELETE", f"/api/files/{v3}").status_code == 204


def test_the_document_is_owned_by_its_current_versions_owner(governance: Governance) -> None:
    """Found by the second review: reassigning the current version left the old uploader
    owning the older one, so `replaces=<older id>` or restoring it took the document back."""
    admin = governance.person("acme", admin=True)
    uploader, owner = governance.person("acme"), governance.person("acme")
    v1 = upload(governance, uploader, b"v1")
    v2 = upload(governance, uploader, b"v2", replaces=v1)
    moved = governance.call(admin, "PATCH", f"/api/files/{v2}", {"owner": owner.user_id})
    assert moved.status_code == 200, moved.text
    client = governance.files.client
    as_uploader = governance.headers(uploader)
    for response in (
        client.post(
            "/api/upload-file",
            params={"replaces": v1},
            files={"file": ("plan.txt", b"v3", "text/plain")},
            headers=as_uploader,
        ),
        client.post(f"/api/files/{v1}/restore", headers=as_uploader),
        client.delete(f"/api/files/{v1}", headers=as_uploader),
        governance.call(uploader, "PATCH", f"/api/files/{v1}", {"collectionIds": []}),
        governance.call(uploader, "POST", f"/api/files/{v1}/verify", {"reviewBy": "2030-01-01"}),
    ):
        assert refusal(response)[:2] == (403, "forbidden"), response.text
    assert details(governance, owner, v2)["owner"] == owner.user_id  # nothing changed
    assert governance.call(owner, "POST", f"/api/files/{v1}/restore").status_code == 200
    v3 = upload(governance, owner, b"v3", replaces=v2)
    assert details(governance, owner, v3)["owner"] == owner.user_id


def test_an_owner_must_be_someone_the_files_collections_admit(governance: Governance) -> None:
    admin = governance.person("acme", admin=True)
    insider, outsider = governance.person("acme"), governance.person("acme")
    other_admin = governance.person("acme", admin=True)
    board = governance.create(admin, "Board", audience={"users": [insider.user_id]})
    admins_only = governance.create(admin, "Admins", audience={"roles": ["tenant_admin"]})
    file_id = upload(governance, admin, collectionId=board["id"])
    refused = governance.call(admin, "PATCH", f"/api/files/{file_id}", {"owner": outsider.user_id})
    status, code, message = refusal(refused)
    assert (status, code) == (400, "invalid_owner")
    assert "not in the audience of the collection 'Board'" in message
    assert details(governance, admin, file_id)["owner"] == admin.user_id
    assert (
        governance.call(
            admin, "PATCH", f"/api/files/{file_id}", {"owner": insider.user_id}
        ).status_code
        == 200
    )
    # A move that would leave the owner outside is refused (the owner cannot even name a
    # collection that leaves them out: to them it does not exist)...
    moved = governance.call(
        admin, "PATCH", f"/api/files/{file_id}", {"collectionIds": [admins_only["id"]]}
    )
    status, code, message = refusal(moved)
    assert (status, code) == (400, "invalid_owner"), moved.text
    assert "could no longer see or verify it" in message
    assert details(governance, admin, file_id)["collectionIds"] == [board["id"]]
    # ...unless an admin gives it an owner the collection admits (by role) in the same request.
    both = governance.call(
        admin,
        "PATCH",
        f"/api/files/{file_id}",
        {"collectionIds": [admins_only["id"]], "owner": other_admin.user_id},
    )
    assert both.status_code == 200, both.text
    assert (both.json()["owner"], both.json()["collectionIds"]) == (
        other_admin.user_id,
        [admins_only["id"]],
    )


def test_search_scope_errors_name_the_query_parameters(governance: Governance) -> None:
    member = governance.person("acme")
    for name in ("fileId", "collectionId"):
        too_many = governance.files.client.get(
            "/api/files/search",
            params={"q": "x", name: [new_file_id() for _ in range(51)]},
            headers=governance.headers(member),
        )
        status, code, message = refusal(too_many)
        assert (status, code) == (400, "invalid_request")
        assert name in message, message
        assert "_ids" not in message, message
