"""A files-service client for tests: the app in process, tokens for any tenant."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from litestar.testing import TestClient

from tests.support.tokens import TokenFactory


@dataclass
class FilesClient:
    client: TestClient[Any]
    factory: TokenFactory

    def headers(self, tenant: str) -> dict[str, str]:
        # One sign-in per tenant's user, as a browser's tokens share it (decision 0119).
        claims = self.factory.claims(tenant, sub=f"user-{tenant}", origin_jti=f"s-{tenant}")
        return {"Authorization": f"Bearer {self.factory.mint(claims)}"}

    def upload(
        self, tenant: str, name: str, content: bytes, content_type: str = "text/plain"
    ) -> httpx.Response:
        return self.client.post(
            "/api/upload-file",
            files={"file": (name, content, content_type)},
            headers=self.headers(tenant),
        )

    def get(self, tenant: str, path: str, **params: Any) -> httpx.Response:
        return self.client.get(path, params=params, headers=self.headers(tenant))

    def delete(self, tenant: str, path: str) -> httpx.Response:
        return self.client.delete(path, headers=self.headers(tenant))

    def post(self, tenant: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, headers=self.headers(tenant), **kwargs)

    def file(self, tenant: str, file_id: str) -> dict[str, Any]:
        response = self.get(tenant, f"/api/files/{file_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def settle(self) -> None:
        """Wait until the ingestion queue holds no job, waiting or in progress."""
        portal = self.client.blocking_portal
        assert portal is not None
        runtime = self.client.app.state["files_runtime"]
        portal.call(runtime.drained)

    def ingest(
        self, tenant: str, name: str, content: bytes, content_type: str = "text/plain"
    ) -> dict[str, Any]:
        """Upload `content`, wait until ingestion settles, and return the file's record
        (`ready` or `failed`)."""
        response = self.upload(tenant, name, content, content_type)
        assert response.status_code == 201, response.text
        self.settle()
        return self.file(tenant, response.json()["id"])

    def search(self, tenant: str, query: str, limit: int = 5) -> list[dict[str, Any]]:
        response = self.get(tenant, "/api/files/search", q=query, limit=limit)
        assert response.status_code == 200, response.text
        results: list[dict[str, Any]] = response.json()["results"]
        return results


def wait_for(predicate: Callable[[], bool], attempts: int = 600) -> None:
    """Poll a condition (never a timed assertion: the bound only stops a hung test)."""
    for _ in range(attempts):
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition never became true")


def docx_bytes(paragraphs: list[tuple[str, str | None]]) -> bytes:
    import docx

    document = docx.Document()
    for text, style in paragraphs:
        if style and style.startswith("Heading"):
            document.add_heading(text, level=int(style.rsplit(" ", 1)[1]))
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(expanded_bytes: int) -> bytes:
    """A small archive that looks like a DOCX and expands to `expanded_bytes`."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>" + b" " * expanded_bytes)
    return out.getvalue()


def pdf_bytes(pages: list[str], password: str | None = None) -> bytes:
    """A real PDF with one text line per page (pypdf writes it; no binary fixtures)."""
    from pypdf import PdfWriter
    from pypdf.generic import (
        DecodedStreamObject,
        DictionaryObject,
        NameObject,
    )

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for text in pages:
        page = writer.add_blank_page(width=612, height=792)
        stream = DecodedStreamObject()
        safe = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream.set_data(f"BT /F1 12 Tf 72 720 Td ({safe}) Tj ET".encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
