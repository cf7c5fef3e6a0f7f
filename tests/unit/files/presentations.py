"""Generated PowerPoint decks holding text outside the slides' own text frames: in a chart
part, a SmartArt data model, and the shapes of a slide layout and master (decision 0102)."""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Callable
from typing import NamedTuple

import pptx
from lxml import etree
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

_TITLE_ONLY = 5
_DIAGRAM_DATA_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/diagramData"
)
_DIAGRAM_DATA_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.diagramData+xml"
_CHARTEX_REL = "http://schemas.microsoft.com/office/2014/relationships/chartEx"
_CHARTEX_TYPE = "application/vnd.ms-office.chartex+xml"
_FRAME_NAMESPACES = (
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
CHARTEX_FALLBACK = "This chart isn't available in your version of PowerPoint."


def _saved(presentation: pptx.presentation.Presentation) -> bytes:
    out = io.BytesIO()
    presentation.save(out)
    return out.getvalue()


def chart_deck(
    *,
    title: str,
    series: str,
    categories: list[str],
    values: list[float],
    axis_titles: tuple[str, str] | None = None,
) -> bytes:
    """Two slides; the second holds a clustered column chart (and nothing else with text)."""
    presentation = pptx.Presentation()
    presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])
    data = CategoryChartData()  # type: ignore[no-untyped-call]
    data.categories = categories
    data.add_series(series, values)  # type: ignore[no-untyped-call]
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(1), Inches(1), Inches(6), Inches(4), data
    )
    chart = frame.chart
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    if axis_titles is not None:
        chart.category_axis.axis_title.text_frame.text = axis_titles[0]
        chart.value_axis.axis_title.text_frame.text = axis_titles[1]
    return _saved(presentation)


def smartart_deck(nodes: list[tuple[str, list[str]]]) -> bytes:
    """One slide with a SmartArt graphic frame whose data model (`ppt/diagrams/data1.xml`)
    holds `nodes` (text, children's texts). python-pptx cannot write SmartArt, so the part,
    its relationship, content type and graphic frame are added to the saved package. No
    drawing cache is written: PowerPoint rebuilds it, and readers must not depend on it."""
    presentation = pptx.Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[_TITLE_ONLY])
    slide.shapes.title.text = "Onboarding process"
    content = _saved(presentation)

    dgm = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    points = [
        '<dgm:pt modelId="0" type="doc"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/></dgm:t></dgm:pt>'
    ]
    connections = []
    for number, (text, children) in enumerate(nodes, start=1):
        node_id = f"{number}"
        points.append(_point(node_id, text))
        connections.append(
            f'<dgm:cxn modelId="c{node_id}" srcId="0" destId="{node_id}" '
            f'srcOrd="{number}" destOrd="0"/>'
        )
        for order, child_text in enumerate(children):
            child_id = f"{number}.{order}"
            points.append(_point(child_id, child_text))
            connections.append(
                f'<dgm:cxn modelId="c{child_id}" srcId="{node_id}" destId="{child_id}" '
                f'srcOrd="{order}" destOrd="0"/>'
            )
        # Presentation points carry no text of their own; a reader skips them.
        points.append(f'<dgm:pt modelId="p{node_id}" type="pres"><dgm:prSet/><dgm:spPr/></dgm:pt>')
    data_part = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<dgm:dataModel xmlns:dgm="{dgm}" xmlns:a="{a}">'
        f"<dgm:ptLst>{''.join(points)}</dgm:ptLst><dgm:cxnLst>{''.join(connections)}</dgm:cxnLst>"
        f"<dgm:bg/><dgm:whole/></dgm:dataModel>"
    )
    frame = (
        f"<p:graphicFrame {_FRAME_NAMESPACES}>"
        '<p:nvGraphicFramePr><p:cNvPr id="10" name="Diagram 1"/><p:cNvGraphicFramePr/><p:nvPr/>'
        '</p:nvGraphicFramePr><p:xfrm><a:off x="0" y="0"/><a:ext cx="6000000" cy="4000000"/>'
        f'</p:xfrm><a:graphic><a:graphicData uri="{dgm}"><dgm:relIds xmlns:dgm="{dgm}" '
        'r:dm="rId90" r:lo="rId91" r:qs="rId92" r:cs="rId93"/></a:graphicData></a:graphic>'
        "</p:graphicFrame>"
    )
    part = _AddedPart("ppt/diagrams/data1.xml", data_part, _DIAGRAM_DATA_REL, _DIAGRAM_DATA_TYPE)
    return _with_frame(content, frame, part)


class _AddedPart(NamedTuple):
    name: str
    xml: str
    relationship_type: str
    content_type: str


def _with_frame(content: bytes, frame: str, part: _AddedPart) -> bytes:
    """The package with `frame` appended to the first slide's shape tree and `part` added,
    related from that slide as "rId90"."""
    return _edited(
        content,
        {
            part.name: lambda _: part.xml.encode(),
            "ppt/slides/slide1.xml": lambda xml: xml.replace(
                b"</p:spTree>", frame.encode() + b"</p:spTree>"
            ),
            "ppt/slides/_rels/slide1.xml.rels": lambda xml: xml.replace(
                b"</Relationships>",
                f'<Relationship Id="rId90" Type="{part.relationship_type}" '
                f'Target="../{part.name.removeprefix("ppt/")}"/></Relationships>'.encode(),
            ),
            "[Content_Types].xml": lambda xml: xml.replace(
                b"</Types>",
                f'<Override PartName="/{part.name}" ContentType="{part.content_type}"/>'
                "</Types>".encode(),
            ),
        },
    )


def chartex_deck(*, title: str, series: str, categories: list[str], values: list[int]) -> bytes:
    """One slide with an Office 2016 chart (a waterfall, `cx:chart`), as PowerPoint writes it:
    inside `mc:AlternateContent`, whose fallback is a text box for older readers."""
    presentation = pptx.Presentation()
    presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    cx = "http://schemas.microsoft.com/office/drawing/2014/chartex"
    points = "".join(f'<cx:pt idx="{i}">{c}</cx:pt>' for i, c in enumerate(categories))
    numbers = "".join(f'<cx:pt idx="{i}">{v}</cx:pt>' for i, v in enumerate(values))
    chart = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cx:chartSpace xmlns:cx="{cx}">'
        '<cx:chartData><cx:data id="0">'
        f'<cx:strDim type="cat"><cx:f>Sheet1!$A$2:$A$4</cx:f><cx:lvl ptCount="{len(categories)}">'
        f"{points}</cx:lvl></cx:strDim>"
        f'<cx:numDim type="val"><cx:f>Sheet1!$B$2:$B$4</cx:f><cx:lvl ptCount="{len(values)}" '
        f'formatCode="General">{numbers}</cx:lvl></cx:numDim></cx:data></cx:chartData>'
        f'<cx:chart><cx:title pos="t"><cx:tx><cx:txData><cx:v>{title}</cx:v></cx:txData></cx:tx>'
        '</cx:title><cx:plotArea><cx:plotAreaRegion><cx:series layoutId="waterfall">'
        f"<cx:tx><cx:txData><cx:f>Sheet1!$B$1</cx:f><cx:v>{series}</cx:v></cx:txData></cx:tx>"
        '<cx:dataId val="0"/></cx:series></cx:plotAreaRegion></cx:plotArea></cx:chart>'
        "</cx:chartSpace>"
    )
    frame = (
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<mc:Choice xmlns:cx1="http://schemas.microsoft.com/office/drawing/2015/9/8/chartex" '
        f'Requires="cx1"><p:graphicFrame {_FRAME_NAMESPACES}><p:nvGraphicFramePr>'
        '<p:cNvPr id="11" name="Chart 1"/><p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>'
        '<p:xfrm><a:off x="0" y="0"/><a:ext cx="6000000" cy="4000000"/></p:xfrm><a:graphic>'
        f'<a:graphicData uri="{cx}"><cx:chart xmlns:cx="{cx}" r:id="rId90"/></a:graphicData>'
        "</a:graphic></p:graphicFrame></mc:Choice><mc:Fallback>"
        f'<p:sp {_FRAME_NAMESPACES}><p:nvSpPr><p:cNvPr id="11" name="Chart 1"/><p:cNvSpPr/>'
        "<p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:p><a:r>"
        f"<a:t>{CHARTEX_FALLBACK}</a:t></a:r></a:p></p:txBody></p:sp>"
        "</mc:Fallback></mc:AlternateContent>"
    )
    part = _AddedPart("ppt/charts/chartEx1.xml", chart, _CHARTEX_REL, _CHARTEX_TYPE)
    return _with_frame(_saved(presentation), frame, part)


def _point(model_id: str, text: str) -> str:
    return (
        f'<dgm:pt modelId="{model_id}"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/><a:lstStyle/>'
        f'<a:p><a:r><a:rPr lang="en-US"/><a:t>{text}</a:t></a:r></a:p></dgm:t></dgm:pt>'
    )


def _edited(content: bytes, edits: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The package with each named part rewritten by its function (added when missing)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    pending = dict(edits)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            edit = pending.pop(item.filename, None)
            target.writestr(item, edit(data) if edit is not None else data)
        for name, add in pending.items():
            target.writestr(name, add(b""))
    return out.getvalue()


def layout_and_master_deck(
    *, master_text: str, layout_text: str, slide_texts: list[str], hide_on: int | None = None
) -> bytes:
    """Slides on the "Title Only" layout, with a text box (no placeholder) added to that layout
    and one to the slide master, as a "Confidential" banner or a footer would be. The slide
    numbered `hide_on` (1-based), if any, hides background graphics (`showMasterSp="0"`)."""
    presentation = pptx.Presentation()
    layout = presentation.slide_layouts[_TITLE_ONLY]
    scratch = presentation.slides.add_slide(layout)
    for text, tree in (
        (master_text, presentation.slide_master.shapes._spTree),
        (layout_text, layout.shapes._spTree),
    ):
        box = scratch.shapes.add_textbox(Inches(0.5), Inches(7), Inches(5), Inches(0.4))
        box.text_frame.text = text
        tree.append(copy.deepcopy(box._element))
    # The scratch slide only lent its shape factory; the deck's slides come after it.
    slide_ids = presentation.slides._sldIdLst
    rel_id = slide_ids[0].rId
    presentation.part.drop_rel(rel_id)
    slide_ids.remove(slide_ids[0])
    for number, text in enumerate(slide_texts, start=1):
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = text
        if number == hide_on:
            slide._element.set("showMasterSp", "0")
    return _saved(presentation)


def placeholder_prompt_texts(content: bytes) -> list[str]:
    """The text of every placeholder on the deck's layouts and master: the prompts
    ("Click to edit Master title style") that must never be indexed."""
    texts = []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith(("ppt/slideLayouts/slideLayout", "ppt/slideMasters/slideMaster")):
                root = etree.fromstring(archive.read(name))
                for shape in root.iter("{*}sp"):
                    if shape.find(".//{*}nvPr/{*}ph") is not None:
                        text = "".join(t.text or "" for t in shape.iter("{*}t"))
                        if text.strip():
                            texts.append(text)
    return texts
