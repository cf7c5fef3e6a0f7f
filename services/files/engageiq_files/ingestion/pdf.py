"""PDF text with pypdf, page by page. A page pypdf cannot read is skipped and named in a
`pages_skipped` warning; pages beyond the page cap give a `truncated` warning; pages without
any text (scans, images) give `pages_without_text`. Only a PDF with no readable page fails."""

from __future__ import annotations

from collections.abc import Iterator

from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

from engageiq_files.ingestion.sections import IngestWarning, ParseFailure, ParseLimits, Section


def page_list(numbers: list[int], shown: int = 10) -> str:
    """ "3, 7 and 9" or "3, 7, 9, ... (12 pages)": page numbers for a warning."""
    if len(numbers) == 1:
        return str(numbers[0])
    if len(numbers) <= shown:
        return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
    return ", ".join(map(str, numbers[:shown])) + f", ... ({len(numbers)} pages)"


def parse_pdf(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseFailure("encrypted_pdf", "The PDF is password-protected.")
        pages = reader.pages
        count = len(pages)
    except FileNotDecryptedError:
        raise ParseFailure("encrypted_pdf", "The PDF is password-protected.") from None
    except ParseFailure:
        raise
    except Exception:
        # pypdf raises many types on a broken file structure; none is shown to users.
        raise ParseFailure(
            "corrupt_pdf", "The PDF's structure is damaged; no page could be read."
        ) from None
    skipped: list[int] = []
    empty: list[int] = []
    read = 0
    for number in range(1, min(count, limits.max_pages) + 1):
        try:
            text = pages[number - 1].extract_text()
        except (PdfReadError, PyPdfError, Exception):
            # One broken content stream (or font, or image) must not sink the other pages.
            skipped.append(number)
            continue
        read += 1
        if not text.strip():
            empty.append(number)
        yield Section(f"page {number}", text)
    if read == 0 and count > 0:
        raise ParseFailure("corrupt_pdf", "No page of the PDF could be read.")
    if skipped:
        yield IngestWarning(
            "pages_skipped",
            f"Page {page_list(skipped)} could not be read and "
            f"{'is' if len(skipped) == 1 else 'are'} not searchable.",
        )
    if empty and len(empty) < read:
        yield IngestWarning(
            "pages_without_text",
            f"Page {page_list(empty)} has no text layer (a scan or an image); "
            "its content is not searchable.",
        )
    if count > limits.max_pages:
        yield IngestWarning(
            "truncated",
            f"Only the first {limits.max_pages} of {count} pages were indexed; "
            f"pages {limits.max_pages + 1}-{count} are not searchable.",
        )
