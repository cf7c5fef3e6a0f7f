"""GET/DELETE /api/files and GET /api/files/{id}: paging, downloads, deletion, and 404 for
another tenant's ids exactly as for missing ones."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from engageiq.local.aws import LocalResources
from tests.unit.files.support import FilesClient


def test_listing_pages_newest_first_with_an_opaque_cursor(files_client: FilesClient) -> None:
    ids = [files_client.upload("acme", f"n{i}.txt", b"note").json()["id"] for i in range(5)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = files_client.get("acme", "/api/files", **params).json()
        seen += [f["id"] for f in page["files"]]
        cursor = page.get("nextCursor")
        if not cursor:
            break
    assert seen == list(reversed(ids))


def test_a_cursor_of_another_tenant_is_refused(files_client: FilesClient) -> None:
    for i in range(3):
        files_client.upload("acme", f"n{i}.txt", b"note")
    cursor = files_client.get("acme", "/api/files", limit=1).json()["nextCursor"]
    response = files_client.get("globex", "/api/files", cursor=cursor)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_cursor"
    tampered = files_client.get("acme", "/api/files", cursor=cursor[:-3] + "xyz")
    assert tampered.status_code == 400


def test_a_cursor_of_a_colleague_is_refused(files_client: FilesClient) -> None:
    for i in range(3):
        files_client.upload("acme", f"n{i}.txt", b"note")
    cursor = files_client.get("acme", "/api/files", limit=1).json()["nextCursor"]
    factory = files_client.factory
    colleague = {
        "Authorization": f"Bearer {factory.mint(factory.claims('acme', sub='colleague-2'))}"
    }
    response = files_client.client.get("/api/files", params={"cursor": cursor}, headers=colleague)
    assert (response.status_code, response.json()["code"]) == (400, "invalid_cursor")


def test_get_returns_metadata_and_a_working_download_url(files_client: FilesClient) -> None:
    file_id = files_client.upload("acme", "Q3 plan.md", b"# Plan\nGrow").json()["id"]
    body = files_client.file("acme", file_id)
    assert body["name"] == "Q3 plan.md"
    assert body["contentType"] == "text/markdown"
    download = httpx.get(body["downloadUrl"], timeout=10)
    assert download.status_code == 200
    assert download.content == b"# Plan\nGrow"
    assert "attachment" in download.headers["content-disposition"]
    query = parse_qs(urlsplit(body["downloadUrl"]).query)
    expires = int(query["Expires"][0]) if "Expires" in query else None
    lifetime = int(query["X-Amz-Expires"][0]) if expires is None else expires - time.time()
    assert lifetime <= 300  # short-lived


def test_delete_removes_object_metadata_and_index_entries(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    keep = files_client.upload("acme", "keep.txt", b"quokka pricing").json()["id"]
    gone = files_client.upload("acme", "gone.txt", b"quokka discounts").json()["id"]
    files_client.settle()
    assert {h["fileId"] for h in files_client.search("acme", "quokka")} == {keep, gone}
    assert files_client.delete("acme", f"/api/files/{gone}").status_code == 204
    assert [h["fileId"] for h in files_client.search("acme", "quokka")] == [keep]
    assert files_client.get("acme", f"/api/files/{gone}").status_code == 404
    keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=local_resources.buckets["uploads"]).get("Contents", [])
    ]
    assert not [k for k in keys if gone in k]
    # Versioned bucket: what remains is a delete marker over each key, for operators'
    # recovery until the lifecycle rule expires it (the tenant role cannot purge versions).
    versions = s3.list_object_versions(Bucket=local_resources.buckets["uploads"])
    markers = {m["Key"] for m in versions.get("DeleteMarkers", []) if m["IsLatest"]}
    assert {k for k in markers if gone in k} == {
        f"tenants/acme/files/{gone}",
        f"tenants/acme/chunks/{gone}",
    }


@pytest.mark.parametrize("method", ["get", "delete", "complete"])
def test_another_tenants_id_answers_exactly_like_a_missing_one(
    files_client: FilesClient, method: str
) -> None:
    theirs = files_client.upload("acme", "secret.txt", b"acme only").json()["id"]
    missing = "1a2" + "0" * 24

    def call(file_id: str) -> httpx.Response:
        if method == "get":
            return files_client.get("globex", f"/api/files/{file_id}")
        if method == "delete":
            return files_client.delete("globex", f"/api/files/{file_id}")
        return files_client.post("globex", f"/api/files/{file_id}/complete")

    foreign, absent, malformed = call(theirs), call(missing), call("..%2F..%2Fetc")
    for response in (foreign, absent, malformed):
        assert response.status_code == 404
        assert response.json()["code"] in {"file_not_found", "not_found"}
    assert foreign.json()["code"] == absent.json()["code"] == "file_not_found"
    assert foreign.json()["message"] == absent.json()["message"]
    assert files_client.file("acme", theirs)["name"] == "secret.txt"  # untouched
