"""Each parser through the sandbox (a separate, limited process), and each way a document can
fail: the failure is a code and a sentence, never a crash of the caller."""

from __future__ import annotations

from pathlib import Path

import pytest

from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParseFailure, ParseLimits, Section
from tests.unit.files.support import docx_bytes, pdf_bytes, zip_bomb_docx

LIMITS = ParseLimits(max_pages=50, max_text_chars=100_000, max_docx_uncompressed_bytes=5_000_000)


@pytest.fixture
def sandbox() -> ParserSandbox:
    return ParserSandbox(LIMITS, timeout=30, memory_bytes=1024 * 1024 * 1024)


def parse(sandbox: ParserSandbox, tmp_path: Path, content: bytes, kind: str) -> list[Section]:
    path = tmp_path / f"doc.{kind}"
    path.write_bytes(content)
    return sandbox.parse(str(path), kind).sections


def failure(sandbox: ParserSandbox, tmp_path: Path, content: bytes, kind: str) -> str:
    with pytest.raises(ParseFailure) as caught:
        parse(sandbox, tmp_path, content, kind)
    assert caught.value.message
    return caught.value.code


def test_pdf_pages_become_sections(sandbox: ParserSandbox, tmp_path: Path) -> None:
    sections = parse(
        sandbox, tmp_path, pdf_bytes(["Pricing starts at 40", "Support is 24/7"]), "pdf"
    )
    assert [s.location for s in sections] == ["page 1", "page 2"]
    assert "Pricing starts at 40" in sections[0].text
    assert "Support is 24/7" in sections[1].text


def test_pdf_page_limit_bounds_the_work(tmp_path: Path) -> None:
    limited = ParserSandbox(
        ParseLimits(max_pages=2, max_text_chars=10_000, max_docx_uncompressed_bytes=1),
        timeout=30,
        memory_bytes=1024 * 1024 * 1024,
    )
    sections = parse(limited, tmp_path, pdf_bytes([f"page {i}" for i in range(5)]), "pdf")
    assert [s.location for s in sections] == ["page 1", "page 2"]


def test_encrypted_pdf_fails_with_a_reason(sandbox: ParserSandbox, tmp_path: Path) -> None:
    content = pdf_bytes(["secret"], password="hunter2")
    assert failure(sandbox, tmp_path, content, "pdf") == "encrypted_pdf"


def test_corrupted_pdf_fails_with_a_reason(sandbox: ParserSandbox, tmp_path: Path) -> None:
    content = b"%PDF-1.7\n" + b"\x00garbage that is not a pdf body" * 100
    assert failure(sandbox, tmp_path, content, "pdf") == "corrupt_pdf"


def test_docx_headings_become_locations(sandbox: ParserSandbox, tmp_path: Path) -> None:
    content = docx_bytes(
        [
            ("Intro text", None),
            ("Pricing", "Heading 1"),
            ("Enterprise costs 40 per seat", None),
            ("Support", "Heading 2"),
            ("Always on", None),
        ]
    )
    sections = parse(sandbox, tmp_path, content, "docx")
    assert [s.location for s in sections] == ["Introduction", "Pricing", "Support"]
    assert "Enterprise costs 40 per seat" in sections[1].text


def test_docx_that_expands_enormously_is_refused_before_parsing(
    sandbox: ParserSandbox, tmp_path: Path
) -> None:
    bomb = zip_bomb_docx(50_000_000)  # ~50 KB on disk, 50 MB expanded, limit 5 MB
    assert len(bomb) < 200_000
    assert failure(sandbox, tmp_path, bomb, "docx") == "docx_too_large"


def test_zip_without_word_parts_is_not_a_docx(sandbox: ParserSandbox, tmp_path: Path) -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/other.xml", "<x/>")
    assert failure(sandbox, tmp_path, out.getvalue(), "docx") == "not_a_word_document"


def test_broken_docx_fails_with_a_reason(sandbox: ParserSandbox, tmp_path: Path) -> None:
    content = b"PK\x03\x04word/" + b"\x00" * 100
    assert failure(sandbox, tmp_path, content, "docx") == "corrupt_docx"


def test_markdown_headings(sandbox: ParserSandbox, tmp_path: Path) -> None:
    content = b"Lead\n# Pricing\nTiers\n## Support ##\nHelp\n"
    sections = parse(sandbox, tmp_path, content, "md")
    assert [(s.location, s.text) for s in sections] == [
        ("Introduction", "Lead"),
        ("Pricing", "Pricing\nTiers"),
        ("Support", "Support\nHelp"),
    ]


def test_html_text_without_scripts(sandbox: ParserSandbox, tmp_path: Path) -> None:
    content = (
        b"<html><head><title>t</title><script>steal()</script></head><body>"
        b"<h1>Pricing</h1><p>Forty&nbsp;per seat</p><style>p{}</style><h2>FAQ</h2><p>Yes</p>"
    )
    sections = parse(sandbox, tmp_path, content, "html")
    # The title is text of the file too: it opens the first section.
    assert [s.location for s in sections] == ["Introduction", "Pricing", "FAQ"]
    assert "Forty" in sections[1].text
    assert all("steal" not in s.text for s in sections)


def test_csv_rows_keep_their_numbers(sandbox: ParserSandbox, tmp_path: Path) -> None:
    rows = "\n".join(f"product{i},{i * 10}" for i in range(30))
    sections = parse(sandbox, tmp_path, f"name,price\n{rows}\n".encode(), "csv")
    assert [s.location for s in sections] == ["rows 2-26", "rows 27-31"]
    assert "name: product0; price: 0" in sections[0].text


def test_windows_1252_text_is_decoded_as_such(sandbox: ParserSandbox, tmp_path: Path) -> None:
    sections = parse(sandbox, tmp_path, "Größe,Preis\ngroß,40 €\n".encode("cp1252"), "csv")
    assert sections[0].text == "Größe: groß; Preis: 40 €"


def test_text_lines(sandbox: ParserSandbox, tmp_path: Path) -> None:
    content = "\n".join(f"line {i}" for i in range(1, 121)).encode()
    sections = parse(sandbox, tmp_path, content, "txt")
    assert [s.location for s in sections] == ["lines 1-50", "lines 51-100", "lines 101-120"]


def test_text_beyond_the_limit_is_left_out(tmp_path: Path) -> None:
    small = ParserSandbox(
        ParseLimits(max_pages=5, max_text_chars=100, max_docx_uncompressed_bytes=1),
        timeout=30,
        memory_bytes=1024 * 1024 * 1024,
    )
    sections = parse(small, tmp_path, b"word " * 1000, "txt")
    assert sum(len(s.text) for s in sections) <= 100


def test_a_parse_over_time_is_killed_and_reported(tmp_path: Path) -> None:
    hurried = ParserSandbox(LIMITS, timeout=0.001, memory_bytes=1024 * 1024 * 1024)
    content = pdf_bytes([f"page {i}" for i in range(40)])
    assert failure(hurried, tmp_path, content, "pdf") == "parse_timeout"


def test_a_parse_over_memory_is_reported(sandbox: ParserSandbox, tmp_path: Path) -> None:
    # Less address space than the interpreter already maps: any large allocation fails.
    starved = ParserSandbox(
        ParseLimits(max_pages=5, max_text_chars=50_000_000, max_docx_uncompressed_bytes=1),
        timeout=30,
        memory_bytes=16 * 1024 * 1024,
    )
    code = failure(starved, tmp_path, b"word " * 4_000_000, "txt")
    assert code in {"too_complex", "parse_crashed"}
