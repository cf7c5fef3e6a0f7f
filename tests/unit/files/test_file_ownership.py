"""Who may delete (or complete) a file: its owner (the uploader unless reassigned) and the
tenant's admins; other members of the tenant get 403 `forbidden` with a sentence saying who
can; other tenants keep getting 404."""

from __future__ import annotations

from typing import Any

import httpx

from tests.unit.files.support import FilesClient


def as_user(files_client: FilesClient, sub: str, *, admin: bool = False) -> dict[str, str]:
    factory = files_client.factory
    groups = ["acme--member"] + (["acme--tenant_admin"] if admin else [])
    token = factory.mint(factory.claims("acme", sub=sub, cognito__groups=groups))
    return {"Authorization": f"Bearer {token}"}


def upload(
    files_client: FilesClient, headers: dict[str, str], name: str, replaces: str | None = None
) -> str:
    response = files_client.client.post(
        "/api/upload-file" + (f"?replaces={replaces}" if replaces else ""),
        files={"file": (name, b"notes", "text/plain")},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    file_id: str = response.json()["id"]
    return file_id


def delete(files_client: FilesClient, headers: dict[str, str], file_id: str) -> httpx.Response:
    return files_client.client.delete(f"/api/files/{file_id}", headers=headers)


def test_a_member_cannot_delete_a_file_someone_else_uploaded(files_client: FilesClient) -> None:
    admin = as_user(files_client, "admin-1", admin=True)
    member = as_user(files_client, "member-2")
    admins_file = upload(files_client, admin, "pricing.md")
    refused = delete(files_client, member, admins_file)
    body: dict[str, Any] = refused.json()
    assert (refused.status_code, body["code"]) == (403, "forbidden")
    assert "owner of 'pricing.md'" in body["message"]
    # Nothing changed: the file is still there for everyone.
    assert files_client.client.get(f"/api/files/{admins_file}", headers=member).status_code == 200


def test_members_delete_their_own_files_and_admins_any(files_client: FilesClient) -> None:
    admin = as_user(files_client, "admin-1", admin=True)
    member = as_user(files_client, "member-2")
    colleague = as_user(files_client, "member-3")
    own = upload(files_client, member, "mine.md")
    theirs = upload(files_client, colleague, "theirs.md")
    assert delete(files_client, member, own).status_code == 204
    assert delete(files_client, member, theirs).status_code == 403
    assert delete(files_client, admin, theirs).status_code == 204


def test_completing_someone_elses_direct_upload_is_forbidden(files_client: FilesClient) -> None:
    member = as_user(files_client, "member-2")
    colleague = as_user(files_client, "member-3")
    started = files_client.client.post(
        "/api/files/uploads",
        json={"name": "deck.md"},
        headers=member,
    )
    assert started.status_code == 201, started.text
    file_id = started.json()["id"]
    refused = files_client.client.post(f"/api/files/{file_id}/complete", headers=colleague)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")


def test_a_member_cannot_replace_a_file_someone_else_uploaded(files_client: FilesClient) -> None:
    admin = as_user(files_client, "admin-1", admin=True)
    member = as_user(files_client, "member-2")
    admins_file = upload(files_client, admin, "pricing.md")
    refused = files_client.client.post(
        f"/api/upload-file?replaces={admins_file}",
        files={"file": ("pricing.md", b"cheaper now", "text/plain")},
        headers=member,
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    # Nothing was stored for the refused version: the listing still holds one file.
    listed = files_client.client.get("/api/files", headers=admin).json()["files"]
    assert [f["id"] for f in listed] == [admins_file]
    assert [f.get("versions") or [] for f in listed] == [[]]
    # The uploader and admins may.
    upload(files_client, admin, "pricing.md", replaces=admins_file)


def test_a_member_cannot_restore_a_version_someone_else_uploaded(
    files_client: FilesClient,
) -> None:
    admin = as_user(files_client, "admin-1", admin=True)
    member = as_user(files_client, "member-2")
    first = upload(files_client, admin, "pricing.md")
    upload(files_client, admin, "pricing.md", replaces=first)
    refused = files_client.client.post(f"/api/files/{first}/restore", headers=member)
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
