"""The audience wall inside a tenant (decision 0111): a file in a restricted collection that does
not admit the caller answers every files route exactly as a missing id, is never listed (full
pages and working cursors all the same) and never found by search; search scopes refuse ids the
caller may not see exactly like ids that do not exist."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from engageiq_files.catalog.catalog import file_key
from engageiq_files.catalog.records import new_file_id
from engageiq_tenancy import governance
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.settings import ServiceSettings
from tests.support.collections import CollectionWriter
from tests.unit.files.support import FilesClient

ADMIN, INSIDER, OUTSIDER = "admin-1", "insider-2", "outsider-3"


@pytest.fixture
def writer(dynamodb: Any, service_settings: ServiceSettings) -> CollectionWriter:
    return CollectionWriter(dynamodb, service_settings.table("files"))


def as_user(files_client: FilesClient, sub: str, *, admin: bool = False) -> dict[str, str]:
    factory = files_client.factory
    groups = ["acme--member"] + (["acme--tenant_admin"] if admin else [])
    token = factory.mint(factory.claims("acme", sub=sub, cognito__groups=groups))
    return {"Authorization": f"Bearer {token}"}


def refusal(response: httpx.Response) -> tuple[int, str, str]:
    body = response.json()
    assert set(body) == {"code", "message", "requestId"}, body
    return response.status_code, body["code"], body["message"]


def upload(
    files_client: FilesClient, headers: dict[str, str], name: str, text: bytes = b"notes"
) -> str:
    response = files_client.client.post(
        "/api/upload-file", files={"file": (name, text, "text/plain")}, headers=headers
    )
    assert response.status_code == 201, response.text
    file_id: str = response.json()["id"]
    return file_id


def changed(files_client: FilesClient) -> None:
    """Governance was written behind the service's back: drop its cached view (the service
    itself keeps a view `VIEW_TTL_SECONDS`; the 10 s bound is proven in integration)."""
    runtime = files_client.client.app.state["files_runtime"]
    runtime.knowledge.forget(TenantContext("acme", "x", "x", frozenset({Role.MEMBER})))


def restrict(
    files_client: FilesClient, writer: CollectionWriter, *file_ids: str, users: tuple[str, ...]
) -> str:
    collection = uuid.uuid4().hex
    writer.save("acme", collection, users=users)
    for file_id in file_ids:
        writer.file_into("acme", file_id, [collection])
    changed(files_client)
    return collection


def listed(files_client: FilesClient, headers: dict[str, str], limit: int) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = files_client.client.get("/api/files", params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append([f["id"] for f in body["files"]])
        cursor = body.get("nextCursor")
        if not cursor:
            return pages


def test_a_hidden_file_answers_every_route_like_a_missing_id(
    files_client: FilesClient, writer: CollectionWriter
) -> None:
    admin = as_user(files_client, ADMIN, admin=True)
    insider, outsider = as_user(files_client, INSIDER), as_user(files_client, OUTSIDER)
    # The outsider's own upload: even the uploader is outside once the audience excludes them.
    hidden = upload(files_client, outsider, "board.md", b"# Board\nThe ocelot deal")
    files_client.settle()
    restrict(files_client, writer, hidden, users=(INSIDER,))
    client = files_client.client
    routes = [
        ("GET", "/api/files/{}"),
        ("GET", "/api/files/{}/content"),
        ("GET", "/api/files/{}/passages"),
        ("POST", "/api/files/{}/restore"),
        ("POST", "/api/files/{}/complete"),
        ("DELETE", "/api/files/{}"),
    ]
    for method, path in routes:
        missing = client.request(method, path.format(new_file_id()), headers=outsider)
        walled = client.request(method, path.format(hidden), headers=outsider)
        assert refusal(walled) == refusal(missing), (method, path)
        assert refusal(walled)[:2] == (404, "file_not_found")
    as_new_version = client.post(
        "/api/upload-file",
        params={"replaces": hidden},
        files={"file": ("board.md", b"v2", "text/plain")},
        headers=outsider,
    )
    assert refusal(as_new_version)[:2] == (404, "file_not_found")
    # Those the audience admits (and every admin) still read it.
    for headers in (insider, admin):
        assert client.get(f"/api/files/{hidden}", headers=headers).status_code == 200
        assert client.get(f"/api/files/{hidden}/content", headers=headers).content.startswith(
            b"# Board"
        )
        passages = client.get(f"/api/files/{hidden}/passages", headers=headers).json()
        assert "ocelot" in passages["sections"][0]["text"]


def test_roles_open_a_collection_and_open_or_deleted_collections_hide_nothing(
    files_client: FilesClient, writer: CollectionWriter
) -> None:
    member = as_user(files_client, OUTSIDER)
    file_id = upload(files_client, as_user(files_client, ADMIN, admin=True), "a.md")
    collection = uuid.uuid4().hex
    writer.save("acme", collection, roles=[Role.TENANT_ADMIN])
    writer.file_into("acme", file_id, [collection])
    changed(files_client)
    assert files_client.client.get(f"/api/files/{file_id}", headers=member).status_code == 404
    writer.save("acme", collection, roles=[Role.MEMBER])
    changed(files_client)
    assert files_client.client.get(f"/api/files/{file_id}", headers=member).status_code == 200
    writer.save("acme", collection, restricted=False)
    changed(files_client)
    assert files_client.client.get(f"/api/files/{file_id}", headers=member).status_code == 200
    # Every restricted collection is a lock: an open one beside it does not widen it.
    closed = uuid.uuid4().hex
    writer.save("acme", closed, users=(INSIDER,))
    writer.file_into("acme", file_id, [collection, closed])
    changed(files_client)
    assert files_client.client.get(f"/api/files/{file_id}", headers=member).status_code == 404
    writer.delete("acme", closed)
    changed(files_client)
    assert files_client.client.get(f"/api/files/{file_id}", headers=member).status_code == 200


def test_listings_leave_hidden_files_out_and_still_fill_every_page(
    files_client: FilesClient, writer: CollectionWriter
) -> None:
    admin = as_user(files_client, ADMIN, admin=True)
    outsider = as_user(files_client, OUTSIDER)
    ids = [upload(files_client, admin, f"n{i}.md") for i in range(7)]
    hidden = ids[1::2]  # three of seven, between visible ones
    restrict(files_client, writer, *hidden, users=(INSIDER,))
    newest_first = list(reversed(ids))
    visible = [i for i in newest_first if i not in hidden]
    pages = listed(files_client, outsider, limit=2)
    assert [i for page in pages for i in page] == visible
    # Every page but the last is full: hidden files are skipped, not counted.
    assert [len(page) for page in pages[:-1]] == [2] * (len(pages) - 1)
    assert [i for page in listed(files_client, admin, limit=3) for i in page] == newest_first


def test_versions_listed_under_a_document_leave_hidden_ones_out(
    files_client: FilesClient, writer: CollectionWriter
) -> None:
    admin = as_user(files_client, ADMIN, admin=True)
    outsider = as_user(files_client, OUTSIDER)
    first = upload(files_client, admin, "plan.md", b"# Plan\nv1")
    second = files_client.client.post(
        "/api/upload-file",
        params={"replaces": first},
        files={"file": ("plan.md", b"# Plan\nv2", "text/plain")},
        headers=admin,
    ).json()["id"]
    third = files_client.client.post(
        "/api/upload-file",
        params={"replaces": second},
        files={"file": ("plan.md", b"# Plan\nv3", "text/plain")},
        headers=admin,
    ).json()["id"]
    files_client.settle()
    restrict(files_client, writer, second, users=(INSIDER,))

    def versions(headers: dict[str, str]) -> tuple[list[str], list[str]]:
        [entry] = files_client.client.get("/api/files", headers=headers).json()["files"]
        detail = files_client.client.get(f"/api/files/{entry['id']}", headers=headers).json()
        return [v["id"] for v in entry["versions"]], [v["id"] for v in detail["versions"]]

    assert versions(outsider) == ([third, first], [third, first])
    assert versions(admin) == ([third, second, first], [third, second, first])


def test_search_leaves_hidden_files_out_and_shows_freshness(
    files_client: FilesClient, writer: CollectionWriter, dynamodb: Any
) -> None:
    admin = as_user(files_client, ADMIN, admin=True)
    outsider, insider = as_user(files_client, OUTSIDER), as_user(files_client, INSIDER)
    hidden = upload(files_client, admin, "secret.md", b"# Secret\nThe ocelot discount")
    shown = upload(files_client, admin, "public.md", b"# Public\nThe ocelot list price")
    files_client.settle()
    restrict(files_client, writer, hidden, users=(INSIDER,))
    # The shown file is verified until a date far ahead (attributes of its own record).
    tenant = TenantContext("acme", "x", "x", frozenset({Role.MEMBER}))
    dynamodb.update_item(
        TableName=writer.table,
        Key={k: {"S": v} for k, v in file_key(tenant, shown).items()},
        UpdateExpression="SET verifiedAt = :v, reviewBy = :r, #g = :g",
        ExpressionAttributeNames={"#g": governance.GOVERNED_ATTRIBUTE},
        ExpressionAttributeValues={
            ":v": {"S": "2026-12-01T00:00:00.000Z"},
            ":r": {"S": "2999-01-01"},
            ":g": {"S": governance.governed_partition(tenant)},
        },
    )
    changed(files_client)

    def search(headers: dict[str, str], **scope: Any) -> httpx.Response:
        params = {"q": "ocelot", "limit": 10, **scope}
        return files_client.client.get("/api/files/search", params=params, headers=headers)

    found = {h["fileId"]: h["freshness"] for h in search(outsider).json()["results"]}
    assert found == {shown: "verified"}
    found = {h["fileId"]: h["freshness"] for h in search(insider).json()["results"]}
    assert found == {shown: "verified", hidden: "unverified"}


def test_search_scopes_to_collections_and_files_and_refuses_what_it_may_not_name(
    files_client: FilesClient, writer: CollectionWriter
) -> None:
    admin = as_user(files_client, ADMIN, admin=True)
    outsider, insider = as_user(files_client, OUTSIDER), as_user(files_client, INSIDER)
    a, b, c = (upload(files_client, admin, f"{n}.md", b"# N\nocelot " + n.encode()) for n in "abc")
    files_client.settle()
    open_one = uuid.uuid4().hex
    writer.save("acme", open_one, restricted=False)
    writer.file_into("acme", a, [open_one])
    closed = restrict(files_client, writer, b, users=(INSIDER,))

    def search(headers: dict[str, str], **scope: Any) -> httpx.Response:
        params = {"q": "ocelot", "limit": 10, **scope}
        return files_client.client.get("/api/files/search", params=params, headers=headers)

    def found(response: httpx.Response) -> set[str]:
        assert response.status_code == 200, response.text
        return {h["fileId"] for h in response.json()["results"]}

    assert found(search(outsider, collectionId=open_one)) == {a}
    assert found(search(outsider, fileId=c)) == {c}
    assert found(search(outsider, collectionId=open_one, fileId=c)) == {a, c}
    assert found(search(insider, collectionId=[open_one, closed])) == {a, b}
    assert found(search(insider, fileId=[b])) == {b}
    unknown = search(outsider, collectionId=uuid.uuid4().hex)
    assert refusal(unknown)[:2] == (400, "unknown_scope")
    for scope in (
        {"collectionId": closed},
        {"fileId": b},
        {"fileId": new_file_id()},
        {"fileId": "not an id"},
        {"collectionId": [open_one, closed]},
        {"fileId": [c, b]},
    ):
        assert refusal(search(outsider, **scope)) == refusal(unknown), scope
    # Another tenant's ids are unknown there too.
    other = files_client.client.get(
        "/api/files/search",
        params={"q": "ocelot", "fileId": a},
        headers=files_client.headers("globex"),
    )
    assert refusal(other) == refusal(unknown)
