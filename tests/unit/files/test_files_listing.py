"""The files page's listing at a team's scale (decision 0116): found by name, sorted by date,
name and status with cursors, one row per document, what the caller may do to each file (the
rule the routes enforce), the upload limits from the sniffing list, and no record left by a
refused upload."""

from __future__ import annotations

import secrets
from typing import Any

from engageiq_files.catalog.listing import BatchProgress, ListedRow, batch_progress
from engageiq_files.catalog.records import FileRecord, FileStatus
from engageiq_files.uploads.sniffing import ACCEPTED, FileKind
from tests.unit.files.conftest import LIMIT
from tests.unit.files.governance_support import Governance
from tests.unit.files.support import FilesClient

NAMES = ["Pricing 2024.md", "straße notes.txt", "Acme call prep.txt", "pricing FAQ.txt", "b.txt"]


def tenant_with_files(files: FilesClient) -> tuple[str, dict[str, str]]:
    tenant = f"list-{secrets.token_hex(4)}"
    ids = {}
    for name in NAMES:
        response = files.upload(tenant, name, f"Notes for {name}.".encode())
        assert response.status_code == 201, response.text
        ids[name] = response.json()["id"]
    files.settle()
    return tenant, ids


def names(files: FilesClient, tenant: str, **params: Any) -> list[str]:
    response = files.get(tenant, "/api/files", **params)
    assert response.status_code == 200, response.text
    return [f["name"] for f in response.json()["files"]]


def every_page(files: FilesClient, tenant: str, **params: Any) -> list[str]:
    """Every row, two at a time, following the cursors."""
    seen: list[str] = []
    cursor = None
    while True:
        query = {**params, "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = files.get(tenant, "/api/files", **query)
        assert response.status_code == 200, response.text
        body = response.json()
        seen += [f["name"] for f in body["files"]]
        cursor = body.get("nextCursor")
        if not cursor:
            return seen


def test_name_search_sort_and_paging(files_client: FilesClient) -> None:
    tenant, _ = tenant_with_files(files_client)

    # Every word, compared as search compares text (case, ß and ss).
    found = sorted(names(files_client, tenant, q="PRICING"))
    assert found == ["Pricing 2024.md", "pricing FAQ.txt"]
    assert names(files_client, tenant, q="2024 pricing") == ["Pricing 2024.md"]
    assert names(files_client, tenant, q="STRASSE") == ["straße notes.txt"]
    assert names(files_client, tenant, q="nothing like it") == []

    by_name = sorted(NAMES, key=lambda n: n.casefold().replace("ß", "ss"))
    assert every_page(files_client, tenant, sort="name") == by_name
    assert every_page(files_client, tenant, sort="name", order="desc") == by_name[::-1]
    assert every_page(files_client, tenant) == NAMES[::-1]  # newest first
    assert every_page(files_client, tenant, sort="date", order="asc") == NAMES
    assert every_page(files_client, tenant, sort="status") == by_name  # all ready
    assert names(files_client, tenant, status="failed") == []
    assert len(names(files_client, tenant, status="ready")) == len(NAMES)


def test_bad_listing_input_gets_coded_400s(files_client: FilesClient) -> None:
    tenant, ids = tenant_with_files(files_client)
    name_cursor = files_client.get(tenant, "/api/files", sort="name", limit=1).json()["nextCursor"]
    cases: list[tuple[dict[str, Any], str]] = [
        ({"sort": "size"}, "invalid_file_sort"),
        ({"sort": "name", "order": "up"}, "invalid_file_sort"),
        ({"status": "done"}, "invalid_file_status"),
        ({"q": "x" * 201}, "file_query_too_long"),
        ({"fileId": [ids["b.txt"]] * 101}, "too_many_file_ids"),
        # A cursor of one order is no cursor of another.
        ({"cursor": name_cursor}, "invalid_cursor"),
        ({"cursor": name_cursor, "sort": "status"}, "invalid_cursor"),
    ]
    for params, code in cases:
        response = files_client.get(tenant, "/api/files", **params)
        assert response.status_code == 400, (params, response.text)
        assert response.json()["code"] == code, params
    # Another tenant's cursor is refused too.
    other = files_client.get("other-tenant", "/api/files", cursor=name_cursor, sort="name")
    assert other.status_code == 400
    assert other.json()["code"] == "invalid_cursor"
    # All punctuation, or blank: an empty page or everything, never an error.
    assert files_client.get(tenant, "/api/files", q="!!!").json()["files"] == []
    assert len(names(files_client, tenant, q="   ")) == len(NAMES)


def test_refresh_by_id_answers_the_rows_asked_for(files_client: FilesClient) -> None:
    tenant, ids = tenant_with_files(files_client)
    asked = [ids["b.txt"], ids["Pricing 2024.md"]]
    refreshed = files_client.get(tenant, "/api/files", fileId=asked).json()["files"]
    assert sorted(f["id"] for f in refreshed) == sorted(asked)
    # Another tenant asking for them gets nothing.
    assert files_client.get("other-tenant", "/api/files", fileId=asked).json()["files"] == []


def test_a_new_version_shares_its_document_row(files_client: FilesClient) -> None:
    tenant = f"ver-{secrets.token_hex(4)}"
    first = files_client.upload(tenant, "Deck.txt", b"The first deck.").json()["id"]
    files_client.settle()
    second = files_client.client.post(
        f"/api/upload-file?replaces={first}",
        files={"file": ("Deck.txt", b"The second deck.", "text/plain")},
        headers=files_client.headers(tenant),
    )
    assert second.status_code == 201, second.text
    # Whether it is still being processed or ready: one row, the new version's.
    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert [f["id"] for f in listed] == [second.json()["id"]]
    files_client.settle()
    listed = files_client.get(tenant, "/api/files", q="deck").json()["files"]
    assert [f["id"] for f in listed] == [second.json()["id"]]
    assert [v["id"] for v in listed[0]["versions"]] == [second.json()["id"], first]


def test_rights_shown_are_the_rights_enforced(governance: Governance) -> None:
    tenant = f"can-{secrets.token_hex(4)}"
    author, colleague = governance.person(tenant), governance.person(tenant)
    admin = governance.person(tenant, admin=True)
    file_id = governance.upload(author, "Battlecard.txt").json()["id"]
    governance.files.settle()

    for person, allowed in ((author, True), (colleague, False), (admin, True)):
        listed = governance.call(person, "GET", "/api/files").json()["files"]
        (row,) = [f for f in listed if f["id"] == file_id]
        assert row["can"] == {
            "delete": allowed,
            "newVersion": allowed,
            "restore": allowed,
            "manage": allowed,
        }
        # The uploader is named by the tenant's user directory.
        assert row["uploadedByEmail"].endswith(f"@{tenant}.example")
        detail = governance.call(person, "GET", f"/api/files/{file_id}").json()
        assert detail["can"] == row["can"]

    # What the listing says is what the routes do.
    refused = governance.call(colleague, "DELETE", f"/api/files/{file_id}")
    assert refused.status_code == 403
    replaced = governance.files.client.post(
        f"/api/upload-file?replaces={file_id}",
        files={"file": ("Battlecard.txt", b"Newer.", "text/plain")},
        headers=governance.headers(colleague),
    )
    assert replaced.status_code == 403
    assert governance.call(author, "DELETE", f"/api/files/{file_id}").status_code == 204


def test_upload_limits_come_from_the_sniffing_list(files_client: FilesClient) -> None:
    response = files_client.get("limits", "/api/files/upload-limits")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["maxBytes"] == LIMIT
    assert {t["kind"] for t in body["types"]} == {k.value for k in FileKind}
    extensions = {e for t in body["types"] for e in t["extensions"]}
    assert {".pptx", ".xlsx", ".docx", ".pdf", ".png"} <= extensions
    assert set(ACCEPTED) == set(FileKind)


def test_a_refused_direct_upload_leaves_no_record(
    files_client: FilesClient, governance: Governance
) -> None:
    tenant = f"big-{secrets.token_hex(4)}"
    refused = files_client.post(
        tenant, "/api/files/uploads", json={"name": "huge.pdf", "size": LIMIT + 1}
    )
    assert refused.status_code == 413
    assert refused.json()["code"] == "file_too_large"
    assert governance.raw_partition(tenant) == []

    # A grant whose upload to storage then fails is abandoned with DELETE: nothing stays.
    grant = files_client.post(tenant, "/api/files/uploads", json={"name": "a.pdf", "size": 10})
    assert grant.status_code == 201, grant.text
    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert [f["awaitingUpload"] for f in listed] == [True]
    abandoned = files_client.delete(tenant, f"/api/files/{grant.json()['id']}")
    assert abandoned.status_code == 204
    assert files_client.get(tenant, "/api/files").json()["files"] == []
    assert governance.raw_partition(tenant) == []


def record(
    file_id: str,
    status: FileStatus,
    awaiting: bool = False,
    created_at: str = "2026-12-06T10:00:00Z",
) -> ListedRow:
    return ListedRow(
        FileRecord(
            id=file_id,
            name=file_id,
            status=status,
            object_key="k",
            created_at=created_at,
            awaiting_upload=awaiting,
        )
    )


def test_batch_progress_counts_the_uploads_since_the_oldest_in_progress() -> None:
    ready, done, failed = FileStatus.READY, FileStatus.READY, FileStatus.FAILED
    assert batch_progress([record("01", ready)]) is None
    rows = [
        record("01", ready, created_at="2026-12-06T09:00:00Z"),  # an hour before the batch
        record("02", FileStatus.PROCESSING),
        record("03", done),
        record("04", failed),
        record("05", FileStatus.PENDING),
        record("06", FileStatus.PENDING, awaiting=True),  # its bytes never arrived
    ]
    assert batch_progress(rows) == BatchProgress(processed=2, total=4)


def test_batch_progress_only_grows_while_the_batch_finishes_out_of_order() -> None:
    # 40 files uploaded a second apart; workers finish them in any order. The batch is the
    # run of uploads around the oldest file still waiting: it must not shrink (and its count
    # go back, "2 of 39" then "1 of 32") as the files at its start are done.
    def batch(done: set[int]) -> list[ListedRow]:
        return [
            record(
                f"{n:02d}",
                FileStatus.READY if n in done else FileStatus.PENDING,
                created_at=f"2026-12-06T10:00:{n:02d}Z",
            )
            for n in range(40)
        ]

    seen = [
        batch(set()),
        batch({0, 1, 5}),
        batch(set(range(0, 10)) | {20}),
        batch(set(range(0, 39))),
    ]
    assert [batch_progress(rows) for rows in seen] == [
        BatchProgress(processed=0, total=40),
        BatchProgress(processed=3, total=40),
        BatchProgress(processed=11, total=40),
        BatchProgress(processed=39, total=40),
    ]
    assert batch_progress(batch(set(range(40)))) is None
