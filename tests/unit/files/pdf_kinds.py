"""PDFs of the kinds sales teams upload, made here with pypdf, PDFium and raw PDF syntax (no
binary fixtures): a subset font without a ToUnicode map, rotated and cropped pages, forms and
comments, damaged cross-reference tables, text drawn glyph by glyph, ligatures, and hostile
page trees."""

from __future__ import annotations

import base64
import ctypes
import inspect
import io
import re
from functools import cache
from typing import cast

import pypdfium2
import pypdfium2.raw as pdfium_c  # type: ignore[import-untyped]
from PIL import Image, ImageFont
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    RectangleObject,
    TextStringObject,
)

from tests.unit.files.scans import encoded

HELVETICA = DictionaryObject(
    {
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"),
        NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }
)

COURIER = DictionaryObject(
    {
        NameObject("/Type"): NameObject("/Font"),
        NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Courier"),
    }
)


def written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def content_page(
    writer: PdfWriter,
    content: str,
    width: float = 612,
    height: float = 792,
    font: DictionaryObject = HELVETICA,
) -> None:
    """A page of `writer` drawing `content` (PDF operators) with `font` as /F1."""
    page = writer.add_blank_page(width=width, height=height)
    stream = DecodedStreamObject()
    stream.set_data(content.encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )


@cache
def aileron() -> bytes:
    """The TrueType font Pillow bundles (Aileron Regular, with the fi and fl ligatures): a
    real font to embed, present wherever Pillow is."""
    source = inspect.getsource(ImageFont.load_default)
    found = re.search(r'b64decode\(b"""(.*?)"""', source, re.S)
    assert found is not None, "Pillow no longer bundles its default font this way"
    return base64.b64decode(found.group(1))


def embedded_font_pdf(lines: list[str], size: float = 24) -> bytes:
    """One page with `lines` drawn by PDFium in an embedded subset of Aileron (a Type0 font,
    Identity-H, glyph ids as codes), as word processors write them, with a ToUnicode map."""
    document = pypdfium2.PdfDocument.new()
    page = document.new_page(612, 792)
    data = aileron()
    buffer = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
    font = pdfium_c.FPDFText_LoadFont(
        document, buffer, len(data), pdfium_c.FPDF_FONT_TRUETYPE, True
    )
    for i, line in enumerate(lines):
        text = pdfium_c.FPDFPageObj_CreateTextObj(document, font, size)
        wide = ctypes.create_string_buffer((line + "\0").encode("utf-16-le"))
        pdfium_c.FPDFText_SetText(text, ctypes.cast(wide, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
        pdfium_c.FPDFPageObj_Transform(text, 1, 0, 0, 1, 60, 700 - i * 2 * size)
        pdfium_c.FPDFPage_InsertObject(page, text)
    pdfium_c.FPDFPage_GenerateContent(page)
    out = io.BytesIO()
    document.save(out)
    page.close()
    document.close()
    return out.getvalue()


def without_tounicode(content: bytes, private_use: bool = False) -> bytes:
    """`content` with every font's ToUnicode map removed (text extraction then yields glyph
    ids: mojibake and control characters), or with `private_use`, replaced by one that maps
    every code into the Private Use Area (as some subset fonts do)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(content)))
    for page in writer.pages:
        fonts = cast(DictionaryObject, page["/Resources"].get_object())["/Font"]
        for ref in cast(DictionaryObject, fonts.get_object()).values():
            font = cast(DictionaryObject, ref.get_object())
            if private_use:
                cmap = DecodedStreamObject()
                cmap.set_data(
                    b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                    b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
                    b"1 beginbfrange <0000> <00FF> <E000> endbfrange\n"
                    b"endcmap CMapName currentdict /CMap defineresource pop end end"
                )
                font[NameObject("/ToUnicode")] = writer._add_object(cmap)
            else:
                del font["/ToUnicode"]
    return written(writer)


def drawn_page(line: str, size: tuple[int, int] = (1700, 2200)) -> Image.Image:
    """A white page-sized greyscale image with `line` in large black letters."""
    from PIL import ImageDraw

    image = Image.new("L", size, 255)
    ImageDraw.Draw(image).text((100, 200), line, fill=0, font=ImageFont.load_default(size=72))
    return image


def rotated_text_pdf(text: str, rotate: int) -> bytes:
    writer = PdfWriter()
    content_page(writer, f"BT /F1 14 Tf 72 700 Td ({escaped(text)}) Tj ET")
    writer.pages[0].rotate(rotate)
    return written(writer)


def rotated_scan_pdf(line: str, rotate: int) -> bytes:
    """A scanned page stored turned by `-rotate` degrees with /Rotate `rotate`: upright in
    every viewer (how copiers save a landscape page)."""
    stored = drawn_page(line).rotate(rotate, expand=True)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(encoded(stored, "PDF"))))
    writer.pages[0][NameObject("/Rotate")] = NumberObject(rotate)
    return written(writer)


def offset_boxes_pdf(text: str) -> bytes:
    """A page whose media box does not start at 0,0 and whose crop box shows only part of
    it, with the text inside the crop box."""
    writer = PdfWriter()
    content_page(writer, f"BT /F1 14 Tf 300 500 Td ({escaped(text)}) Tj ET")
    page = writer.pages[0]
    page.mediabox = RectangleObject([-200, -300, 1000, 1200])
    page.cropbox = RectangleObject([250, 400, 850, 900])
    return written(writer)


def offset_scan_pdf(line: str) -> bytes:
    """A scan placed inside a larger media box, shown through a crop box far from 0,0."""
    image = drawn_page(line, size=(1700, 1100))
    scan = PdfReader(io.BytesIO(encoded(image, "PDF", resolution=200)))
    writer = PdfWriter(clone_from=scan)
    page = writer.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    page.add_transformation((1, 0, 0, 1, 500, 700))
    page.mediabox = RectangleObject([0, 0, width + 1000, height + 1400])
    page.cropbox = RectangleObject([500, 700, 500 + width, 700 + height])
    return written(writer)


def form_pdf(fields: dict[str, str], comments: list[tuple[str, str]], body: str) -> bytes:
    """A one-page order form: `body` in the page's content, a filled-in text field per
    `fields` item (name: value; a dotted name is a field inside a parent field, as Acrobat
    writes them), a ticked check box, a chosen list item, and `comments` as annotations
    (subtype, e.g. /Text or /FreeText: contents)."""
    writer = PdfWriter()
    content_page(writer, f"BT /F1 12 Tf 72 740 Td ({escaped(body)}) Tj ET")
    page = writer.pages[0]
    annots = ArrayObject()
    top_fields = ArrayObject()
    parents: dict[str, DictionaryObject] = {}
    y = 700
    for name, value in fields.items():
        parent_name, _, leaf = name.rpartition(".")
        widget = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject("/Tx"),
                NameObject("/T"): TextStringObject(leaf),
                NameObject("/V"): TextStringObject(value),
                NameObject("/Rect"): RectangleObject([72, y, 400, y + 20]),
            }
        )
        ref = writer._add_object(widget)
        if parent_name:
            parent = parents.get(parent_name)
            if parent is None:
                parent = DictionaryObject(
                    {
                        NameObject("/T"): TextStringObject(parent_name),
                        NameObject("/Kids"): ArrayObject(),
                    }
                )
                parents[parent_name] = parent
                top_fields.append(writer._add_object(parent))
            widget[NameObject("/Parent")] = parents[parent_name].indirect_reference
            cast(ArrayObject, parent["/Kids"]).append(ref)
        else:
            top_fields.append(ref)
        annots.append(ref)
        y -= 30
    check = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Btn"),
            NameObject("/T"): TextStringObject("Priority support"),
            NameObject("/V"): NameObject("/Yes"),
            NameObject("/AS"): NameObject("/Yes"),
            NameObject("/Rect"): RectangleObject([72, y, 92, y + 20]),
        }
    )
    choice = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Ch"),
            NameObject("/T"): TextStringObject("Plan"),
            NameObject("/V"): TextStringObject("Enterprise"),
            NameObject("/Opt"): ArrayObject(
                [TextStringObject("Team"), TextStringObject("Enterprise")]
            ),
            NameObject("/Rect"): RectangleObject([72, y - 30, 300, y - 10]),
        }
    )
    for widget in (check, choice):
        ref = writer._add_object(widget)
        annots.append(ref)
        top_fields.append(ref)
    for subtype, text in comments:
        annots.append(
            writer._add_object(
                DictionaryObject(
                    {
                        NameObject("/Type"): NameObject("/Annot"),
                        NameObject("/Subtype"): NameObject(subtype),
                        NameObject("/Contents"): TextStringObject(text),
                        NameObject("/T"): TextStringObject("Dana (Sales)"),
                        NameObject("/Rect"): RectangleObject([420, 600, 560, 640]),
                    }
                )
            )
        )
    page[NameObject("/Annots")] = annots
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {NameObject("/Fields"): top_fields}
    )
    return written(writer)


def glyph_by_glyph_pdf(
    words: list[str], size: float = 11, own_matrix: bool = False, tracking: float = 0
) -> bytes:
    """One line of `words`, each glyph drawn on its own at its position, as design tools and
    some report writers draw text: moved by `Td` from the glyph before, or with
    `own_matrix`, placed by its own text matrix in its own BT block (PDFs converted from
    PostScript). The font is Courier, whose every glyph is 0.6 em wide; `tracking` points
    are added after each glyph (a letter-spaced heading)."""
    advance = 0.6 * size + tracking
    x = 72.0
    ops = [] if own_matrix else [f"BT /F1 {size:g} Tf 72 700 Td"]
    for n, word in enumerate(words):
        for glyph in (" " if n else "") + word:
            if glyph == " ":
                pass
            elif own_matrix:
                ops.append(f"BT /F1 {size:g} Tf 1 0 0 1 {x:.3f} 700 Tm ({escaped(glyph)}) Tj ET")
            else:
                ops.append(f"1 0 0 1 {x:.3f} 700 Tm ({escaped(glyph)}) Tj")
            x += advance
    if not own_matrix:
        ops.append("ET")
    writer = PdfWriter()
    content_page(writer, "\n".join(ops), font=COURIER)
    return written(writer)


def lines_pdf(lines: list[str]) -> bytes:
    """One page with `lines` of Helvetica text, one under the other."""
    ops = ["BT /F1 12 Tf 14 TL 72 720 Td"]
    ops += [f"({escaped(line)}) Tj T*" for line in lines]
    ops.append("ET")
    writer = PdfWriter()
    content_page(writer, "\n".join(ops))
    return written(writer)


def many_pages_pdf(count: int, text: str) -> bytes:
    """`count` pages in one flat page tree, all empty but the first, which shows `text`: a
    report export padded with blank pages, or a hostile file (a few MB per 100,000 pages)."""
    first = 5
    kids = b" ".join(b"%d 0 R" % (first + n) for n in range(count))
    empty = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Count %d /Kids [%s] >>" % (count, kids),
            HELVETICA_RAW,
            text_stream(text),
            b"<< " + PAGE_BODY.replace(b"4 0 R", b"3 0 R") + b" /Parent 2 0 R /Contents 4 0 R >>",
        ]
        + [empty] * (count - 1)
    )


def raw_pdf(objects: list[bytes], root: int = 1, xref: bool = True) -> bytes:
    """A PDF of numbered `objects` (object n is objects[n-1], its body without `obj` and
    `endobj`) with a correct cross-reference table, or none when not `xref`."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    start = len(out)
    if xref:
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        for offset in offsets:
            out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(objects) + 1, root)
    out += b"startxref\n%d\n%%%%EOF\n" % start
    return bytes(out)


PAGE_BODY = b"/Type /Page /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >>"
HELVETICA_RAW = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def text_stream(text: str) -> bytes:
    data = f"BT /F1 12 Tf 72 720 Td ({escaped(text)}) Tj ET".encode("latin-1")
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def cyclic_page_tree_pdf(text: str) -> bytes:
    """A page tree whose second Pages node lists the root Pages node among its kids: a
    walk that follows /Kids never ends."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>",
            b"<< " + PAGE_BODY + b" /Parent 2 0 R /Contents 5 0 R >>",
            HELVETICA_RAW,
            text_stream(text),
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )


def self_parent_pages_pdf() -> bytes:
    """A Pages node that is its own kid (and a Count of a billion)."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 2 0 R] /Count 1000000000 >>",
        ]
    )


def self_extending_object_stream_pdf(text: str) -> bytes:
    """A PDF 1.5 file whose page is stored in an object stream that /Extends itself and
    whose cross-reference stream says the object stream is inside itself."""
    import struct
    import zlib

    page_objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< " + PAGE_BODY + b" /Parent 2 0 R /Contents 5 0 R >>",
    ]
    offsets = []
    body = b""
    for obj in page_objs:
        offsets.append(len(body))
        body += obj + b"\n"
    header = " ".join(f"{n} {off}" for n, off in zip((1, 2, 3), offsets, strict=True)).encode()
    objstm_data = header + b" " + body
    first = len(header) + 1
    out = bytearray(b"%PDF-1.7\n")
    positions: dict[int, int] = {}
    positions[4] = len(out)
    out += b"4 0 obj\n" + HELVETICA_RAW + b"\nendobj\n"
    positions[5] = len(out)
    out += b"5 0 obj\n" + text_stream(text) + b"\nendobj\n"
    positions[6] = len(out)
    out += (
        b"6 0 obj\n<< /Type /ObjStm /N 3 /First %d /Extends 6 0 R /Length %d >>\nstream\n"
        % (first, len(objstm_data))
        + objstm_data
        + b"\nendstream\nendobj\n"
    )
    xref_at = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    rows += [struct.pack(">BIH", 2, 6, i) for i in range(3)]  # 1-3 in object stream 6
    rows += [struct.pack(">BIH", 1, positions[n], 0) for n in (4, 5)]
    rows.append(struct.pack(">BIH", 2, 6, 0))  # object 6 itself "inside" object stream 6
    rows.append(struct.pack(">BIH", 1, xref_at, 0))
    data = zlib.compress(b"".join(rows))
    out += (
        b"7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode "
        b"/Length %d >>\nstream\n"
        % len(data)
        + data
        + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_at
    )
    return bytes(out)


def encrypted_pdf(text: str, algorithm: str) -> bytes:
    """A PDF with an owner password only (anyone may open it; printing or copying is
    restricted): a "protected" price list."""
    writer = PdfWriter()
    content_page(writer, f"BT /F1 12 Tf 72 720 Td ({escaped(text)}) Tj ET")
    writer.encrypt(user_password="", owner_password="price-list-owner", algorithm=algorithm)
    return written(writer)


def incrementally_updated_pdf(old: str, new: str) -> bytes:
    """A PDF saved once with `old` and then updated in place (an appended revision, as
    Acrobat saves a signed or edited file) so that the page reads `new`."""
    writer = PdfWriter()
    content_page(writer, f"BT /F1 12 Tf 72 720 Td ({escaped(old)}) Tj ET")
    original = written(writer)
    update = PdfWriter(io.BytesIO(original), incremental=True)
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({escaped(new)}) Tj ET".encode("latin-1"))
    update.pages[0][NameObject("/Contents")] = update._add_object(stream)
    return written(update)


def damaged_xref(content: bytes) -> bytes:
    """`content` with every cross-reference offset off by 7 bytes and a wrong startxref:
    what a careless edit or a transfer in text mode leaves."""
    head, _, tail = content.rpartition(b"xref\n")
    fixed = re.sub(
        rb"(\d{10}) 00000 n",
        lambda m: b"%010d 00000 n" % (int(m.group(1)) + 7),
        tail,
    )
    fixed = re.sub(rb"startxref\n\d+", b"startxref\n999999", fixed)
    return head + b"xref\n" + fixed
