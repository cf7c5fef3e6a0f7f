# ruff: noqa: E501  (package XML is clearer on one line per structure)
"""Word text that is drawn or computed rather than stored in the runs (decision 0137), on
generated packages through the parser in process: charts and SmartArt wherever a drawing may
stand, automatic numbering as Word computes it, and symbol fonts."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE

from tests.unit.files.documents import MC
from tests.unit.files.documents import R_TRANSITIONAL as R
from tests.unit.files.test_ingestion_kinds import found, parse, text_of
from tests.unit.files.word_packages import (
    CHART_REL,
    CHARTEX_REL,
    DIAGRAM_DATA_REL,
    A,
    Part,
    chart_graphic,
    chart_part,
    chartex_graphic,
    chartex_part,
    drawing,
    level,
    numbered,
    numbering_part,
    paragraph,
    smartart_graphic,
    smartart_part,
    styles_part,
    text_box,
    uses,
    word_package,
)

CHART = chart_part(
    "Harrier pipeline by quarter", "Qualified deals", ["Q1", "Q2", "Q3"], [14, 22, 31]
)
CHART_LINE = "Qualified deals: Q1 14; Q2 22; Q3 31"
SMARTART = smartart_part([("Discovery call", ["Budget confirmed"]), ("Pilot", [])])


def _with_graphic(place: str, graphic: str) -> tuple[str, str, str]:
    """(body, header, footer) with `graphic` at `place`, between two paragraphs of the body."""
    inline = f"<w:p>{drawing(graphic)}</w:p>"
    anchored = f'<w:p><w:r><w:t xml:space="preserve">Anchored here </w:t></w:r>{drawing(graphic, anchored=True)}</w:p>'
    body = {
        "inline": inline,
        "anchored": anchored,
        "table cell": f"<w:tbl><w:tr><w:tc>{paragraph('Cell before')}{inline}</w:tc></w:tr></w:tbl>",
        "text box": f"<w:p>{text_box(inline)}</w:p>",
        "header": "",
        "footer": "",
    }[place]
    header = inline if place == "header" else ""
    footer = inline if place == "footer" else ""
    return paragraph("Opening paragraph") + body + paragraph("Closing paragraph"), header, footer


PLACES = ["inline", "anchored", "table cell", "text box", "header", "footer"]


def _source(place: str) -> str:
    return {"header": "word/header1.xml", "footer": "word/footer1.xml"}.get(
        place, "word/document.xml"
    )


def _section_of(parsed_text: dict[str, str], place: str) -> str:
    return parsed_text[place] if place in {"header", "footer"} else "\n".join(parsed_text.values())


@pytest.mark.parametrize("place", PLACES)
def test_a_chart_is_read_where_it_is_drawn(tmp_path: Path, place: str) -> None:
    body, header, footer = _with_graphic(place, chart_graphic("rIdChart"))
    content = word_package(
        body,
        header=header,
        footer=footer,
        parts=(Part("word/charts/chart1.xml", CHART, CHART_REL, "rIdChart", _source(place)),),
    )
    parsed = parse(tmp_path, content, "docx")
    sections = {s.location: s.text for s in parsed.sections}
    text = _section_of(sections, place)
    assert "Harrier pipeline by quarter" in text
    assert CHART_LINE in text
    assert found(parsed, "Harrier pipeline")
    if place not in {"header", "footer"}:
        # At its place: after the paragraph before it, before the one after it.
        whole = text_of(parsed)
        assert (
            whole.index("Opening paragraph")
            < whole.index(CHART_LINE)
            < whole.index("Closing paragraph")
        )


@pytest.mark.parametrize("place", PLACES)
def test_smartart_is_read_where_it_is_drawn(tmp_path: Path, place: str) -> None:
    body, header, footer = _with_graphic(place, smartart_graphic("rIdData"))
    content = word_package(
        body,
        header=header,
        footer=footer,
        parts=(
            Part("word/diagrams/data1.xml", SMARTART, DIAGRAM_DATA_REL, "rIdData", _source(place)),
        ),
    )
    parsed = parse(tmp_path, content, "docx")
    text = _section_of({s.location: s.text for s in parsed.sections}, place)
    # Parents before children, in their order.
    assert text.index("Discovery call") < text.index("Budget confirmed") < text.index("Pilot")


def test_an_office_2016_chart_is_read_through_its_choice_not_its_fallback(tmp_path: Path) -> None:
    graphic = (
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="cx1">'
        f"{drawing(chartex_graphic('rIdEx')).removeprefix('<w:r>').removesuffix('</w:r>')}"
        "</mc:Choice><mc:Fallback><w:t>This chart isn't available in your version of Word.</w:t>"
        "</mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    chart = chartex_part(
        "Bridge from plan to forecast", ["Plan", "Churn", "Expansion"], [100, -12, 30]
    )
    content = word_package(
        graphic, parts=(Part("word/charts/chartEx1.xml", chart, CHARTEX_REL, "rIdEx"),)
    )
    text = text_of(parse(tmp_path, content, "docx"))
    assert "Bridge from plan to forecast" in text
    assert "Plan 100; Churn -12; Expansion 30" in text
    assert "isn't available" not in text


def test_a_damaged_chart_loses_only_itself_and_one_named_a_thousand_times_is_read_once(
    tmp_path: Path,
) -> None:
    frames = "".join(f"<w:p>{drawing(chart_graphic('rIdChart'))}</w:p>" for _ in range(1000))
    body = (
        paragraph("Before the charts") + frames + f"<w:p>{drawing(chart_graphic('rIdBad'))}</w:p>"
    )
    content = word_package(
        body + paragraph("After the charts"),
        parts=(
            Part("word/charts/chart1.xml", CHART, CHART_REL, "rIdChart"),
            Part("word/charts/chart2.xml", "<c:chartSpace not xml", CHART_REL, "rIdBad"),
        ),
    )
    text = text_of(parse(tmp_path, content, "docx"))
    assert text.count(CHART_LINE) == 1
    assert "Before the charts" in text
    assert "After the charts" in text


# Automatic numbering -----------------------------------------------------------------------


def _lines(tmp_path: Path, body: str, numbering: str, styles: str = "") -> list[str]:
    content = word_package(body, numbering=numbering, styles=styles)
    return [line for line in text_of(parse(tmp_path, content, "docx")).splitlines() if line.strip()]


CLAUSES = numbering_part(
    {1: level(0, "%1.", start=7) + level(1, "%1.%2.") + level(2, "(%3)", "lowerLetter")},
    {1: uses(1)},
)


def test_multilevel_clause_numbers_are_indexed_before_their_text(tmp_path: Path) -> None:
    body = (
        numbered("Termination", 1)
        + numbered("Either party may terminate for convenience.", 1, 1)
        + numbered("Notice must be written.", 1, 1)
        + numbered("by registered post; or", 1, 2)
        + numbered("by email to the notified address.", 1, 2)
        + numbered("The customer may terminate on 30 days notice.", 1, 1)
        + numbered("Liability", 1)
        + numbered("Caps apply.", 1, 1)
    )
    assert _lines(tmp_path, body, CLAUSES) == [
        "7. Termination",
        "7.1. Either party may terminate for convenience.",
        "7.2. Notice must be written.",
        "(a) by registered post; or",
        "(b) by email to the notified address.",
        "7.3. The customer may terminate on 30 days notice.",
        "8. Liability",
        "8.1. Caps apply.",
    ]


def test_a_clause_is_found_by_its_number(tmp_path: Path) -> None:
    body = numbered("Termination", 1) + "".join(
        numbered(f"Clause text number {n}.", 1, 1) for n in range(1, 4)
    )
    content = word_package(body, numbering=CLAUSES)
    parsed = parse(tmp_path, content, "docx")
    assert "7.3. Clause text number 3." in text_of(parsed)


@pytest.mark.parametrize(
    ("number_format", "start", "labels"),
    [
        ("decimal", 1, ["1)", "2)", "3)"]),
        ("decimalZero", 8, ["08)", "09)", "10)"]),
        ("lowerLetter", 25, ["y)", "z)", "aa)"]),
        ("upperLetter", 1, ["A)", "B)", "C)"]),
        ("lowerRoman", 3, ["iii)", "iv)", "v)"]),
        ("upperRoman", 8, ["VIII)", "IX)", "X)"]),
        ("ordinal", 1, ["1st)", "2nd)", "3rd)"]),
    ],
)
def test_each_number_format_reads_as_word_shows_it(
    tmp_path: Path, number_format: str, start: int, labels: list[str]
) -> None:
    definitions = numbering_part({1: level(0, "%1)", number_format, start)}, {1: uses(1)})
    body = "".join(numbered(f"Item {n}", 1) for n in range(3))
    assert _lines(tmp_path, body, definitions) == [
        f"{label} Item {n}" for n, label in enumerate(labels)
    ]


def test_headings_numbered_through_their_style_and_its_base(tmp_path: Path) -> None:
    styles = styles_part(
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/>'
        '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/>'
        '<w:pPr><w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="ScheduleHeading"><w:name w:val="Schedule Heading"/>'
        '<w:basedOn w:val="Heading2"/></w:style>'
    )
    definitions = numbering_part(
        {1: level(0, "%1", extra='<w:pStyle w:val="Heading1"/>') + level(1, "%1.%2")},
        {1: uses(1)},
    )
    body = (
        paragraph("Scope", '<w:pStyle w:val="Heading1"/>')
        + paragraph("Services", '<w:pStyle w:val="Heading2"/>')
        + paragraph("Schedules", '<w:pStyle w:val="ScheduleHeading"/>')
        + paragraph(
            "Unnumbered heading",
            '<w:pStyle w:val="Heading1"/><w:numPr><w:numId w:val="0"/></w:numPr>',
        )
        + paragraph("Fees", '<w:pStyle w:val="Heading1"/>')
    )
    content = word_package(body, numbering=definitions, styles=styles)
    parsed = parse(tmp_path, content, "docx")
    sections = {s.location: s.text for s in parsed.sections}
    assert list(sections) == ["1 Scope", "1.1 Services", "Unnumbered heading", "2 Fees"]
    # Not a heading style, but numbered through the heading style it is based on.
    assert "1.2 Schedules" in sections["1.1 Services"]


def test_lists_restart_continue_and_cite_in_legal_form(tmp_path: Path) -> None:
    definitions = numbering_part(
        {
            1: level(0, "%1.", "upperRoman") + level(1, "%1.%2", extra="<w:isLgl/>"),
            2: level(0, "Step %1:")
            + level(1, "%2.", "lowerRoman", extra='<w:lvlRestart w:val="0"/>'),
        },
        {
            1: uses(1),
            2: uses(2),
            3: uses(2, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>'),
            4: uses(2),
        },
    )
    body = (
        numbered("Article heading", 1)
        + numbered("Article heading again", 1)
        + numbered("Legal clause", 1, 1)
        + numbered("Prepare", 2)
        + numbered("sub a", 2, 1)
        + numbered("Run", 2)
        + numbered("sub b never restarts", 2, 1)
        + numbered("Restarted list", 3)
        + numbered("Continued list", 4)
    )
    assert _lines(tmp_path, body, definitions) == [
        "I. Article heading",
        "II. Article heading again",
        "2.1 Legal clause",
        "Step 1: Prepare",
        "i. sub a",
        "Step 2: Run",
        "ii. sub b never restarts",
        "Step 1: Restarted list",
        "Step 2: Continued list",
    ]


def test_bullets_and_text_only_templates(tmp_path: Path) -> None:
    definitions = numbering_part(
        {
            1: level(0, "\uf0b7", "bullet"),
            2: level(0, "Annex", "none"),
        },
        {1: uses(1), 2: uses(2)},
    )
    body = numbered("A bulleted point", 1) + numbered("Pricing tables", 2)
    lines = _lines(tmp_path, body, definitions)
    assert lines == ["A bulleted point", "Annex Pricing tables"]


HOSTILE: list[tuple[str, str, str, str]] = [
    # (name, numbering part, styles part, body)
    (
        "huge start in roman",
        numbering_part({1: level(0, "%1.", "upperRoman", start=10**12)}, {1: uses(1)}),
        "",
        numbered("Huge", 1),
    ),
    ("level beyond nine", CLAUSES, "", numbered("Deep", 1, 50)),
    ("negative level", CLAUSES, "", numbered("Negative", 1, -1)),
    ("undefined list", CLAUSES, "", numbered("Undefined", 99)),
    (
        "style cycle",
        CLAUSES,
        styles_part(
            '<w:style w:styleId="A"><w:basedOn w:val="B"/></w:style>'
            '<w:style w:styleId="B"><w:basedOn w:val="A"/></w:style>'
        ),
        paragraph("Cycle", '<w:pStyle w:val="A"/>'),
    ),
    (
        "numbering style link cycle",
        f'<w:numbering xmlns:w="{"http://schemas.openxmlformats.org/wordprocessingml/2006/main"}">'
        '<w:abstractNum w:abstractNumId="1"><w:numStyleLink w:val="L"/></w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num></w:numbering>',
        styles_part(
            '<w:style w:styleId="L"><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        ),
        numbered("Linked", 1),
    ),
    (
        "huge template",
        numbering_part({1: level(0, "%1" * 5000)}, {1: uses(1)}),
        "",
        numbered("Template", 1),
    ),
    ("damaged numbering part", "<w:numbering not xml", "", numbered("Damaged", 1)),
]


@pytest.mark.parametrize(
    ("name", "definitions", "styles", "body"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_numbering_is_bounded_and_keeps_the_text(
    tmp_path: Path, name: str, definitions: str, styles: str, body: str
) -> None:
    lines = _lines(tmp_path, body, definitions, styles)
    assert len(lines) == 1
    assert len(lines[0]) < 200, name
    if name == "huge start in roman":
        assert lines[0] == f"{10**12}. Huge"


def test_twenty_thousand_numbered_paragraphs_count_on(tmp_path: Path) -> None:
    body = "".join(numbered(f"p{n}", 1, 1) for n in range(20_000))
    lines = _lines(tmp_path, numbered("Head", 1) + body, CLAUSES)
    assert lines[-1] == "7.20000. p19999"


# Symbol fonts ------------------------------------------------------------------------------


def _run(text: str, font: str) -> str:
    return (
        f'<w:r><w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr><w:t>{text}</w:t></w:r>'
    )


@pytest.mark.parametrize(
    ("runs", "expected"),
    [
        ('<w:r><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>', "SSO ✓"),
        ('<w:r><w:sym w:font="Wingdings" w:char="FB"/></w:r>', "SSO ✗"),
        ('<w:r><w:sym w:font="Wingdings 2" w:char="F050"/></w:r>', "SSO ✓"),
        ('<w:r><w:sym w:font="Webdings" w:char="F061"/></w:r>', "SSO ✓"),
        ('<w:r><w:sym w:font="Segoe UI Symbol" w:char="2713"/></w:r>', "SSO ✓"),
        (_run("ü", "Wingdings"), "SSO ✓"),
        (_run("\uf0fb", "Wingdings"), "SSO ✗"),
        (_run("«", "Wingdings"), "SSO ★"),
        (_run("l n", "Wingdings"), "SSO ● ■"),
        (_run("p", "Symbol"), "SSO π"),
        (_run("³ 5", "Symbol"), "SSO ≥ 5"),
        (_run("\u03b2 ✓", "Symbol"), "SSO \u03b2 ✓"),
        # Unknown symbols and stray private-use characters are left out, not indexed as junk.
        ('<w:r><w:sym w:font="Wingdings" w:char="F001"/></w:r>', "SSO"),
        ('<w:r><w:sym w:font="Wingdings" w:char="zz"/></w:r>', "SSO"),
        (_run("\uf0a0", "Calibri"), "SSO"),
    ],
)
def test_word_symbol_fonts_read_as_their_symbols(tmp_path: Path, runs: str, expected: str) -> None:
    body = f'<w:p><w:r><w:t xml:space="preserve">SSO </w:t></w:r>{runs}</w:p>'
    content = word_package(body)
    assert text_of(parse(tmp_path, content, "docx")).strip() == expected


# Symbol fonts set by styles, defaults and the theme (decision 0140) --------------------------


def _style(
    style_id: str, kind: str, fonts: str = "", *, based_on: str = "", default: bool = False
) -> str:
    based = f'<w:basedOn w:val="{based_on}"/>' if based_on else ""
    flag = ' w:default="1"' if default else ""
    rpr = f"<w:rPr><w:rFonts {fonts}/></w:rPr>" if fonts else ""
    return (
        f'<w:style w:type="{kind}"{flag} w:styleId="{style_id}"><w:name w:val="{style_id}"/>'
        f"{based}{rpr}</w:style>"
    )


def _theme(minor: str) -> Part:
    xml = (
        f'<a:theme xmlns:a="{A}" name="Office"><a:themeElements><a:fontScheme name="Office">'
        '<a:majorFont><a:latin typeface="Calibri Light"/></a:majorFont>'
        f'<a:minorFont><a:latin typeface="{minor}"/></a:minorFont></a:fontScheme>'
        "</a:themeElements></a:theme>"
    )
    return Part("word/theme/theme1.xml", xml, f"{R}/theme", "rIdTheme")


_WINGDINGS = 'w:ascii="Wingdings" w:hAnsi="Wingdings"'
_DEFAULTS_THEME = (
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" '
    'w:hAnsiTheme="minorHAnsi"/></w:rPr></w:rPrDefault></w:docDefaults>'
)


@pytest.mark.parametrize(
    ("styles", "paragraph_style", "run_style", "theme", "expected"),
    [
        (_style("Checks", "character", _WINGDINGS), "", "Checks", None, "SSO ✓"),
        (
            _style("Marks", "character", _WINGDINGS)
            + _style("Checks", "character", based_on="Marks"),
            "",
            "Checks",
            None,
            "SSO ✓",
        ),
        (_style("Feature", "paragraph", _WINGDINGS), "Feature", "", None, "SSO ✓"),
        (
            _style("Base", "paragraph", 'w:ascii="Symbol"')
            + _style("Feature", "paragraph", based_on="Base"),
            "Feature",
            "",
            None,
            "SSO ≥",
        ),
        (_style("Normal", "paragraph", _WINGDINGS, default=True), "", "", None, "SSO ✓"),
        (
            '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Wingdings"/></w:rPr>'
            "</w:rPrDefault></w:docDefaults>",
            "",
            "",
            None,
            "SSO ✓",
        ),
        (_DEFAULTS_THEME, "", "", "Wingdings", "SSO ✓"),
        # The character style's font wins over the paragraph style's, the theme's over a name.
        (
            _style("Feature", "paragraph", _WINGDINGS)
            + _style("Plain", "character", 'w:ascii="Calibri"'),
            "Feature",
            "Plain",
            None,
            "SSO ü",
        ),
        (
            _style("Checks", "character", 'w:asciiTheme="minorHAnsi" w:ascii="Calibri"'),
            "",
            "Checks",
            "Wingdings",
            "SSO ✓",
        ),
        # Ordinary documents: the theme's Calibri, a cycle of styles.
        (_DEFAULTS_THEME, "", "", "Calibri", "SSO ü"),
        (
            _style("A", "paragraph", based_on="B") + _style("B", "paragraph", based_on="A"),
            "A",
            "",
            None,
            "SSO ü",
        ),
    ],
    ids=[
        "character style",
        "character style's base",
        "paragraph style",
        "paragraph style's base",
        "default paragraph style",
        "document defaults",
        "theme font",
        "character over paragraph style",
        "theme over named font",
        "theme Calibri",
        "style cycle",
    ],
)
def test_a_symbol_font_set_by_a_style_is_followed(
    tmp_path: Path,
    styles: str,
    paragraph_style: str,
    run_style: str,
    theme: str | None,
    expected: str,
) -> None:
    symbol = "³" if "Symbol" in styles else "ü"
    ppr = f'<w:pPr><w:pStyle w:val="{paragraph_style}"/></w:pPr>' if paragraph_style else ""
    rpr = f'<w:rPr><w:rStyle w:val="{run_style}"/></w:rPr>' if run_style else ""
    body = (
        f'<w:p>{ppr}<w:r><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri"/></w:rPr>'
        f'<w:t xml:space="preserve">SSO </w:t></w:r><w:r>{rpr}<w:t>{symbol}</w:t></w:r></w:p>'
    )
    parts = (_theme(theme),) if theme else ()
    content = word_package(body, styles=styles_part(styles), parts=parts)
    assert text_of(parse(tmp_path, content, "docx")).strip() == expected


def test_python_docx_character_style_in_wingdings_reads_as_checks(tmp_path: Path) -> None:
    document = docx.Document()
    checks = document.styles.add_style("Checks", WD_STYLE_TYPE.CHARACTER)
    checks.font.name = "Wingdings"
    row = document.add_paragraph("Single sign-on ")
    row.add_run("ü", style="Checks")
    document.add_paragraph("Müller signs for the customer")
    out = io.BytesIO()
    document.save(out)
    text = text_of(parse(tmp_path, out.getvalue(), "docx"))
    assert "Single sign-on ✓" in text
    assert "Müller signs for the customer" in text


# Numbering formats beyond the Western ones, and each story's own counters (decision 0140) ---


@pytest.mark.parametrize(
    ("number_format", "labels"),
    [
        ("decimalEnclosedCircle", ["①", "②", "③"]),
        ("decimalEnclosedParen", ["⑴", "⑵", "⑶"]),
        ("decimalFullWidth", ["\uff11", "\uff12", "\uff13"]),
        ("ideographDigital", ["一", "二", "三"]),
        ("japaneseCounting", ["一", "二", "三"]),
        ("chineseCounting", ["一", "二", "三"]),
        ("aiueoFullWidth", ["ア", "イ", "ウ"]),
        ("aiueo", ["\uff71", "\uff72", "\uff73"]),
        ("irohaFullWidth", ["イ", "ロ", "ハ"]),
        ("ganada", ["가", "나", "다"]),
        ("russianLower", ["\u0430", "\u0431", "\u0432"]),
        ("cardinalText", ["One", "Two", "Three"]),
        ("ordinalText", ["First", "Second", "Third"]),
        ("chicago", ["*", "†", "‡"]),
    ],
)
def test_list_numbers_in_other_formats_read_as_word_shows_them(
    tmp_path: Path, number_format: str, labels: list[str]
) -> None:
    definitions = numbering_part({1: level(0, "%1.", number_format)}, {1: uses(1)})
    body = "".join(numbered(text, 1) for text in ("Scope", "Fees", "Term"))
    lines = _lines(tmp_path, body, definitions)
    assert lines == [
        f"{label}. {text}" for label, text in zip(labels, ("Scope", "Fees", "Term"), strict=True)
    ]


@pytest.mark.parametrize(
    ("start", "number_format", "label"),
    [
        (11, "japaneseCounting", "十一"),
        (20, "chineseCounting", "二十"),
        (101, "chineseCounting", "一百零一"),
        (101, "japaneseCounting", "百一"),
        (10, "ideographDigital", "一〇"),
        (21, "decimalEnclosedCircle", "21"),  # past the set's end: decimal, as Word
        (21, "ordinalText", "Twenty-first"),
        (123, "cardinalText", "One hundred twenty-three"),
        (47, "aiueoFullWidth", "アア"),
    ],
)
def test_counting_formats_past_ten(
    tmp_path: Path, start: int, number_format: str, label: str
) -> None:
    definitions = numbering_part({1: level(0, "%1", number_format, start=start)}, {1: uses(1)})
    assert _lines(tmp_path, numbered("Clause", 1), definitions) == [f"{label} Clause"]


@pytest.mark.parametrize(
    ("pattern", "labels"),
    [("001, 002, 003, ...", ["001", "002"]), ("0001, 0002, 0003, ...", ["0001", "0002"])],
)
def test_word_2010_custom_number_format_pads_as_its_pattern(
    tmp_path: Path, pattern: str, labels: list[str]
) -> None:
    custom = (
        f'<w:lvl w:ilvl="0"><w:start w:val="1"/><mc:AlternateContent xmlns:mc="{MC}">'
        f'<mc:Choice Requires="w14"><w:numFmt w:val="custom" w:format="{pattern}"/></mc:Choice>'
        '<mc:Fallback><w:numFmt w:val="decimal"/></mc:Fallback></mc:AlternateContent>'
        '<w:lvlText w:val="%1."/></w:lvl>'
    )
    definitions = numbering_part({1: custom}, {1: uses(1)})
    lines = _lines(tmp_path, numbered("Scope", 1) + numbered("Fees", 1), definitions)
    assert lines == [f"{labels[0]}. Scope", f"{labels[1]}. Fees"]


def test_a_list_in_a_footer_counts_on_its_own(tmp_path: Path) -> None:
    definitions = numbering_part({1: level(0, "%1.")}, {1: uses(1)})
    body = "".join(numbered(text, 1) for text in ("Scope", "Fees", "Term"))
    footer = numbered("Prices exclude VAT", 1) + numbered("Valid 30 days", 1)
    content = word_package(body, footer=footer, numbering=definitions)
    parsed = parse(tmp_path, content, "docx")
    by_location = {s.location: s.text for s in parsed.sections}
    assert by_location["footer"].splitlines() == ["1. Prices exclude VAT", "2. Valid 30 days"]
    assert "3. Term" in text_of(parsed)


@pytest.mark.parametrize("start", ["9" * 4300, "9" * 4299, "4294967296", "-99999999999"])
@pytest.mark.parametrize("number_format", ["decimal", "lowerLetter", "ordinal", "custom"])
def test_a_start_of_thousands_of_digits_keeps_the_document_readable(
    tmp_path: Path, start: str, number_format: str
) -> None:
    # A hostile `w:start` of thousands of digits made the second paragraph's number too long
    # for `str` (Python's digit limit) and the whole document failed as corrupt.
    definitions = numbering_part({1: level(0, "%1)", number_format)}, {1: uses(1)})
    definitions = definitions.replace('w:start w:val="1"', f'w:start w:val="{start}"')
    body = "".join(numbered(f"Item {n}", 1) for n in range(3))
    lines = _lines(tmp_path, body, definitions)
    assert [line.split(")", 1)[1] for line in lines] == [" Item 0", " Item 1", " Item 2"]
    assert all(len(line) < 40 for line in lines)
