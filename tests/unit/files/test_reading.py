"""GET /api/files/{id}/content and /passages: what a citation opens. The file is served with
its sniffed type, inline only when a browser cannot run it (PDF, PNG, JPEG), always with
nosniff and a sandbox policy, and only to the file's own tenant; its text comes back whole
at the cited location."""

from __future__ import annotations

import msgspec
import pytest

from engageiq_files.ingestion.chunking import chunk_sections
from engageiq_files.ingestion.sections import Section
from engageiq_files.reading.inline import is_inline_safe, served_file_headers
from engageiq_files.reading.passages import sections_of
from tests.unit.files.support import FilesClient, pdf_bytes


def test_a_pdf_is_served_inline_with_its_type_and_the_safety_headers(
    files_client: FilesClient,
) -> None:
    content = pdf_bytes(["Intro", "The Pro plan costs 30 EUR."])
    record = files_client.ingest("acme", "case study.pdf", content, "application/pdf")
    response = files_client.get("acme", f"/api/files/{record['id']}/content")
    assert response.status_code == 200, response.text
    assert response.content == content
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith('inline; filename="case study.pdf"')
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-security-policy"].startswith("sandbox;")
    assert response.headers["cache-control"] == "private, no-store"
    assert response.headers["content-length"] == str(len(content))

    asked = files_client.get("acme", f"/api/files/{record['id']}/content", disposition="attachment")
    assert asked.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.html", b"<!doctype html><html><body><script>alert(1)</script>Hi</body></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("notes.txt", b"<html><script>alert(1)</script></html> plain notes"),
    ],
)
def test_active_content_is_never_inline(
    files_client: FilesClient, name: str, content: bytes
) -> None:
    # The browser is told to download it, not to guess its type, and to run nothing of it.
    upload = files_client.upload("acme", name, content, "text/html")
    assert upload.status_code == 201, upload.text
    response = files_client.get("acme", f"/api/files/{upload.json()['id']}/content")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["content-type"].split(";")[0] in {"text/html", "text/plain"}
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]


def test_another_tenants_file_is_not_found_for_content_and_passages(
    files_client: FilesClient,
) -> None:
    record = files_client.ingest("acme", "secret.md", b"# Secret\nThe margin is 61%.")
    for path in (f"/api/files/{record['id']}/content", f"/api/files/{record['id']}/passages"):
        other = files_client.get("globex", path)
        assert (other.status_code, other.json()["code"]) == (404, "file_not_found")
        missing = files_client.get("acme", path.replace(record["id"], "0" * 27))
        assert (missing.status_code, missing.json()["code"]) == (404, "file_not_found")
    unauthenticated = files_client.client.get(f"/api/files/{record['id']}/content")
    assert unauthenticated.status_code == 401


def test_passages_give_the_cited_location_whole(files_client: FilesClient) -> None:
    record = files_client.ingest(
        "acme", "deck.pdf", pdf_bytes(["Welcome", "Pricing: Pro costs 30 EUR per seat."]),
        "application/pdf",
    )  # fmt: skip
    body = files_client.get("acme", f"/api/files/{record['id']}/passages", at="page 2").json()
    assert body["location"] == "page 2"
    assert body["contentType"] == "application/pdf"
    assert [s["location"] for s in body["sections"]] == ["page 2"]
    assert "Pro costs 30 EUR" in body["sections"][0]["text"]
    nowhere = files_client.get("acme", f"/api/files/{record['id']}/passages", at="page 9").json()
    assert nowhere["sections"] == []
    start = files_client.get("acme", f"/api/files/{record['id']}/passages").json()
    assert [s["location"] for s in start["sections"]] == ["page 1", "page 2"]


def test_overlapping_chunks_join_back_into_the_section_text() -> None:
    sentences = [f"Sentence number {i} says something about pricing." for i in range(120)]
    text = " ".join(sentences)
    chunks = chunk_sections([Section("Pricing", text), Section("Terms", "Net 30.")])
    assert sum(c.location == "Pricing" for c in chunks) > 3  # really several, overlapping
    sections = sections_of(msgspec.json.encode(chunks), "Pricing")
    assert len(sections) == 1
    assert sections[0].text == text


def test_lines_cut_at_a_line_break_join_with_it() -> None:
    text = "\n".join(f"Plan {i}: {i * 10} EUR per seat and month" for i in range(80))
    chunks = chunk_sections([Section("rows 2-81", text)])
    assert len(chunks) > 2
    assert sections_of(msgspec.json.encode(chunks), "rows 2-81")[0].text == text


def test_only_pdf_and_raster_images_are_inline() -> None:
    assert is_inline_safe("application/pdf")
    for shown in ("image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp", "image/avif"):
        assert is_inline_safe(shown)
        assert served_file_headers("x", shown, inline=True)["Content-Disposition"].startswith(
            "inline;"
        )
    for unsafe in ("text/html", "image/svg+xml", "text/plain", "image/tiff", "application/xml"):
        assert not is_inline_safe(unsafe)
        headers = served_file_headers("x", unsafe, inline=True)
        assert headers["Content-Disposition"].startswith("attachment;")


def test_the_document_describes_the_served_bytes(files_client: FilesClient) -> None:
    document = files_client.client.get("/api/files/docs/openapi.json").json()
    content = document["paths"]["/api/files/{file_id}/content"]["get"]
    assert content["responses"]["200"]["content"]["*/*"]["schema"]["format"] == "binary"
    passages = document["paths"]["/api/files/{file_id}/passages"]["get"]
    assert (
        "SourcePassages"
        in passages["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    )
