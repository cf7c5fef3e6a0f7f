"""PDF text with pypdf, page by page. A page pypdf cannot read is skipped and named in a
`pages_skipped` warning; pages beyond the page cap give a `truncated` warning. A page without
a text layer (or with almost none: a scan, an image, or a scan with a stamp) is rendered with
PDFium and OCRed
(`ocr.py`, at most `max_ocr_pages` of them, `ocr_used`); one still without text gives
`pages_without_text`. Only a PDF with no readable page fails."""

from __future__ import annotations

import io
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import pypdfium2
from PIL import Image
from pypdf import PageObject, PdfReader
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

from engageiq_files.ingestion import pdf_annotations, pdf_repair, pdf_text
from engageiq_files.ingestion.ocr import OcrPages
from engageiq_files.ingestion.sections import (
    IngestWarning,
    ParseFailure,
    ParseLimits,
    Section,
    page_list,
)

MIN_TEXT_LAYER_CHARS: Final = 20
"""A page whose text layer has fewer non-space characters than this (none, or a page number
stamped on a scan) is OCRed."""
STAMP_CHARS: Final = 100
"""A page whose text layer has fewer non-space characters than this, drawn over an image that
covers most of the page, is a scan with a stamp (a copier's footer, "Scanned with
CamScanner"): it is OCRed too, and its text layer kept before the OCR text."""
SCAN_COVERAGE: Final = 0.5
"""Share of the page its images must cover together for the page to count as a scan. Together,
not one: scanners and PDF writers store a page as bands of a few hundred rows each, and a
stamped scan in 4 or 8 bands was indexed as its stamp alone, without a warning."""
OCR_DPI: Final = 300
"""Rendering resolution of a page for OCR: Tesseract reads best at about 300 dpi."""
IMAGE_PIXELS_FACTOR: Final = 2
"""A page is rendered only when no image on it holds more than this many times
`max_image_pixels`: PDFium decodes an image whole, whatever size it is drawn at. A 600 dpi
A3 scan (70 MP) is read; a page image declaring 50,000 x 50,000 1-bit pixels (400 KB
compressed) took PDFium 12 s and 300 MB to render, and a file can hold many."""
INVISIBLE_TEXT: Final = (
    pypdfium2.raw.FPDF_TEXTRENDERMODE_INVISIBLE,
    pypdfium2.raw.FPDF_TEXTRENDERMODE_CLIP,
)
"""Text render modes that draw nothing (ISO 32000-1, 9.3.6: modes 3 and 7): the text layer
that OCR programs (Tesseract's PDF output, OCRmyPDF, scanners' "searchable PDF") lay under
a scan."""
MAX_FORM_DEPTH: Final = 16
"""Forms inside forms looked into for a page's images."""
MAX_TEXT_OBJECTS: Final = 10_000
"""Text objects of one page looked at, at most, for an invisible one."""


class _ScannedPages:
    """OCR of the pages of one PDF that have (almost) no text layer: each is rendered with
    PDFium, opened on first use (most PDFs never need it), and read by Tesseract."""

    def __init__(
        self, path: Source, limits: ParseLimits, document: pypdfium2.PdfDocument | None = None
    ) -> None:
        self._path = path
        self._limits = limits
        # A PDF read with PDFium from the start hands its open document over: opened once.
        self._document: pypdfium2.PdfDocument | None = document
        self._broken = False
        self.tried = 0
        self.ocr = OcrPages()
        self.unreadable: list[int] = []
        """Pages whose text layer is not text (`pdf_text.unreadable`)."""
        self.too_large: list[tuple[int, tuple[int, int]]] = []
        """Pages not rendered, each with the size (width, height) of the image too large to
        decode (`IMAGE_PIXELS_FACTOR`)."""

    def text_of(self, number: int, page: PageObject, text: str) -> str:
        """The text of page `number`: its text layer `text`; or the OCR text when the page
        has no text layer, or almost none beside an image (a scan with a stamped page
        number), and OCR reads more; or the layer followed by the OCR text when the layer
        is a stamp on a scan (`STAMP_CHARS`). A layer that is not text (`unreadable`: a
        font without a character map) is replaced by the OCR text, or by nothing, and the
        page is named in `unreadable`. OCR stops at the page cap and time budget."""
        if pdf_text.unreadable(text):
            self.unreadable.append(number)
            return self._ocr(number, stamp=False, check_scan=False, text="")
        visible = len("".join(text.split()))
        if not self._may_need_ocr(page, visible):
            return text
        stamp = visible >= MIN_TEXT_LAYER_CHARS
        return self._ocr(number, stamp=stamp, check_scan=stamp, text=text)

    def respaced(self, number: int) -> str | None:
        """The text of page `number` as PDFium reads it, its letter-spaced lines put back
        into words from the glyphs' positions (`pdf_text.words_from_boxes`); None when PDFium
        cannot read the page."""
        with self._pdfium_page(number - 1) as pdfium_page:
            if pdfium_page is None:
                return None
            try:
                textpage = pdfium_page.get_textpage()
            except pypdfium2.PdfiumError:
                return None
            try:
                text = textpage.get_text_range()
                lines: list[str] = []
                start = 0
                for line in text.split("\n"):
                    end = start + len(line) + 1
                    if pdf_text.letter_spaced(line) and not _drawn_spaces(textpage, start, line):
                        glyphs = [
                            (text[i], box[0], box[2])
                            for i in range(start, start + len(line))
                            if not text[i].isspace()
                            for box in (textpage.get_charbox(i),)
                        ]
                        lines.append(pdf_text.words_from_boxes(glyphs))
                    else:
                        lines.append(line.strip())
                    start = end
            finally:
                textpage.close()
        return _hyphens_restored("\n".join(line for line in lines if line))

    def ocr_only(self, number: int) -> str:
        """The OCR text of page `number` ("" when none), within the page cap and budget."""
        return self._ocr(number, stamp=False, check_scan=False, text="")

    def _ocr(self, number: int, *, stamp: bool, check_scan: bool, text: str) -> str:
        """Page `number` rendered and OCRed (see `text_of`), or `text` when that cannot be
        done or reads nothing; with `check_scan`, only a page that `_scanned` is OCRed."""
        if self.tried >= self._limits.max_ocr_pages or self.ocr.over_budget(self._limits):
            return text
        image = self._page_image(number, check_scan=check_scan, layer=bool(text.strip()))
        if image is None:
            return text
        self.tried += 1
        try:
            recognised = self.ocr.page(number, image, self._limits)
        except ParseFailure:
            # No Tesseract on this server: the PDF's text layer is still worth indexing, and
            # its scanned pages are named in `pages_without_text`.
            self._broken = True
            return text
        if not recognised.strip():
            return text
        return f"{text.strip()}\n{recognised}" if stamp else recognised

    def _page_image(self, number: int, *, check_scan: bool, layer: bool) -> Image.Image | None:
        """Page `number` rendered for OCR; None when PDFium cannot open or render it, when
        `check_scan` and it is not `_scanned`, when its text `layer` is drawn invisibly (an
        earlier recognition: read again, its words would count twice), or when an image on
        it is too large to decode (named in `too_large`)."""
        # One PDFium page serves the checks and the rendering.
        with self._pdfium_page(number - 1) as page:
            if page is None or (check_scan and not self._scanned(page)):
                return None
            if layer and _ocr_layer(page):
                return None
            largest = _largest_image(page)
            if largest[0] * largest[1] > IMAGE_PIXELS_FACTOR * self._limits.max_image_pixels:
                self.too_large.append((number, largest))
                return None
            started = time.monotonic()
            image = self._render(page)
            # Rendering is part of the page's OCR time: the budget bounds the whole file.
            self.ocr.seconds += time.monotonic() - started
            return image

    def _may_need_ocr(self, page: PageObject, visible: int) -> bool:
        """Whether a page whose text layer has `visible` non-space characters may be OCRed
        (see `text_of`; a stamp page only when `_scanned`)."""
        return visible < STAMP_CHARS and (not visible or _has_image(page))

    @contextmanager
    def _pdfium_page(self, index: int) -> Iterator[pypdfium2.PdfPage | None]:
        """Page `index` (0-based) opened with PDFium and closed after use; None when PDFium
        cannot open it or the document."""
        page = None
        if not self._broken:
            try:
                if self._document is None:
                    self._document = pypdfium2.PdfDocument(self._path)
                page = self._document[index]
            except pypdfium2.PdfiumError:
                self._broken = self._document is None
        try:
            yield page
        finally:
            if page is not None:
                page.close()

    @staticmethod
    def _scanned(page: pypdfium2.PdfPage) -> bool:
        """Whether the images on `page` cover at least `SCAN_COVERAGE` of it together."""
        try:
            width, height = page.get_size()
            area = max(width * height, 1.0)
            covered = 0.0
            for image in page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=3):
                left, bottom, right, top = image.get_bounds()
                shown = max(0.0, min(right, width) - max(left, 0.0)) * max(
                    0.0, min(top, height) - max(bottom, 0.0)
                )
                covered += shown
                if covered >= SCAN_COVERAGE * area:
                    return True
            return False
        except pypdfium2.PdfiumError:
            return False

    def _render(self, page: pypdfium2.PdfPage) -> Image.Image | None:
        """`page` in greyscale at OCR_DPI, scaled down to at most `max_image_pixels` (a huge
        page size must not become a huge bitmap); None when PDFium cannot render it."""
        try:
            width, height = page.get_size()
            area = max(width * height, 1.0)
            scale = min(OCR_DPI / 72, math.sqrt(self._limits.max_image_pixels / area))
            bitmap = page.render(scale=scale, grayscale=True)
            image: Image.Image = bitmap.to_pil()
            # Detach from PDFium's buffer before the bitmap is closed.
            return image.copy()
        except pypdfium2.PdfiumError:
            return None

    def too_large_pages(self) -> list[int]:
        return [number for number, _ in self.too_large]

    def close(self) -> None:
        if self._document is not None:
            self._document.close()


def _ocr_layer(page: pypdfium2.PdfPage) -> bool:
    """Whether `page` draws invisible text (`INVISIBLE_TEXT`): its text layer is an earlier
    recognition of its scan, kept as it is."""
    try:
        texts = page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_TEXT], max_depth=3)
        for seen, text in enumerate(texts):
            if seen >= MAX_TEXT_OBJECTS:
                return False
            if pypdfium2.raw.FPDFTextObj_GetTextRenderMode(text.raw) in INVISIBLE_TEXT:
                return True
    except pypdfium2.PdfiumError:
        pass
    return False


def _largest_image(page: pypdfium2.PdfPage) -> tuple[int, int]:
    """The (width, height) in pixels of the image on `page` holding the most pixels, as its
    dictionary declares them (nothing is decoded); (0, 0) when it has none."""
    largest = (0, 0)
    try:
        # Forms inside forms: a bomb five forms down was rendered when only three were
        # looked into. Bounded: a form can draw another many times over.
        found = page.get_objects(
            filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE], max_depth=MAX_FORM_DEPTH
        )
        for image in found:
            width, height = image.get_px_size()
            if width * height > largest[0] * largest[1]:
                largest = (width, height)
    except pypdfium2.PdfiumError:
        pass
    return largest


def _has_image(page: PageObject) -> bool:
    """Whether the page draws an image XObject (directly or from a form XObject it uses)."""
    try:
        seen = 0
        pending = [page.get("/Resources")]
        while pending and seen < 100:  # bounded: forms can nest, and a hostile file loops
            resources = pending.pop()
            resources = resources.get_object() if resources is not None else None
            xobjects = resources.get("/XObject") if resources is not None else None
            for ref in (xobjects.get_object() if xobjects is not None else {}).values():
                seen += 1
                xobject = ref.get_object()
                if xobject.get("/Subtype") == "/Image":
                    return True
                if xobject.get("/Subtype") == "/Form":
                    pending.append(xobject.get("/Resources"))
    except Exception:
        return False  # a broken resource dictionary: trust the text layer
    return False


Source = str | bytes
"""A PDF's path, or its bytes (a repaired copy of a PDF cut short)."""

INHERITED: Final = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
"""Page attributes a page takes from its ancestors in the page tree (ISO 32000-1, 7.7.3.4)."""
MAX_DECLARED_PAGES: Final = 10_000_000
"""A tree's /Count above this is not believed in a warning (a hostile file claims 2**31)."""
MAX_TREE_NODES: Final = 1_000_000
"""Page tree nodes visited at most, whatever the page cap: a tree of empty branches ends."""


def _open(path: Source, limit: int) -> tuple[list[PageObject], int]:
    """The first `limit` pages of the PDF at `path` (their content read lazily) and its page
    count (see `_first_pages`). Raises ParseFailure `encrypted_pdf` (a user password is
    needed; an owner password alone is not) or `corrupt_pdf`."""
    try:
        reader = PdfReader(io.BytesIO(path) if isinstance(path, bytes) else path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseFailure("encrypted_pdf", "The PDF is password-protected.")
        return _first_pages(reader, limit)
    except FileNotDecryptedError:
        raise ParseFailure("encrypted_pdf", "The PDF is password-protected.") from None
    except ParseFailure:
        raise
    except Exception:
        # pypdf raises many types on a broken file structure; none is shown to users.
        raise ParseFailure(
            "corrupt_pdf", "The PDF's structure is damaged; no page could be read."
        ) from None


def _first_pages(reader: PdfReader, limit: int) -> tuple[list[PageObject], int]:
    """The first `limit` pages of `reader`'s page tree, in order, and the page count.

    pypdf's `reader.pages` builds every page of the tree first (24 s for 100,000 empty
    pages here, past the parse timeout at a few hundred thousand) and refuses a tree with
    a cycle outright. This walk stops at `limit` pages or `MAX_TREE_NODES` nodes, skips a
    /Pages node already visited (a cycle; a page listed twice is read twice, as viewers
    show it) and gives each page the attributes it inherits. The count is the pages walked
    when the walk ended, else the tree's /Count when that is larger (it is not trusted to
    be exact), else one more than the pages walked. Raises PdfReadError when the tree
    declares pages and holds none."""
    root_ref = reader.root_object.raw_get("/Pages")
    root = root_ref.get_object()
    pages: list[PageObject] = []
    visited: set[tuple[int, int]] = set()  # /Pages nodes: a page listed twice is kept
    # Kids are resolved when their turn comes: a node can list 100,000 pages.
    pending: list[tuple[Any, dict[str, Any]]] = [(root_ref, {})]
    nodes = 0
    while pending and len(pages) < limit and nodes < MAX_TREE_NODES:
        kid, inherited = pending.pop()
        ref = kid if isinstance(kid, IndirectObject) else None
        node = kid.get_object()
        nodes += 1
        if not isinstance(node, DictionaryObject):
            continue
        kids = node.get("/Kids")
        if node.get("/Type") == "/Pages" or (node.get("/Type") is None and kids is not None):
            pending.extend(_kids(node, ref, inherited, visited))
            continue
        page = PageObject(reader, ref)
        page.update(node)
        for attribute, value in inherited.items():
            if attribute not in page:
                page[NameObject(attribute)] = value
        pages.append(page)
    declared = root.get("/Count")
    if not pages and isinstance(declared, int) and declared > 0:
        raise PdfReadError("a page tree without pages")
    count = len(pages)
    if pending and isinstance(declared, int) and declared > count:
        count = min(declared, MAX_DECLARED_PAGES)
    elif pending:
        count = len(pages) + 1  # more than the cap; how many more is unknown
    return pages, count


def parse_pdf(path: Source, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    """The sections and warnings of the PDF at `path` (or in `path`'s bytes: a repaired
    copy, `_parse_cut_short`)."""
    try:
        pages, count = _open(path, limits.max_pages)
    except ParseFailure as failure:
        if failure.code != "corrupt_pdf":
            raise
        yield from _parse_damaged(path, limits, failure)
        return
    skipped: list[int] = []
    empty: list[int] = []
    read = 0
    scans = _ScannedPages(path, limits)
    annotations = pdf_annotations.Budget()
    found = False
    try:
        for number, page in enumerate(pages, start=1):
            try:
                layer = _layer(page, number, scans)
            except (PdfReadError, PyPdfError, Exception):
                # One broken content stream (or font, or image) must not sink the other pages.
                skipped.append(number)
                continue
            read += 1
            if not layer.strip() and _blank(page):
                # Nothing drawn (a padding page of an export): nothing to OCR or to miss.
                yield Section(f"page {number}", "")
                continue
            text = pdf_text.searchable(scans.text_of(number, page, layer))
            notes = pdf_annotations.text_of(page, annotations)
            if notes:
                text = f"{text.rstrip()}\n{notes}" if text.strip() else notes
            found = found or bool(text.strip())
            if not text.strip() and number not in scans.unreadable + scans.too_large_pages():
                empty.append(number)
            yield Section(f"page {number}", text)
    finally:
        scans.close()
    if read == 0 and count > 0:
        raise ParseFailure("corrupt_pdf", "No page of the PDF could be read.")
    yield from _too_large(scans, found, limits)
    yield from scans.ocr.warnings()
    if scans.unreadable:
        yield _unreadable_warning(scans.unreadable, scans.ocr.read)
    yield from _page_warnings(skipped, empty, read, scans.ocr.empty, limits)
    if annotations.spent:
        yield IngestWarning(
            "annotations_truncated",
            "The PDF has more form fields and comments than are read in one file; "
            "those of the later pages are not searchable.",
        )
    if count > limits.max_pages:
        yield _truncated(count, limits)


def _too_large(scans: _ScannedPages, found: bool, limits: ParseLimits) -> Iterator[IngestWarning]:
    """A `pages_skipped` warning naming the pages whose image was too large to render; when
    no page has any text, the PDF fails `image_too_large` as such an image would."""
    if not scans.too_large:
        return
    bound = IMAGE_PIXELS_FACTOR * limits.max_image_pixels
    number, (width, height) = scans.too_large[0]
    if not found:
        raise ParseFailure(
            "image_too_large",
            f"The image on page {number} is {width:,} x {height:,} pixels; at most "
            f"{bound:,} pixels can be read.",
        )
    pages = scans.too_large_pages()
    yield IngestWarning(
        "pages_skipped",
        f"Page {page_list(pages)} holds an image of more than {bound:,} pixels, too large "
        f"to be read safely; {'it is' if len(pages) == 1 else 'they are'} not searchable.",
    )


def _parse_damaged(
    path: Source, limits: ParseLimits, failure: ParseFailure
) -> Iterator[Section | IngestWarning]:
    """A PDF pypdf cannot open: cut short (`_parse_cut_short`) or otherwise damaged
    (`_parse_with_pdfium`)."""
    if isinstance(path, str) and pdf_repair.cut_short(path):
        yield from _parse_cut_short(path, limits, failure)
    else:
        yield from _parse_with_pdfium(path, limits, failure)


def _parse_cut_short(
    path: str, limits: ParseLimits, failure: ParseFailure
) -> Iterator[Section | IngestWarning]:
    """A PDF whose end never arrived (no `%%EOF`), read from a copy given back the table
    and trailer it lost (`pdf_repair`), with a `truncated` warning; PDFium is tried on the
    file as it is first (a linearised file has its table at the start). Raises `failure`
    when neither reads it, or when no text arrived."""
    try:
        sections = list(_parse_with_pdfium(path, limits, failure))
    except ParseFailure as again:
        if again is not failure:
            raise
    else:
        yield from sections
        return
    # In memory, not in a file: a parse killed at its timeout would leave a copy of the
    # customer's document behind.
    repaired = pdf_repair.repaired(path)
    if repaired is None:
        raise failure
    pieces = list(parse_pdf(repaired, limits))
    del repaired
    if not any(isinstance(p, Section) and p.text.strip() for p in pieces):
        raise failure  # only the pages' outline arrived, none of their content
    yield from pieces
    yield IngestWarning(
        "truncated",
        "The PDF ends early (an upload or a copy that stopped); the pages that arrived "
        "were read, and what was cut off is not searchable.",
    )


def _truncated(count: int, limits: ParseLimits) -> IngestWarning:
    return IngestWarning(
        "truncated",
        f"Only the first {limits.max_pages} of {count} pages were indexed; "
        f"pages {limits.max_pages + 1}-{count} are not searchable.",
    )


def _parse_with_pdfium(
    path: Source, limits: ParseLimits, failure: ParseFailure
) -> Iterator[Section | IngestWarning]:
    """A PDF pypdf cannot open (an object stream inside itself, a damaged trailer), read
    with PDFium, which rebuilds a damaged file's structure as Acrobat does: each page's text
    layer, or its OCR text. Form fields and comments are not read. Raises `failure` when
    PDFium cannot open it either."""
    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError:
        raise failure from None
    scans = _ScannedPages(path, limits, document)  # closes it
    empty: list[int] = []
    found = False
    try:
        count = len(document)
        for number in range(1, min(count, limits.max_pages) + 1):
            layer, drawn = _pdfium_layer(document, number - 1)
            if not layer.strip() and not drawn:
                yield Section(f"page {number}", "")  # a blank page: nothing to OCR or miss
                continue
            if pdf_text.unreadable(layer):
                scans.unreadable.append(number)
                text = scans.ocr_only(number)
            elif not layer.strip():
                text = scans.ocr_only(number)
            else:
                text = layer
            text = pdf_text.searchable(text)
            found = found or bool(text.strip())
            if not text.strip() and number not in scans.unreadable + scans.too_large_pages():
                empty.append(number)
            yield Section(f"page {number}", text)
    finally:
        scans.close()
    if count == 0:
        raise failure
    yield from _too_large(scans, found, limits)
    yield IngestWarning(
        "structure_repaired",
        "The PDF's structure is damaged or unusually large; its text was read after "
        "repairing it, and its form fields and comments could not be read.",
    )
    yield from scans.ocr.warnings()
    if scans.unreadable:
        yield _unreadable_warning(scans.unreadable, scans.ocr.read)
    read = min(count, limits.max_pages)
    yield from _page_warnings([], empty, read, scans.ocr.empty, limits)
    if count > limits.max_pages:
        yield _truncated(count, limits)


def _pdfium_layer(document: pypdfium2.PdfDocument, index: int) -> tuple[str, bool]:
    """The text layer of page `index` (0-based) as PDFium reads it, and whether the page
    draws anything at all; ("", True) when PDFium cannot read the page (it may be a scan)."""
    try:
        page = document[index]
    except pypdfium2.PdfiumError:
        return "", True
    try:
        drawn = pypdfium2.raw.FPDFPage_CountObjects(page) > 0
        textpage = page.get_textpage()
        try:
            return _hyphens_restored(textpage.get_text_range().replace("\r\n", "\n")), drawn
        finally:
            textpage.close()
    except pypdfium2.PdfiumError:
        return "", True
    finally:
        page.close()


def _drawn_spaces(textpage: pypdfium2.PdfTextPage, start: int, line: str) -> bool:
    """Whether the spaces of `line` (PDFium's characters from index `start`) are drawn in
    the page's content, not put in by PDFium for a gap: a line whose author typed its spaces
    ("1 2 3 4 5", a row of grades "A B C D E") is read as written. Only a line whose gaps
    PDFium alone saw is letter-spaced; read from its glyph boxes, "1 2 3 4 5" with a real
    space between each became "12345"."""
    return any(
        char == " " and pypdfium2.raw.FPDFText_IsGenerated(textpage.raw, start + offset) == 0
        for offset, char in enumerate(line)
    )


def _hyphens_restored(text: str) -> str:
    """PDFium's text with each line-end hyphen it marked (U+FFFE, the line break taken out)
    put back as a hyphen and a line break, for `pdf_text.searchable` to judge: PDFium gave
    "e\ufffemail" and "https://example.com/a\ufffeb", neither findable, and U+FFFE, a
    noncharacter, counted against the page in `pdf_text.unreadable`."""
    return text.replace("\ufffe", "-\n")


def _kids(
    node: DictionaryObject, ref: Any, inherited: dict[str, Any], visited: set[tuple[int, int]]
) -> list[tuple[Any, dict[str, Any]]]:
    """The kids of page tree node `node` (reached by `ref`), last first, each with the
    attributes it inherits; none when `node` was `visited` already (a cycle)."""
    if ref is not None:
        if (ref.idnum, ref.generation) in visited:
            return []
        visited.add((ref.idnum, ref.generation))
    inherit = dict(inherited)
    inherit.update({a: node[a] for a in INHERITED if a in node})
    kids = node["/Kids"].get_object() if "/Kids" in node else None
    if not isinstance(kids, ArrayObject):
        return []
    return [(kid, inherit) for kid in reversed(kids)]


def _blank(page: PageObject) -> bool:
    """Whether `page` draws nothing: no content stream, or an empty one, and no annotation."""
    try:
        contents = page.get_contents()
        return (contents is None or not contents.get_data().strip()) and "/Annots" not in page
    except Exception:
        return False


def _layer(page: PageObject, number: int, scans: _ScannedPages) -> str:
    """The text layer of `page` (page `number`). pypdf's plain extraction reads words right
    even when each glyph is placed on its own; only where glyphs stand further apart than a
    space (a letter-spaced heading: it gives "P r i c e") are the glyphs' positions used to
    tell the letters of a word from the words: PDFium's (`_ScannedPages.respaced`), else
    pypdf's layout extraction, which keeps gap widths (`pdf_text.from_layout`). pypdf's
    layout mode alone misplaced letters from a tracking of 6 pt up ("Pri ce pe r")."""
    layer = page.extract_text()
    if pdf_text.letter_spaced(layer):
        respaced = scans.respaced(number)
        if respaced is not None:
            return respaced
        return pdf_text.from_layout(page.extract_text(extraction_mode="layout"))
    return layer


def _unreadable_warning(pages: list[int], ocr_read: list[int]) -> IngestWarning:
    recognised = [n for n in pages if n in ocr_read]
    lost = [n for n in pages if n not in ocr_read]
    message = (
        f"The text layer of page {page_list(pages)} is not readable text (a font without a "
        "character map)"
    )
    if recognised:
        message += f"; the text of page {page_list(recognised)} was recognised from its image"
    if lost:
        message += f"; page {page_list(lost)} could not be recognised and is not searchable"
    return IngestWarning("text_layer_unreadable", message + ".")


def _page_warnings(
    skipped: list[int], empty: list[int], read: int, ocr_empty: list[int], limits: ParseLimits
) -> Iterator[IngestWarning]:
    if skipped:
        yield IngestWarning(
            "pages_skipped",
            f"Page {page_list(skipped)} could not be read and "
            f"{'is' if len(skipped) == 1 else 'are'} not searchable.",
        )
    if empty and len(empty) < read:
        yield IngestWarning(
            "pages_without_text",
            f"Page {page_list(empty)} has no text layer (a scan or an image) and no text was "
            f"recognised on it (OCR reads at most {limits.max_ocr_pages} pages of a file); "
            "its content is not searchable.",
        )
    elif empty and len(ocr_empty) == len(empty):
        # Every page was OCRed and none holds text: ready with this warning, not failed.
        yield IngestWarning("no_text_found", "No text was found in the PDF, not even by OCR.")
