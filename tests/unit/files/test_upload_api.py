"""POST /api/upload-file: the happy path and every bad input of the issue. "Nothing partial"
is checked in storage itself: no object, no open multipart upload, no metadata item."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from engageiq.local.aws import LocalResources
from engageiq_files.config import MIB
from tests.unit.files.conftest import LIMIT
from tests.unit.files.support import FilesClient, docx_bytes, pdf_bytes, zip_bomb_docx

BOUNDARY = "engageiqtestboundary"


def objects(s3: Any, resources: LocalResources, prefix: str = "tenants/") -> list[str]:
    listing = s3.list_objects_v2(Bucket=resources.buckets["uploads"], Prefix=prefix)
    return [o["Key"] for o in listing.get("Contents", [])]


def open_uploads(s3: Any, resources: LocalResources) -> list[dict[str, Any]]:
    uploads: list[dict[str, Any]] = s3.list_multipart_uploads(
        Bucket=resources.buckets["uploads"]
    ).get("Uploads", [])
    return uploads


def file_items(dynamodb: Any, resources: LocalResources) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = dynamodb.scan(TableName=resources.tables["files"])["Items"]
    return [i for i in items if i["sk"]["S"].startswith("FILE#")]


def assert_nothing_stored(s3: Any, dynamodb: Any, resources: LocalResources) -> None:
    assert objects(s3, resources) == []
    assert open_uploads(s3, resources) == []
    assert file_items(dynamodb, resources) == []


def multipart_body(name: str, content: bytes, *, close: bool = True) -> bytes:
    head = (
        f"--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode() if close else b""
    return head + content + tail


def raw_upload(files: FilesClient, body: Any, headers: dict[str, str] | None = None) -> Any:
    return files.client.post(
        "/api/upload-file",
        content=body,
        headers={
            **files.headers("acme"),
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
            **(headers or {}),
        },
    )


def test_upload_answers_201_and_stores_under_the_tenant_prefix(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    response = files_client.upload("acme", "Pricing 2026.txt", b"Enterprise is 40 per seat.")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "name", "size", "contentType", "status"}
    assert body["name"] == "Pricing 2026.txt"
    assert body["size"] == len(b"Enterprise is 40 per seat.")
    assert body["contentType"] == "text/plain"
    assert body["status"] == "pending"
    assert objects(s3, local_resources) == [f"tenants/acme/files/{body['id']}"]
    files_client.settle()
    ready = files_client.file("acme", body["id"])
    assert ready["status"] == "ready"
    assert ready["chunkCount"] == 1


def test_a_multi_part_upload_round_trips_byte_for_byte(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    content = os.urandom(11 * MIB).hex().encode()[: 11 * MIB]  # text, three 5 MiB parts
    response = files_client.upload("acme", "big.txt", content)
    assert response.status_code == 201, response.text
    key = f"tenants/acme/files/{response.json()['id']}"
    stored = s3.get_object(Bucket=local_resources.buckets["uploads"], Key=key)["Body"].read()
    assert stored == content
    assert open_uploads(s3, local_resources) == []


def test_empty_file_is_refused_and_nothing_is_stored(
    files_client: FilesClient, s3: Any, dynamodb: Any, local_resources: LocalResources
) -> None:
    response = files_client.upload("acme", "empty.txt", b"")
    assert response.status_code == 400
    assert response.json()["code"] == "empty_file"
    assert_nothing_stored(s3, dynamodb, local_resources)


def test_oversize_declared_length_is_refused_before_reading(
    files_client: FilesClient, s3: Any, dynamodb: Any, local_resources: LocalResources
) -> None:
    response = files_client.upload("acme", "huge.txt", b"a" * (LIMIT + 1))
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "file_too_large"
    assert set(body) == {"code", "message", "requestId"}
    assert_nothing_stored(s3, dynamodb, local_resources)


def test_oversize_streamed_body_aborts_the_multipart_upload(
    files_client: FilesClient, s3: Any, dynamodb: Any, local_resources: LocalResources
) -> None:
    """No Content-Length (chunked): the running count stops it after parts were sent."""
    data = multipart_body("huge.txt", b"a" * (LIMIT + MIB))

    def chunked() -> Iterator[bytes]:
        for start in range(0, len(data), 256 * 1024):
            yield data[start : start + 256 * 1024]

    response = raw_upload(files_client, chunked())
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert_nothing_stored(s3, dynamodb, local_resources)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        # An executable named as an image (images themselves are OCRed, decision 0104).
        ("screenshot.png", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 100),
        ("photo.txt", b"BM6\x00\x0c\x00\x00\x00\x00\x006\x00" + b"\x00" * 100),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100),
        ("sheet.docx", b"PK\x03\x04\x14\x00\x00\x00\x08\x00xl/workbook.xml" + b"\x00" * 50),
    ],
)
def test_disallowed_content_is_refused_whatever_the_name(
    files_client: FilesClient,
    s3: Any,
    dynamodb: Any,
    local_resources: LocalResources,
    name: str,
    content: bytes,
) -> None:
    response = files_client.upload("acme", name, content, "text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert_nothing_stored(s3, dynamodb, local_resources)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (multipart_body("a.txt", b"no closing boundary", close=False), None),
        (b"this is not multipart at all", None),
        (b"--" + BOUNDARY.encode() + b"\r\nbroken-header-line\r\n\r\nx", None),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n'
            f"--{BOUNDARY}--\r\n".encode(),
            None,
        ),
        (
            multipart_body("a.txt", b"x", close=False) + b"\r\n" + multipart_body("b.txt", b"y"),
            None,
        ),
        (multipart_body("a.txt", b"x"), "application/json"),
        (multipart_body("a.txt", b"x"), "multipart/form-data"),
        # Over the parser's own limits (ParserLimitReached, not a ParserError): a 500 until
        # the new-user review of issue 15.
        (multipart_body("a" * 5000 + ".txt", b"x"), None),
        (
            f"--{BOUNDARY}\r\n".encode()
            + b"X-H: v\r\n" * 200
            + b'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nx\r\n'
            + f"--{BOUNDARY}--\r\n".encode(),
            None,
        ),
    ],
    ids=[
        "unterminated",
        "not-multipart",
        "bad-header",
        "no-file",
        "two-files",
        "json",
        "no-boundary",
        "part-header-too-long",
        "too-many-part-headers",
    ],
)
def test_malformed_multipart_is_refused_and_nothing_is_stored(
    files_client: FilesClient,
    s3: Any,
    dynamodb: Any,
    local_resources: LocalResources,
    body: bytes,
    content_type: str | None,
) -> None:
    headers = {"Content-Type": content_type} if content_type else None
    response = raw_upload(files_client, body, headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_upload"
    assert_nothing_stored(s3, dynamodb, local_resources)


def test_a_storage_failure_mid_upload_aborts_and_leaves_no_metadata(
    files_client: FilesClient, s3: Any, dynamodb: Any, local_resources: LocalResources
) -> None:
    runtime = files_client.client.app.state["files_runtime"]
    real = runtime.store.s3_for(None)  # locally every tenant shares the service's client

    class FailingSecondPart:
        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

        def upload_part(self, **kwargs: Any) -> Any:
            if kwargs["PartNumber"] >= 2:
                raise RuntimeError("S3 went away")
            return real.upload_part(**kwargs)

    runtime.store.s3_for = lambda tenant: FailingSecondPart()
    try:
        response = files_client.upload("acme", "big.txt", b"x" * (11 * MIB))
    finally:
        del runtime.store.s3_for
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert_nothing_stored(s3, dynamodb, local_resources)


def test_names_with_traversal_and_control_characters_are_cleaned(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    # Sent raw: HTTP clients would percent-encode the control character themselves.
    body = multipart_body("../../../etc/pass\x07wd\u202e.txt", b"text")
    response = raw_upload(files_client, body)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["name"] == "passwd.txt"
    # The key is the file id under the tenant's prefix, whatever the name said.
    assert objects(s3, local_resources) == [f"tenants/acme/files/{body['id']}"]


def test_the_same_name_twice_keeps_both_files(files_client: FilesClient) -> None:
    first = files_client.upload("acme", "playbook.md", b"# One\nfirst version")
    second = files_client.upload("acme", "playbook.md", b"# One\nsecond version")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    listed = files_client.get("acme", "/api/files").json()["files"]
    assert [f["name"] for f in listed] == ["playbook.md", "playbook.md"]


@pytest.mark.parametrize(
    ("name", "content", "reason_code"),
    [
        ("scan.pdf", b"%PDF-1.7\n" + b"\x00garbage" * 200, "corrupt_pdf"),
        ("locked.pdf", pdf_bytes(["secret"], password="pw"), "encrypted_pdf"),
        ("bomb.docx", zip_bomb_docx(30 * MIB), "docx_too_large"),
    ],
)
def test_bad_documents_fail_with_a_reason_and_the_service_stays_up(
    files_client: FilesClient, name: str, content: bytes, reason_code: str
) -> None:
    response = files_client.upload("acme", name, content, "application/octet-stream")
    assert response.status_code == 201, response.text
    files_client.settle()
    failed = files_client.file("acme", response.json()["id"])
    assert failed["status"] == "failed"
    assert failed["reasonCode"] == reason_code
    assert failed["reason"]
    assert files_client.search("acme", "secret") == []
    # The service still ingests the next file.
    fine = files_client.upload("acme", "fine.txt", b"onboarding checklist")
    files_client.settle()
    assert files_client.file("acme", fine.json()["id"])["status"] == "ready"


def test_documents_of_each_kind_become_searchable_with_locations(
    files_client: FilesClient,
) -> None:
    uploads = {
        "deck.pdf": pdf_bytes(["intro", "Zebra pricing for enterprise"]),
        "guide.docx": docx_bytes(
            [("Objections", "Heading 1"), ("Handle giraffe objections", None)]
        ),
        "faq.html": b"<html><body><h2>Renewals</h2><p>Koala renewals are yearly</p></body></html>",
        "notes.md": b"# Discovery\nAsk about the walrus budget",
        "prices.csv": b"product,price\nnarwhal,40\n",
    }
    for name, content in uploads.items():
        assert files_client.upload("acme", name, content).status_code == 201
    files_client.settle()
    expected = {
        "zebra": ("deck.pdf", "page 2"),
        "giraffe": ("guide.docx", "Objections"),
        "koala": ("faq.html", "Renewals"),
        "walrus": ("notes.md", "Discovery"),
        "narwhal": ("prices.csv", "rows 2-2"),
    }
    for word, (name, location) in expected.items():
        hits = files_client.search("acme", word)
        assert [(h["fileName"], h["location"]) for h in hits] == [(name, location)], word
