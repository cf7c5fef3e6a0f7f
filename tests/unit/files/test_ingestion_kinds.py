# ruff: noqa: RUF001  (full-width, Cyrillic and CJK text is the point of these tests)
"""Each kind of ingestion fault (issue 10), on generated inputs beyond the real cases: the
parser must read every piece of text, or say what it left out."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParsedDocument, ParseFailure, ParseLimits
from engageiq_files.uploads.sniffing import FileKind, sniff
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from tests.unit.files.documents import docx_package, pptx_bytes, xlsx_bytes
from tests.unit.files.support import pdf_bytes

LIMITS = ParseLimits(max_pages=50, max_text_chars=1_000_000, max_docx_uncompressed_bytes=50_000_000)
DOCX_WORDS = {
    "heading": "Renewal terms",
    "body": "Plain body paragraph",
    "sdt": "Zircon customer control",
    "inserted": "Inserted tangerine clause",
    "deleted": "Deleted obsolete walrus",
    "field": "Fieldresult quokka",
    "textbox": "Textbox narwhal callout",
    "nested": "Nested ocelot cell",
    "header": "Header pangolin confidential",
    "footer": "Footer axolotl hotline",
    "footnote": "Footnote wombat source",
    "endnote": "Endnote capybara remark",
}


def parse(
    tmp_path: Path, content: bytes, kind: str, limits: ParseLimits = LIMITS
) -> ParsedDocument:
    # No extension: the worker's temporary files have none, and no parser may rely on one.
    path = tmp_path / f"upload-{kind}"
    path.write_bytes(content)
    return parse_document(str(path), kind, limits)


def text_of(parsed: ParsedDocument) -> str:
    return "\n".join(s.text for s in parsed.sections)


def found(parsed: ParsedDocument, query: str) -> bool:
    """Whether `query` finds a chunk of the document through the search index."""
    index = TenantIndex.build(
        [IndexedChunk("f", "doc", s.location, s.text) for s in parsed.sections]
    )
    return bool(index.search(query, 5))


@pytest.mark.parametrize(
    ("options", "kind"),
    [({}, FileKind.DOCX), ({"strict": True}, FileKind.DOCX), ({"macro": True}, FileKind.DOCX)],
    ids=["transitional", "strict", "docm"],
)
def test_every_part_of_a_word_document_is_read(
    tmp_path: Path, options: dict[str, bool], kind: FileKind
) -> None:
    content = docx_package(DOCX_WORDS, **options)
    assert sniff(content[:65536], "x.bin") is kind
    parsed = parse(tmp_path, content, "docx")
    text = text_of(parsed)
    for structure, words in DOCX_WORDS.items():
        if structure == "deleted":
            assert words not in text
        else:
            assert words in text, structure
    assert "DOCPROPERTY" not in text  # a field's instruction is not its text
    assert text.count(DOCX_WORDS["textbox"]) == 1  # the fallback copy is not read twice
    locations = {s.location for s in parsed.sections}
    assert {"Renewal terms", "header", "footer", "footnotes", "endnotes"} <= locations
    assert parsed.warnings == []


def test_a_package_whose_word_parts_come_late_is_sniffed_as_word() -> None:
    content = docx_package(DOCX_WORDS, padding_first=200_000)
    assert content[:65536].find(b"word/") == -1  # the old sniffer's clue is out of the window
    assert sniff(content[:65536], "proposal") is FileKind.DOCX


def test_presentations_and_workbooks_are_sniffed_by_content() -> None:
    slides = pptx_bytes([{"title": "t", "cell": "c", "grouped": "g", "notes": "n"}])
    book = xlsx_bytes({"Pricing": [["a"], ["b"]]})
    assert sniff(slides[:65536], "deck.docx") is FileKind.PPTX
    assert sniff(book[:65536], "") is FileKind.XLSX


def test_slides_tables_groups_and_notes_are_read_by_slide(tmp_path: Path) -> None:
    content = pptx_bytes(
        [
            {
                "title": "Welcome",
                "cell": "Starter",
                "grouped": "Grouped gecko",
                "notes": "Say hello",
            },
            {
                "title": "Pricing",
                "cell": "Platinum",
                "grouped": "Grouped heron",
                "notes": "Mention the iguana discount",
            },
        ]
    )
    parsed = parse(tmp_path, content, "pptx")
    by_slide = {s.location: s.text for s in parsed.sections}
    assert set(by_slide) == {"slide 1", "slide 2"}
    assert "Platinum" in by_slide["slide 2"]
    assert "Grouped heron" in by_slide["slide 2"]
    assert "iguana discount" in by_slide["slide 2"]
    assert found(parsed, "iguana")


def test_sheets_are_rows_with_their_header_and_formulas_give_cached_values(tmp_path: Path) -> None:
    rows: list[list[object]] = [["Plan", "Seats", "Total"]]
    rows += [[f"Plan{i}", i, f"=B{i + 2}*10"] for i in range(40)]
    content = xlsx_bytes({"Pricing": rows, "Notes 2027": [["Note"], ["Renewal in March"]]})
    # openpyxl writes formulas without results; give each the cached value Excel would store.
    content = _with_cached_values(content, {f"C{i + 2}": str(i * 10) for i in range(40)})
    parsed = parse(tmp_path, content, "xlsx")
    locations = [s.location for s in parsed.sections]
    assert locations == ["Pricing!A2:C26", "Pricing!A27:C41", "'Notes 2027'!A2:A2"]
    assert "Plan: Plan7; Seats: 7; Total: 70" in parsed.sections[0].text
    assert "=B" not in text_of(parsed)


def _with_cached_values(content: bytes, values: dict[str, str]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, value in values.items():
                    text = re.sub(
                        rf'(<c r="{ref}"[^>]*>)<f>([^<]*)</f><v\s*/?>(</v>)?',
                        rf"\1<f>\2</f><v>{value}</v>",
                        text,
                    )
                data = text.encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_page_cap_is_a_warning_not_silence(tmp_path: Path) -> None:
    capped = ParseLimits(max_pages=2, max_text_chars=10_000, max_docx_uncompressed_bytes=1)
    parsed = parse(tmp_path, pdf_bytes([f"page {i}" for i in range(5)]), "pdf", capped)
    assert [s.location for s in parsed.sections] == ["page 1", "page 2"]
    assert [w.code for w in parsed.warnings] == ["truncated"]
    assert "3-5" in parsed.warnings[0].message


def raw_pdf(streams: list[bytes]) -> bytes:
    """A PDF written by hand, one page per content stream, so a page can be made unreadable
    (an undefined font and unbalanced operands, as in the junk_ops.pdf case)."""
    count = len(streams)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids ["
        + b" ".join(f"{3 + i} 0 R".encode() for i in range(count))
        + f"] /Count {count} >>".encode(),
    ]
    font = 3 + 2 * count
    for i in range(count):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {3 + count + i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
    for stream in streams:
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_an_unreadable_page_is_skipped_with_a_warning(tmp_path: Path) -> None:
    good = b"BT /F1 12 Tf 72 720 Td (%s) Tj ET"
    bad = b"BT /F1 12 Tf 72 720 Td (lost) Tj ET BT /F9 12 Tf (x) Tj ] ] >> ET"
    content = raw_pdf([good % b"First page kept", bad, good % b"Third page kept", bad])
    parsed = parse(tmp_path, content, "pdf")
    assert [s.location for s in parsed.sections] == ["page 1", "page 3"]
    assert [w.code for w in parsed.warnings] == ["pages_skipped"]
    assert "Page 2 and 4" in parsed.warnings[0].message


def test_a_pdf_with_no_readable_page_fails(tmp_path: Path) -> None:
    bad = b"BT /F9 12 Tf (x) Tj ] ] >> ET"
    with pytest.raises(ParseFailure) as caught:
        parse(tmp_path, raw_pdf([bad, bad]), "pdf")
    assert caught.value.code == "corrupt_pdf"


def test_text_beyond_the_character_limit_is_a_warning(tmp_path: Path) -> None:
    small = ParseLimits(max_pages=5, max_text_chars=100, max_docx_uncompressed_bytes=1)
    parsed = parse(tmp_path, b"word " * 1000, "txt", small)
    assert sum(len(s.text) for s in parsed.sections) <= 100
    assert "truncated" in {w.code for w in parsed.warnings}


@pytest.mark.parametrize(
    ("indexed", "query"),
    [
        ("Our scientiﬁc workﬂow is veriﬁed", "scientific workflow verified"),
        ("ＥｎｇａｇｅＩＱ　Ｐｒｏ plan", "engageiq pro"),
        ("STRASSE and Straße", "strasse"),
        ("Capacity ㎏ and ①", "kg 1"),
    ],
)
def test_compatibility_forms_match_plain_queries(indexed: str, query: str) -> None:
    index = TenantIndex.build([IndexedChunk("f", "doc", "p", indexed)])
    assert index.search(query, 1)
    # ...and the other way round: a query in compatibility forms finds plain text.
    plain = TenantIndex.build([IndexedChunk("f", "doc", "p", query)])
    assert plain.search(indexed, 1)


@pytest.mark.parametrize(
    ("language", "text", "query"),
    [
        ("de", "Die Kündigungsfrist beträgt drei Monate zum Quartalsende.", "Kündigungsfrist"),
        ("fr", "Le délai de résiliation est de trois mois, à la fin du trimestre.", "résiliation"),
        ("pl", "Okres wypowiedzenia wynosi trzy miesiące. Zażółć gęślą jaźń.", "wypowiedzenia"),
        ("ru", "Срок уведомления о расторжении составляет три месяца.", "расторжении"),
        ("zh", "专业版每个用户每月三十欧元，企业版需要联系销售团队获取报价。", "企业版"),
        ("ja", "プロプランの料金は月額三千円で、年間契約では割引があります。", "年間契約"),
        ("ko", "프로 요금제는 사용자당 월 삼만 원이며 연간 계약 시 할인됩니다.", "요금제"),
    ],
)
def test_languages_are_searchable(language: str, text: str, query: str) -> None:
    index = TenantIndex.build(
        [IndexedChunk("f", "doc", "p", text), IndexedChunk("g", "other", "p", "unrelated words")]
    )
    hits = index.search(query, 2)
    assert hits, language
    assert hits[0][0].file_id == "f", language


def test_no_token_is_dropped_for_its_length() -> None:
    long_word = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
    index = TenantIndex.build([IndexedChunk("f", "doc", "p", f"Ask the {long_word}")])
    assert index.search(long_word, 1)
    clause = "我们的客户成功团队在工作日提供中文支持服务并且承诺在四个小时之内回复所有紧急工单"
    cjk = TenantIndex.build([IndexedChunk("f", "doc", "p", clause)])
    assert cjk.search("紧急工单", 1)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Größe,Preis\ngroß,40 €\n".encode("utf-16"), "Größe: groß; Preis: 40 €"),
        ("Größe\tPreis\ngroß\t40 €\n".encode("utf-16-le"), "Größe: groß; Preis: 40 €"),
        (codecs.BOM_UTF8 + "Größe;Preis\ngroß;40 €\n".encode(), "Größe: groß; Preis: 40 €"),
        ("Größe;Preis\ngroß;40 €\n".encode("cp1252"), "Größe: groß; Preis: 40 €"),
        ("Name,City\nMüller,München\nCafé,Paris\n".encode().replace(b"\xc3\xa9", b"\xe9"), "Café"),
    ],
    ids=["utf16-bom", "utf16-le-tabs", "utf8-bom-semicolon", "cp1252-semicolon", "stray-byte"],
)
def test_csv_encodings_and_delimiters(tmp_path: Path, content: bytes, expected: str) -> None:
    assert sniff(content, "export.csv") is FileKind.CSV
    text = text_of(parse(tmp_path, content, "csv"))
    assert expected in text
    assert "Ã" not in text  # no mojibake of the UTF-8 parts


def test_csv_fields_beyond_the_header_are_kept(tmp_path: Path) -> None:
    text = text_of(parse(tmp_path, b"sku;name\nA-1;Lamp;black;USD 89.00;;extra\n", "csv"))
    assert text == "sku: A-1; name: Lamp; black; USD 89.00; extra"


def test_the_last_character_of_a_text_file_is_kept(tmp_path: Path) -> None:
    for content in [
        "Le prix par siège et par mois, payable à réception : 40 €".encode("cp1252"),
        "Цена: 900 ₽".encode(),
        "price é".encode("latin-1"),
    ]:
        text = text_of(parse(tmp_path, content, "txt"))
        assert text[-1] in "€₽é", (content, text)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            '<html><head><meta charset="windows-1251"></head><body><p>Тариф Профи</p>'.encode(
                "cp1251"
            ),
            "Тариф Профи",
        ),
        (
            b"<html><head><meta http-equiv='content-type' content='text/html;charset=shift_jis'>"
            + "<body><p>料金表</p>".encode("shift_jis"),
            "料金表",
        ),
        (
            codecs.BOM_UTF8
            + '<html><head><meta charset="windows-1252"><body><p>Größe</p>'.encode(),
            "Größe",
        ),
        ('<meta charset="iso-8859-1"><p>Prix: 40 €</p>'.encode("cp1252"), "40 €"),
    ],
    ids=["meta-charset", "http-equiv", "bom-beats-meta", "latin1-label-is-1252"],
)
def test_html_encoding_follows_whatwg(tmp_path: Path, content: bytes, expected: str) -> None:
    assert expected in text_of(parse(tmp_path, content, "html"))


def test_html_cells_and_list_items_are_separated_and_furniture_kept_apart(tmp_path: Path) -> None:
    content = (
        b"<!doctype html><title>Deck</title><nav>Home Products Careers</nav>"
        b"<div class='cookie-consent'>We use cookies</div><main><h1>Pricing</h1>"
        b"<table><tr><td>Pro</td><td>40</td></tr></table><ul><li>alpha<li>beta</ul></main>"
        b"<footer>Copyright Acme</footer>"
    )
    parsed = parse(tmp_path, content, "html")
    sections = {s.location: s.text for s in parsed.sections}
    assert "Pro | 40" in sections["Pricing"]
    assert "alpha\nbeta" in sections["Pricing"]
    assert "cookies" not in sections["Pricing"]
    assert "Copyright Acme" in sections["page furniture"]
    assert "We use cookies" in sections["page furniture"]


def test_markdown_structure(tmp_path: Path) -> None:
    content = (
        b"---\ntitle: Price list\nowner: sales\n---\nIntro text\n\n"
        b"```\n# not a heading\n```\n\nPricing\n=======\n\nTiers below.\n\n"
        b"Support\n-------\nAlways on.\n"
    )
    parsed = parse(tmp_path, content, "md")
    assert [s.location for s in parsed.sections] == [
        "front matter",
        "Introduction",
        "Pricing",
        "Support",
    ]
    assert "# not a heading" in parsed.sections[1].text
    assert "title: Price list" not in parsed.sections[1].text


def test_a_long_markdown_table_repeats_its_header_in_each_piece(tmp_path: Path) -> None:
    rows = "\n".join(
        f"| Plan{i} | {i * 7} EUR | some longer description of plan {i} |" for i in range(80)
    )
    content = f"# Prices\n\n| Plan | Price | Notes |\n|---|---|---|\n{rows}\n".encode()
    parsed = parse(tmp_path, content, "md")
    tables = [
        s for s in parsed.sections if "Plan79" in s.text or "Plan0 " in s.text or "|---|" in s.text
    ]
    assert len(tables) > 1
    for piece in tables:
        assert piece.text.startswith("| Plan | Price | Notes |")
        assert len(piece.text) <= 1000
    assert all(f"Plan{i} " in text_of(parsed) for i in range(80))


BROKEN_INPUTS = {
    "pdf": [b"%PDF-1.7\n" + b"\x00garbage" * 50, b"%PDF-"],
    "docx": [b"PK\x03\x04word/" + b"\x00" * 100, b"PK\x05\x06" + b"\x00" * 18],
    "pptx": [b"PK\x03\x04ppt/" + b"\x00" * 100],
    "xlsx": [b"PK\x03\x04xl/" + b"\x00" * 100],
}


def _assert_clean(failure: ParseFailure, path: Path) -> None:
    assert failure.code
    assert re.fullmatch(r"[a-z_]+", failure.code)
    assert str(path.parent) not in failure.message
    assert "/" not in failure.message
    assert "\\" not in failure.message
    assert not re.search(r"Error|Exception|Traceback|errno|\[Errno", failure.message)


@pytest.mark.parametrize(
    ("kind", "content"), [(k, c) for k, cs in BROKEN_INPUTS.items() for c in cs]
)
def test_broken_inputs_fail_with_a_clean_reason(tmp_path: Path, kind: str, content: bytes) -> None:
    with pytest.raises(ParseFailure) as caught:
        parse(tmp_path, content, kind)
    _assert_clean(caught.value, tmp_path / f"upload-{kind}")


@settings(max_examples=60, deadline=None)
@given(
    kind=st.sampled_from(["pdf", "docx", "pptx", "xlsx", "csv", "html", "md", "txt"]),
    content=st.binary(max_size=2000),
    prefix=st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04"]),
)
def test_any_input_either_parses_or_fails_with_a_clean_reason(
    kind: str, content: bytes, prefix: bytes
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc.{kind}"
        path.write_bytes(prefix + content)
        try:
            parse_document(str(path), kind, LIMITS)
        except ParseFailure as failure:
            _assert_clean(failure, path)


def test_a_sheet_used_range_that_starts_inside_the_sheet_is_located_exactly(
    tmp_path: Path,
) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Price list"
    sheet["B3"], sheet["C3"] = "Plan", "Price"
    sheet["B4"], sheet["C4"] = "Pro", 40
    sheet["B7"], sheet["C7"] = "Enterprise", 90
    out = io.BytesIO()
    workbook.save(out)
    parsed = parse(tmp_path, out.getvalue(), "xlsx")
    assert [(s.location, s.text) for s in parsed.sections] == [
        ("'Price list'!B4:C7", "Plan: Pro; Price: 40\nPlan: Enterprise; Price: 90")
    ]


@pytest.mark.parametrize(("kind", "folder"), [("pptx", "ppt"), ("xlsx", "xl"), ("docx", "word")])
def test_every_office_kind_refuses_a_zip_bomb_before_parsing(
    tmp_path: Path, kind: str, folder: str
) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}/main.xml", b"<x/>" + b" " * 60_000_000)
    with pytest.raises(ParseFailure) as caught:
        parse(tmp_path, out.getvalue(), kind)
    assert caught.value.code == f"{kind}_too_large"


def test_a_slide_show_is_read_like_a_presentation(tmp_path: Path) -> None:
    deck = pptx_bytes([{"title": "Show", "cell": "c", "grouped": "g", "notes": "closing remarks"}])
    source = zipfile.ZipFile(io.BytesIO(deck))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"presentationml.presentation.main", b"presentationml.slideshow.main"
                )
            target.writestr(item, data)
    assert sniff(out.getvalue()[:65536], "show.ppsx") is FileKind.PPTX
    parsed = parse(tmp_path, out.getvalue(), "pptx")
    assert "Speaker notes: closing remarks" in text_of(parsed)
