"""Presentations as PowerPoint, python-pptx and other writers save them, each variant of a kind
of fault of decision 0102: the text a viewer sees on a slide must be what is indexed."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pptx
import pytest
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from engageiq_files.ingestion.sections import ParseFailure
from tests.unit.files.presentations import _edited, _saved, smartart_deck
from tests.unit.files.test_ingestion_kinds import parse, text_of


def _chart_deck(data: CategoryChartData, kind: XL_CHART_TYPE = XL_CHART_TYPE.LINE) -> bytes:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    slide.shapes.add_chart(kind, Inches(1), Inches(1), Inches(6), Inches(4), data)
    return _saved(presentation)


def _with_chart_xml(content: bytes, edit: dict[str, str]) -> bytes:
    """The deck with each `old` -> `new` replacement made in its first chart part."""

    def replaced(data: bytes) -> bytes:
        text = data.decode()
        for old, new in edit.items():
            assert old in text, old
            text = text.replace(old, new)
        return text.encode()

    return _edited(content, {"ppt/charts/chart1.xml": replaced})


def _monthly(series: str, values: tuple[float, ...]) -> CategoryChartData:
    data = CategoryChartData()  # type: ignore[no-untyped-call]
    data.categories = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)][: len(values)]
    data.add_series(series, values)  # type: ignore[no-untyped-call]
    return data


@pytest.mark.parametrize(
    ("code", "date1904", "shown"),
    [
        ("yyyy\\-mm\\-dd", False, "2026-01-01 10; 2026-02-01 20"),  # python-pptx's own
        ("mmm\\-yy", False, "Jan-26 10; Feb-26 20"),  # what PowerPoint writes for months
        ("mmmm yyyy", False, "January 2026 10; February 2026 20"),
        ("m/d/yyyy", False, "1/1/2026 10; 2/1/2026 20"),
        ("mmm\\-yy", True, "Jan-30 10; Feb-30 20"),  # the same serials, 1904 date system
    ],
)
def test_date_categories_read_as_the_axis_shows_them(
    tmp_path: Path, code: str, date1904: bool, shown: str
) -> None:
    content = _with_chart_xml(
        _chart_deck(_monthly("Bookings", (10, 20))),
        {
            "<c:formatCode>yyyy\\-mm\\-dd</c:formatCode>": f"<c:formatCode>{code}</c:formatCode>",
            '<c:date1904 val="0"/>': f'<c:date1904 val="{int(date1904)}"/>',
        },
    )
    text = text_of(parse(tmp_path, content, "pptx"))
    assert f"Bookings: {shown}" in text
    assert "46023" not in text


@pytest.mark.parametrize(
    ("code", "values", "shown"),
    [
        ("0%", (0.15, 0.4), "North 15%; South 40%"),
        ('"$"#,##0', (1200, 3400), "North $1,200; South $3,400"),
        ("#,##0.0", (1234.56, 7), "North 1,234.6; South 7.0"),
        ("General", (0.30000000000000004, 12.0), "North 0.3; South 12"),
    ],
)
def test_chart_values_read_under_their_number_format(
    tmp_path: Path, code: str, values: tuple[float, ...], shown: str
) -> None:
    data = CategoryChartData(number_format=code)  # type: ignore[no-untyped-call]
    data.categories = ["North", "South"]
    data.add_series("Win rate", values)  # type: ignore[no-untyped-call]
    text = text_of(parse(tmp_path, _chart_deck(data, XL_CHART_TYPE.PIE), "pptx"))
    assert f"Win rate: {shown}" in text


def test_a_point_of_its_own_format_reads_under_it(tmp_path: Path) -> None:
    data = CategoryChartData(number_format="0%")  # type: ignore[no-untyped-call]
    data.categories = ["North", "South"]
    data.add_series("Win rate", (0.15, 0.4))  # type: ignore[no-untyped-call]
    content = _with_chart_xml(
        _chart_deck(data, XL_CHART_TYPE.PIE),
        {'<c:pt idx="1">': '<c:pt idx="1" formatCode="0.0%">'},
    )
    assert "Win rate: North 15%; South 40.0%" in text_of(parse(tmp_path, content, "pptx"))


_DSP = "http://schemas.microsoft.com/office/drawing/2008/diagram"
_DIAGRAM_DRAWING_REL = "http://schemas.microsoft.com/office/2007/relationships/diagramDrawing"


def _with_drawing_cache(content: bytes, texts: list[str], *, empty_model: bool) -> bytes:
    """A SmartArt deck with the drawing cache PowerPoint writes (`ppt/diagrams/drawing1.xml`,
    named by the data model's `dsp:dataModelExt relId`); with `empty_model`, the data model's
    points hold no text, as some converters leave it, and only the cache has the words."""
    shapes = "".join(
        f'<dsp:sp modelId="s{i}"><dsp:nvSpPr><dsp:cNvPr id="0" name=""/><dsp:cNvSpPr/>'
        f"</dsp:nvSpPr><dsp:spPr/><dsp:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r>"
        "</a:p></dsp:txBody></dsp:sp>"
        for i, text in enumerate(texts)
    )
    drawing = (
        f'<dsp:drawing xmlns:dsp="{_DSP}" xmlns:a="http://schemas.openxmlformats.org/drawingml/'
        f'2006/main"><dsp:spTree><dsp:nvGrpSpPr><dsp:cNvPr id="0" name=""/><dsp:cNvGrpSpPr/>'
        f"</dsp:nvGrpSpPr><dsp:grpSpPr/>{shapes}</dsp:spTree></dsp:drawing>"
    )
    extension = (
        '<dgm:extLst><a:ext uri="http://schemas.microsoft.com/office/drawing/2008/diagram">'
        f'<dsp:dataModelExt xmlns:dsp="{_DSP}" relId="rId94" minVer="http://schemas.'
        'openxmlformats.org/drawingml/2006/diagram"/></a:ext></dgm:extLst></dgm:dataModel>'
    )

    def model(xml: bytes) -> bytes:
        text = xml.decode().replace("</dgm:dataModel>", extension)
        if empty_model:
            text = re.sub(r"<a:p><a:r>.*?</a:p>", "<a:p/>", text)
        return text.encode()

    return _edited(
        content,
        {
            "ppt/diagrams/drawing1.xml": lambda _: drawing.encode(),
            "ppt/diagrams/data1.xml": model,
            "ppt/slides/_rels/slide1.xml.rels": lambda xml: xml.replace(
                b"</Relationships>",
                f'<Relationship Id="rId94" Type="{_DIAGRAM_DRAWING_REL}" '
                'Target="../diagrams/drawing1.xml"/></Relationships>'.encode(),
            ),
        },
    )


@pytest.mark.parametrize("empty_model", [False, True])
def test_smartart_reads_its_drawing_cache_only_when_the_model_has_no_text(
    tmp_path: Path, empty_model: bool
) -> None:
    words = ["Discovery workshop", "Pilot in Lisbon"]
    content = _with_drawing_cache(
        smartart_deck([(word, []) for word in words]),
        ["Cached " + word for word in words],
        empty_model=empty_model,
    )
    lines = text_of(parse(tmp_path, content, "pptx")).splitlines()
    if empty_model:
        assert lines == [
            "Onboarding process",
            "Cached Discovery workshop",
            "Cached Pilot in Lisbon",
        ]
    else:
        assert lines == ["Onboarding process", "Discovery workshop", "Pilot in Lisbon"]


_C15 = "http://schemas.microsoft.com/office/drawing/2012/chart"


def _labelled_deck(label_runs: str, label_range: list[str]) -> bytes:
    """A column chart whose first point's data label is `label_runs` (DrawingML runs and
    fields, as PowerPoint writes a label edited to mix text with [VALUE] or [CELLRANGE]) and
    whose series takes "Value From Cells" labels `label_range` (`c15:datalabelsRange`)."""
    data = CategoryChartData()  # type: ignore[no-untyped-call]
    data.categories = ["Q1", "Q2"]
    data.add_series("Bookings", (5, 9))  # type: ignore[no-untyped-call]
    points = "".join(
        f'<c:pt idx="{i}"><c:v>{text}</c:v></c:pt>' for i, text in enumerate(label_range)
    )
    label = (
        '<c:dLbls><c:dLbl><c:idx val="0"/><c:tx><c:rich><a:bodyPr/><a:p>'
        f'{label_runs}</a:p></c:rich></c:tx><c:showVal val="1"/></c:dLbl>'
        '<c:showVal val="1"/></c:dLbls>'
    )
    cells = (
        f'<c:extLst><c:ext uri="{{02D57815-91ED-43cb-92C2-25804820EDAC}}" xmlns:c15="{_C15}">'
        "<c15:datalabelsRange><c15:f>Sheet1!$C$2:$C$3</c15:f><c15:dlblRangeCache>"
        f'<c:ptCount val="{len(label_range)}"/>{points}</c15:dlblRangeCache>'
        "</c15:datalabelsRange></c:ext></c:extLst></c:ser>"
    )
    return _with_chart_xml(
        _chart_deck(data, XL_CHART_TYPE.COLUMN_CLUSTERED),
        {"<c:cat>": label + "<c:cat>", "</c:ser>": cells},
    )


@pytest.mark.parametrize(
    ("field", "placeholder"),
    [
        ("CELLRANGE", "[CELLRANGE]"),
        ("VALUE", "[VALUE]"),
        ("SERIESNAME", "[SERIES NAME]"),
        ("CATEGORYNAME", "[CATEGORY NAME]"),
    ],
)
def test_data_label_fields_are_not_read_as_their_placeholders(
    tmp_path: Path, field: str, placeholder: str
) -> None:
    runs = (
        '<a:r><a:t>Record quarter: </a:t></a:r><a:fld id="{5A1E1D2C-0000-4000-8000-000000000001}" '
        f'type="{field}"><a:t>{placeholder}</a:t></a:fld>'
    )
    content = _labelled_deck(runs, ["Numbat launch", "Renewals"])
    text = text_of(parse(tmp_path, content, "pptx"))
    assert "Record quarter:" in text
    assert placeholder not in text
    assert "Numbat launch" in text  # the labels taken from cells
    assert "Bookings: Q1 5; Q2 9" in text


@pytest.mark.parametrize(
    ("placeholder", "read"),
    [
        ('<p:ph type="body" idx="1"/>', True),  # PowerPoint, Google Slides, LibreOffice
        ('<p:ph idx="1"/>', True),  # no type: an object placeholder, as some generators write
        ('<p:ph type="obj" idx="1"/>', True),
        ('<p:ph type="hdr" idx="1"/>', False),  # the notes page's header, not the notes
    ],
)
def test_speaker_notes_are_read_whatever_their_placeholder_says(
    tmp_path: Path, placeholder: str, read: bool
) -> None:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    slide.notes_slide.notes_text_frame.text = "Mention the Kiwi pilot"
    content = _edited(
        _saved(presentation),
        {
            "ppt/notesSlides/notesSlide1.xml": lambda xml: re.sub(
                rb'<p:ph type="body"[^>]*/>', placeholder.encode(), xml
            )
        },
    )
    assert ("Kiwi pilot" in text_of(parse(tmp_path, content, "pptx"))) is read


def test_a_text_box_added_to_a_notes_page_is_read(tmp_path: Path) -> None:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    slide.notes_slide.notes_text_frame.text = "Main notes"
    box = (
        '<p:sp><p:nvSpPr><p:cNvPr id="9" name="TextBox 8"/><p:cNvSpPr txBox="1"/><p:nvPr/>'
        "</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>Handout remark: Kiwi pricing "
        "is final</a:t></a:r></a:p></p:txBody></p:sp></p:spTree>"
    )
    content = _edited(
        _saved(presentation),
        {"ppt/notesSlides/notesSlide1.xml": lambda xml: xml.replace(b"</p:spTree>", box.encode())},
    )
    text = text_of(parse(tmp_path, content, "pptx"))
    assert "Main notes" in text
    assert "Kiwi pricing is final" in text


@pytest.mark.parametrize(
    ("labels", "shown"),
    [
        ('<c:numFmt formatCode="0%" sourceLinked="0"/><c:showVal val="1"/>', "North 15%"),
        ('<c:numFmt formatCode="0%" sourceLinked="1"/><c:showVal val="1"/>', "North 0.15"),
        ('<c:numFmt formatCode="0%" sourceLinked="0"/><c:showVal val="0"/>', "North 0.15"),
    ],
)
def test_values_read_as_their_data_labels_show_them(
    tmp_path: Path, labels: str, shown: str
) -> None:
    data = CategoryChartData()  # type: ignore[no-untyped-call]
    data.categories = ["North", "South"]
    data.add_series("Win rate", (0.15, 0.4))  # type: ignore[no-untyped-call]
    content = _with_chart_xml(
        _chart_deck(data, XL_CHART_TYPE.COLUMN_CLUSTERED),
        {"<c:cat>": f"<c:dLbls>{labels}</c:dLbls><c:cat>"},
    )
    assert f"Win rate: {shown}" in text_of(parse(tmp_path, content, "pptx"))


@pytest.mark.parametrize(
    ("axis", "shown"),
    [
        ('<c:numFmt formatCode="mmm yy" sourceLinked="0"/>', "Jan 26 10; Feb 26 20"),
        ('<c:numFmt formatCode="mmm yy" sourceLinked="1"/>', "2026-01-01 10; 2026-02-01 20"),
    ],
)
def test_date_categories_read_in_the_axis_own_format(tmp_path: Path, axis: str, shown: str) -> None:
    content = _with_chart_xml(
        _chart_deck(_monthly("Bookings", (10, 20))),
        {'<c:numFmt formatCode="yyyy\\-mm\\-dd" sourceLinked="1"/>': axis},
    )
    assert f"Bookings: {shown}" in text_of(parse(tmp_path, content, "pptx"))


_LEGACY_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
_MODERN_COMMENTS = "http://schemas.microsoft.com/office/2018/10/relationships/comments"
_P188 = "http://schemas.microsoft.com/office/powerpoint/2018/8/main"


@pytest.mark.parametrize("kind", ["legacy", "modern"])
def test_review_comments_on_a_slide_are_read_with_it(tmp_path: Path, kind: str) -> None:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Pricing"
    if kind == "legacy":
        name, rel = "ppt/comments/comment1.xml", _LEGACY_COMMENTS
        part = (
            '<p:cmLst xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">'
            '<p:cm authorId="0" idx="1"><p:pos x="10" y="10"/><p:text>Check the Kiwi discount '
            "with legal</p:text></p:cm></p:cmLst>"
        )
    else:
        name, rel = "ppt/comments/modernComment_100_1.xml", _MODERN_COMMENTS
        body = "<p188:txBody><a:bodyPr/><a:p><a:r><a:t>{}</a:t></a:r></a:p></p188:txBody>"
        part = (
            f'<p188:cmLst xmlns:p188="{_P188}" xmlns:a="http://schemas.openxmlformats.org/'
            'drawingml/2006/main"><p188:cm id="{1}" authorId="{2}">'
            + body.format("Check the Kiwi discount with legal")
            + '<p188:replyLst><p188:reply id="{3}" authorId="{2}">'
            + body.format("Legal agreed")
            + "</p188:reply></p188:replyLst></p188:cm></p188:cmLst>"
        )
    content = _edited(
        _saved(presentation),
        {
            name: lambda _: part.encode(),
            "ppt/slides/_rels/slide1.xml.rels": lambda xml: xml.replace(
                b"</Relationships>",
                f'<Relationship Id="rId77" Type="{rel}" Target="../comments/'
                f'{name.rsplit("/", 1)[1]}"/></Relationships>'.encode(),
            ),
        },
    )
    [slide_section] = parse(tmp_path, content, "pptx").sections
    lines = slide_section.text.splitlines()
    assert lines[0] == "Pricing"
    assert "Comment: Check the Kiwi discount with legal" in lines
    if kind == "modern":
        assert "Comment: Legal agreed" in lines


def _without(content: bytes, parts: set[str]) -> bytes:
    """The package without `parts`, as a converter that drops what it does not know writes it."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename not in parts:
                target.writestr(item, source.read(item.filename))
    return out.getvalue()


def _without_relationship(rel_id: str) -> Callable[[bytes], bytes]:
    return lambda xml: re.sub(rf'<Relationship Id="{rel_id}"[^>]*/>'.encode(), b"", xml)


@pytest.mark.parametrize(
    "variant", ["no data part", "no data relationship", "damaged data part", "empty data part"]
)
def test_smartart_without_a_readable_data_model_reads_its_drawing_cache(
    tmp_path: Path, variant: str
) -> None:
    words = ["Discovery workshop", "Pilot in Lisbon"]
    content = _with_drawing_cache(
        smartart_deck([(word, []) for word in words]),
        ["Cached " + word for word in words],
        empty_model=False,
    )
    data = "ppt/diagrams/data1.xml"
    if variant == "no data part":
        content = _without(content, {data})
    elif variant == "no data relationship":
        rels = "ppt/slides/_rels/slide1.xml.rels"
        content = _edited(content, {rels: _without_relationship("rId90")})
    elif variant == "damaged data part":
        content = _edited(content, {data: lambda xml: xml[: len(xml) // 2]})
    else:
        content = _edited(content, {data: lambda _: b""})
    lines = text_of(parse(tmp_path, content, "pptx")).splitlines()
    assert lines == ["Onboarding process", "Cached Discovery workshop", "Cached Pilot in Lisbon"]


@pytest.mark.parametrize("variant", ["layout only", "no parts at all", "damaged drawing"])
def test_smartart_with_nothing_to_read_keeps_the_rest_of_the_slide(
    tmp_path: Path, variant: str
) -> None:
    content = _with_drawing_cache(
        smartart_deck([("Discovery workshop", [])]), ["Cached"], empty_model=False
    )
    if variant == "damaged drawing":
        content = _edited(
            content,
            {
                "ppt/diagrams/data1.xml": lambda _: b"<broken",
                "ppt/diagrams/drawing1.xml": lambda _: b"<broken",
            },
        )
    else:
        # The frame names a layout part (r:lo) only, or no part at all that exists.
        content = _without(content, {"ppt/diagrams/data1.xml", "ppt/diagrams/drawing1.xml"})
        if variant == "layout only":
            content = _edited(
                content,
                {
                    "ppt/diagrams/layout1.xml": lambda _: (
                        b'<dgm:layoutDef xmlns:dgm="http://schemas.openxmlformats.org/'
                        b'drawingml/2006/diagram"><dgm:sampData><dgm:dataModel/></dgm:sampData>'
                        b"</dgm:layoutDef>"
                    ),
                    "ppt/slides/_rels/slide1.xml.rels": lambda xml: xml.replace(
                        b"</Relationships>",
                        b'<Relationship Id="rId91" Type="http://schemas.openxmlformats.org/'
                        b'officeDocument/2006/relationships/diagramLayout" '
                        b'Target="../diagrams/layout1.xml"/></Relationships>',
                    ),
                },
            )
    parsed = parse(tmp_path, content, "pptx")
    assert text_of(parsed).splitlines() == ["Onboarding process"]


def test_a_damaged_chart_part_loses_only_the_chart(tmp_path: Path) -> None:
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
    slide.shapes.title.text = "Heron pipeline review"
    data = CategoryChartData()  # type: ignore[no-untyped-call]
    data.categories = ["Q1", "Q2"]
    data.add_series("Closed deals", (12, 31))  # type: ignore[no-untyped-call]
    slide.shapes.add_chart(XL_CHART_TYPE.LINE, Inches(1), Inches(2), Inches(6), Inches(4), data)
    content = _edited(_saved(presentation), {"ppt/charts/chart1.xml": lambda _: b"<c:chartSp"})
    parsed = parse(tmp_path, content, "pptx")
    assert [(s.location, s.text) for s in parsed.sections] == [("slide 1", "Heron pipeline review")]


@pytest.mark.parametrize(
    ("part", "named"),
    [
        ("ppt/notesSlides/notesSlide1.xml", "the notes of slide 1"),
        ("ppt/slideLayouts/slideLayout6.xml", "a slide layout or master"),
        ("ppt/slideMasters/slideMaster1.xml", "a slide layout or master"),
        ("ppt/slides/slide2.xml", "slide 2"),
    ],
)
def test_a_damaged_part_loses_only_itself_and_is_named(
    tmp_path: Path, part: str, named: str
) -> None:
    presentation = pptx.Presentation()
    for title in ("Heron pipeline review", "Next steps"):
        slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
        slide.shapes.title.text = title
        slide.notes_slide.notes_text_frame.text = f"Notes: {title}"
    content = _edited(_saved(presentation), {part: lambda _: b"<p:sld"})
    parsed = parse(tmp_path, content, "pptx")
    assert "Heron pipeline review" in parsed.sections[0].text
    [warning] = parsed.warnings
    assert warning.code == "parts_unreadable"
    assert f"({named})" in warning.message


def test_a_deck_whose_every_slide_is_damaged_fails(tmp_path: Path) -> None:
    presentation = pptx.Presentation()
    presentation.slides.add_slide(presentation.slide_layouts[5]).shapes.title.text = "Only"
    content = _edited(_saved(presentation), {"ppt/slides/slide1.xml": lambda _: b"<p:sld"})
    with pytest.raises(ParseFailure) as failure:
        parse(tmp_path, content, "pptx")
    assert failure.value.code == "corrupt_pptx"
