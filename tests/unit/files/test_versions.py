"""Versions of a document (decision 0052): `replaces=<id>` on upload; the new version is the
only one searched once ready; older ones are listed under it, restorable and deletable."""

from __future__ import annotations

import secrets
from pathlib import Path

from tests.unit.files.support import FilesClient

CASES_DIR = Path(__file__).parents[2] / "fixtures" / "ingestion_cases"


def upload(files: FilesClient, tenant: str, name: str, replaces: str | None = None) -> str:
    params = f"?replaces={replaces}" if replaces else ""
    response = files.client.post(
        f"/api/upload-file{params}",
        files={"file": ("Pricing.md", (CASES_DIR / name).read_bytes(), "text/markdown")},
        headers=files.headers(tenant),
    )
    assert response.status_code == 201, response.text
    file_id: str = response.json()["id"]
    return file_id


def quasar_prices(files: FilesClient, tenant: str) -> list[tuple[str, str]]:
    return [(r["fileId"], r["uploadedAt"]) for r in files.search(tenant, "Quasar plan price", 10)]


def test_a_replacement_becomes_the_only_searched_version(files_client: FilesClient) -> None:
    tenant = f"ver-{secrets.token_hex(4)}"
    v1 = upload(files_client, tenant, "dup_v1.md")
    files_client.settle()
    v2 = upload(files_client, tenant, "dup_v2.md", replaces=v1)
    files_client.settle()

    hits = quasar_prices(files_client, tenant)
    assert [h[0] for h in hits] == [v2]
    assert hits[0][1] == files_client.file(tenant, v2)["createdAt"]
    text = files_client.search(tenant, "Quasar")[0]["text"]
    assert "35 EUR" in text

    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert [f["id"] for f in listed] == [v2]
    assert [(v["id"], v["current"]) for v in listed[0]["versions"]] == [(v2, True), (v1, False)]
    assert files_client.file(tenant, v1)["supersededBy"] == v2

    # Restore the first version: it is searched again, the second is listed under it.
    restored = files_client.post(tenant, f"/api/files/{v1}/restore")
    assert restored.status_code == 200, restored.text
    assert [h[0] for h in quasar_prices(files_client, tenant)] == [v1]
    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert [f["id"] for f in listed] == [v1]

    again = files_client.post(tenant, f"/api/files/{v1}/restore")
    assert again.status_code == 409
    assert again.json()["code"] == "not_an_older_version"

    # Deleting the current version makes the newest remaining one current.
    assert files_client.delete(tenant, f"/api/files/{v1}").status_code == 204
    assert [h[0] for h in quasar_prices(files_client, tenant)] == [v2]
    assert [f["id"] for f in files_client.get(tenant, "/api/files").json()["files"]] == [v2]


def test_replacing_another_tenants_file_is_not_found(files_client: FilesClient) -> None:
    owner, other = f"own-{secrets.token_hex(3)}", f"oth-{secrets.token_hex(3)}"
    theirs = upload(files_client, owner, "dup_v1.md")
    response = files_client.client.post(
        f"/api/upload-file?replaces={theirs}",
        files={"file": ("Pricing.md", b"# x\nhello", "text/markdown")},
        headers=files_client.headers(other),
    )
    assert response.status_code == 404
    assert response.json()["code"] == "file_not_found"
    direct = files_client.post(
        other, "/api/files/uploads", json={"name": "Pricing.md", "replaces": theirs}
    )
    assert direct.status_code == 404
    files_client.settle()
    assert files_client.file(owner, theirs).get("versions", []) == []


def test_a_direct_upload_can_replace_a_file(files_client: FilesClient) -> None:
    from tests.unit.files.test_direct_upload import send

    tenant = f"dir-{secrets.token_hex(4)}"
    v1 = upload(files_client, tenant, "dup_v1.md")
    response = files_client.post(
        tenant, "/api/files/uploads", json={"name": "Pricing.md", "replaces": v1}
    )
    assert response.status_code == 201, response.text
    direct = response.json()
    assert send(direct, (CASES_DIR / "dup_v2.md").read_bytes()).status_code == 204
    completed = files_client.post(tenant, f"/api/files/{direct['id']}/complete")
    assert completed.status_code == 200, completed.text
    assert completed.json()["replaces"] == v1
    files_client.settle()
    assert [h[0] for h in quasar_prices(files_client, tenant)] == [direct["id"]]


def test_a_file_whose_upload_was_never_completed_cannot_be_replaced(
    files_client: FilesClient,
) -> None:
    """Regression (isolation property test, decision 0089): replacing a direct upload that
    was still awaiting its bytes, then completing it, left two current versions of one
    document, both searched. Now the replacement is refused and nothing is written."""
    from tests.unit.files.test_direct_upload import send

    tenant = f"await-{secrets.token_hex(4)}"
    started = files_client.post(tenant, "/api/files/uploads", json={"name": "Pricing.md"})
    assert started.status_code == 201, started.text
    first = started.json()
    by_form = files_client.client.post(
        f"/api/upload-file?replaces={first['id']}",
        files={"file": ("Pricing.md", (CASES_DIR / "dup_v2.md").read_bytes(), "text/markdown")},
        headers=files_client.headers(tenant),
    )
    by_direct_upload = files_client.post(
        tenant, "/api/files/uploads", json={"name": "Pricing.md", "replaces": first["id"]}
    )
    for refused in (by_form, by_direct_upload):
        assert (refused.status_code, refused.json()["code"]) == (409, "upload_not_completed")
    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert [f["id"] for f in listed] == [first["id"]]
    # The upload itself still completes, as the one version of its document.
    assert send(first, (CASES_DIR / "dup_v1.md").read_bytes()).status_code == 204
    completed = files_client.post(tenant, f"/api/files/{first['id']}/complete")
    assert completed.status_code == 200, completed.text
    files_client.settle()
    assert [h[0] for h in quasar_prices(files_client, tenant)] == [first["id"]]
    assert files_client.file(tenant, first["id"]).get("versions", []) == []
