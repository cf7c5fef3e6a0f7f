"""Pure functions: file names, content sniffing and chunking."""

from __future__ import annotations

import itertools

import pytest

from engageiq_files.ingestion.chunking import chunk_sections
from engageiq_files.ingestion.sections import Section
from engageiq_files.uploads.names import sanitise_name
from engageiq_files.uploads.sniffing import FileKind, UnsupportedFileType, sniff
from tests.unit.files.support import docx_bytes, pdf_bytes, zip_bomb_docx


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system.ini", "system.ini"),
        ("C:\\Users\\rep\\pricing.pdf", "pricing.pdf"),
        ("price\x00list\x1b[31m.txt", "pricelist[31m.txt"),
        ("invoice\u202egnp.exe", "invoicegnp.exe"),  # right-to-left override removed
        ("line\nbreak.md", "line break.md"),  # a line break is whitespace
        ("..", "untitled"),
        ("", "untitled"),
        ("   .hidden  ", "hidden"),
        ("Übersicht Preise.docx", "Übersicht Preise.docx"),
    ],
)
def test_names_are_sanitised(raw: str, expected: str) -> None:
    assert sanitise_name(raw) == expected


def test_long_names_keep_their_extension() -> None:
    name = sanitise_name("a" * 500 + ".pdf")
    assert len(name) == 200
    assert name.endswith(".pdf")


@pytest.mark.parametrize(
    ("head", "name", "kind"),
    [
        (b"%PDF-1.7\n...", "whatever.txt", FileKind.PDF),
        (b"plain words", "notes.txt", FileKind.TXT),
        (b"# Title\n\ntext", "readme.md", FileKind.MD),
        (b"a,b\n1,2\n", "table.csv", FileKind.CSV),
        (b"<!DOCTYPE html><html><body>x</body></html>", "page.txt", FileKind.HTML),
        (b"\xef\xbb\xbf<html><p>bom</p></html>", "page", FileKind.HTML),
        (b"plain words", "sneaky.pdf", FileKind.TXT),  # the name cannot make text a PDF
        ("Grüße aus Köln".encode(), "de.txt", FileKind.TXT),
        ("Preis;Größe\n40 €;groß\n".encode("cp1252"), "excel.csv", FileKind.CSV),
        # Images are OCRed (decision 0104), whatever their name says.
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "slide.txt", FileKind.PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "photo.png", FileKind.JPEG),
        (b"II*\x00\x08\x00\x00\x00", "scan.tif", FileKind.TIFF),
        (b"MM\x00*\x00\x00\x00\x08", "scan.tiff", FileKind.TIFF),
        (b"RIFF\x9c\x00\x00\x00WEBPVP8L", "screenshot.png", FileKind.WEBP),
        (b"GIF89a\x01\x00\x01\x00", "capture.txt", FileKind.GIF),
        (b"GIF87a\x01\x00\x01\x00", "old.gif", FileKind.GIF),
        (
            b"BM6\x00\x0c\x00\x00\x00\x00\x006\x00\x00\x00(\x00\x00\x00" + bytes(8),
            "a.txt",
            FileKind.BMP,
        ),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "a.png", FileKind.AVIF),
        (b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avifmiaf", "a.heic", FileKind.AVIF),
        (b"%PDF-1.4\n", "slide.png", FileKind.PDF),
    ],
)
def test_kind_comes_from_the_content(head: bytes, name: str, kind: FileKind) -> None:
    assert sniff(head, name) is kind


def test_docx_is_recognised_by_its_parts() -> None:
    assert sniff(docx_bytes([("hello", None)])[:65536], "x.bin") is FileKind.DOCX


@pytest.mark.parametrize(
    "head",
    [
        b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
        b"\x7fELF\x02\x01\x01",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00xl/workbook.xml",  # a spreadsheet, not Word
        b"\xff\xfe\x00\x00garbage",
        b"BM6\x00\x0c\x00\x00\x00\x00\x006\x00",  # "BM" with no DIB header after it
        b"RIFF$\x00\x00\x00WAVEfmt ",  # a RIFF file that is not WebP
    ],
)
def test_disallowed_content_is_refused_whatever_the_name(head: bytes) -> None:
    with pytest.raises(UnsupportedFileType):
        sniff(head, "harmless.txt")
    with pytest.raises(UnsupportedFileType):
        sniff(head, "screenshot.png")


def test_fixtures_are_what_they_claim() -> None:
    assert sniff(pdf_bytes(["x"])) is FileKind.PDF
    assert sniff(zip_bomb_docx(10)) is FileKind.DOCX


def test_chunks_overlap_and_keep_positions() -> None:
    words = " ".join(f"w{i}" for i in range(1000))
    chunks = chunk_sections([Section("page 2", words)], size=300, overlap=60)
    assert len(chunks) > 3
    assert all(c.location == "page 2" for c in chunks)
    for chunk in chunks:
        assert words[chunk.start : chunk.end].strip() == chunk.text
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # overlap
        assert before.text.split()[-1] in after.text
    assert chunks[-1].end == len(words)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_each_section_is_chunked_on_its_own() -> None:
    chunks = chunk_sections([Section("Pricing", "tiers cost"), Section("Support", "24/7 help")])
    assert [(c.location, c.text) for c in chunks] == [
        ("Pricing", "tiers cost"),
        ("Support", "24/7 help"),
    ]


def test_chunks_end_at_line_and_sentence_ends_and_overlap_starts_whole() -> None:
    sentences = [
        f"Sentence number {i} says something about plan {i} and its price." for i in range(40)
    ]
    text = " ".join(sentences)
    chunks = chunk_sections([Section("Pricing", text)], size=300, overlap=80)
    assert len(chunks) > 5
    for c in chunks:
        assert text[c.start : c.end].strip() == c.text
        assert c.text.startswith("Sentence number ")
        assert c.text.endswith("price.")
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # they overlap by a whole sentence
        assert before.text.split(". ")[-1] in after.text


def test_rows_are_never_cut_in_half() -> None:
    rows = [f"Plan: P{i}; Seats from: {i * 10}; Price per seat (EUR): {50 + i}" for i in range(40)]
    text = "\n".join(rows)
    for c in chunk_sections([Section("Prices!A2:C41", text)], size=400, overlap=100):
        assert all(line in rows for line in c.text.splitlines())
