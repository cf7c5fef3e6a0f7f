# ruff: noqa: E501  (package XML is clearer on one line per structure)
"""Generated Word packages for what Word draws or computes rather than stores as runs: charts
and SmartArt in drawings, automatic numbering, symbol fonts (decision 0137). Built from known
text in code, no binary fixtures."""

from __future__ import annotations

import io
import zipfile
from typing import Final, NamedTuple

from tests.unit.files.documents import DOCX_MAIN, MC
from tests.unit.files.documents import R_TRANSITIONAL as R
from tests.unit.files.documents import W_TRANSITIONAL as W

WP: Final = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
A: Final = "http://schemas.openxmlformats.org/drawingml/2006/main"
C: Final = "http://schemas.openxmlformats.org/drawingml/2006/chart"
CX: Final = "http://schemas.microsoft.com/office/drawing/2014/chartex"
DGM: Final = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
WPS: Final = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
NAMESPACES: Final = (
    f'xmlns:w="{W}" xmlns:r="{R}" xmlns:wp="{WP}" xmlns:a="{A}" xmlns:c="{C}" '
    f'xmlns:cx="{CX}" xmlns:dgm="{DGM}" xmlns:wps="{WPS}" xmlns:mc="{MC}"'
)
CHART_REL: Final = f"{R}/chart"
CHARTEX_REL: Final = "http://schemas.microsoft.com/office/2014/relationships/chartEx"
DIAGRAM_DATA_REL: Final = f"{R}/diagramData"


class Part(NamedTuple):
    """A part added to the package, related from `source` as `rel_id`."""

    name: str
    xml: str
    rel_type: str
    rel_id: str
    source: str = "word/document.xml"


def paragraph(text: str, properties: str = "", run_properties: str = "") -> str:
    ppr = f"<w:pPr>{properties}</w:pPr>" if properties else ""
    rpr = f"<w:rPr>{run_properties}</w:rPr>" if run_properties else ""
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def numbered(text: str, num_id: int, level: int = 0, style: str = "") -> str:
    """A paragraph numbered by its own `w:numPr` (and styled `style`)."""
    styled = f'<w:pStyle w:val="{style}"/>' if style else ""
    return paragraph(
        text,
        f'{styled}<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>',
    )


def level(
    index: int,
    template: str,
    number_format: str = "decimal",
    start: int = 1,
    extra: str = "",
) -> str:
    return (
        f'<w:lvl w:ilvl="{index}"><w:start w:val="{start}"/><w:numFmt w:val="{number_format}"/>'
        f'{extra}<w:lvlText w:val="{template}"/><w:lvlJc w:val="left"/></w:lvl>'
    )


def numbering_part(abstracts: dict[int, str], nums: dict[int, str]) -> str:
    """`abstracts`: abstractNumId -> its `w:lvl`s (and other children); `nums`: numId ->
    "abstractNumId" content (the `w:abstractNumId` and any `w:lvlOverride`s)."""
    body = "".join(
        f'<w:abstractNum w:abstractNumId="{i}">{levels}</w:abstractNum>'
        for i, levels in abstracts.items()
    ) + "".join(f'<w:num w:numId="{i}">{content}</w:num>' for i, content in nums.items())
    return f'<w:numbering xmlns:w="{W}">{body}</w:numbering>'


def uses(abstract: int, overrides: str = "") -> str:
    return f'<w:abstractNumId w:val="{abstract}"/>{overrides}'


def styles_part(styles: str) -> str:
    return f'<w:styles xmlns:w="{W}">{styles}</w:styles>'


def drawing(graphic: str, *, anchored: bool = False) -> str:
    """A run holding a `w:drawing`, inline or anchored to the paragraph."""
    kind = "anchor" if anchored else "inline"
    return (
        f'<w:r><w:drawing><wp:{kind}><wp:extent cx="5486400" cy="3200400"/><wp:docPr id="1" name="Graphic 1"/>'
        f"<a:graphic>{graphic}</a:graphic></wp:{kind}></w:drawing></w:r>"
    )


def chart_graphic(rel_id: str) -> str:
    return f'<a:graphicData uri="{C}"><c:chart r:id="{rel_id}"/></a:graphicData>'


def chartex_graphic(rel_id: str) -> str:
    """An Office 2016 chart as Word writes it: `mc:AlternateContent` whose fallback is a
    picture for older readers."""
    return (
        '<a:graphicData uri="http://schemas.microsoft.com/office/drawing/2014/chartex">'
        f'<cx:chart r:id="{rel_id}"/></a:graphicData>'
    )


def smartart_graphic(rel_id: str) -> str:
    return (
        f'<a:graphicData uri="{DGM}"><dgm:relIds r:dm="{rel_id}" r:lo="rIdLo" r:qs="rIdQs" '
        'r:cs="rIdCs"/></a:graphicData>'
    )


def text_box(content: str) -> str:
    """A run holding an anchored text box (`wps:txbx`) whose content is `content`."""
    return (
        f'<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:extent cx="1" cy="1"/>'
        f'<wp:docPr id="2" name="Text Box 2"/><a:graphic><a:graphicData uri="{WPS}"><wps:wsp><wps:txbx>'
        f"<w:txbxContent>{content}</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic>"
        "</wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict/></mc:Fallback></mc:AlternateContent></w:r>"
    )


def chart_part(title: str, series: str, categories: list[str], values: list[int]) -> str:
    """A clustered column chart with `title` and one series of cached data."""
    points = "".join(f'<c:pt idx="{i}"><c:v>{c}</c:v></c:pt>' for i, c in enumerate(categories))
    numbers = "".join(f'<c:pt idx="{i}"><c:v>{v}</c:v></c:pt>' for i, v in enumerate(values))
    return (
        f'<c:chartSpace xmlns:c="{C}" xmlns:a="{A}"><c:chart><c:title><c:tx><c:rich><a:bodyPr/>'
        f"<a:p><a:r><a:t>{title}</a:t></a:r></a:p></c:rich></c:tx></c:title><c:plotArea><c:barChart>"
        f'<c:ser><c:idx val="0"/><c:tx><c:strRef><c:f>Sheet1!$B$1</c:f><c:strCache><c:pt idx="0"><c:v>{series}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
        f'<c:cat><c:strRef><c:f>Sheet1!$A$2:$A$4</c:f><c:strCache><c:ptCount val="{len(categories)}"/>{points}</c:strCache></c:strRef></c:cat>'
        f'<c:val><c:numRef><c:f>Sheet1!$B$2:$B$4</c:f><c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(values)}"/>{numbers}</c:numCache></c:numRef></c:val>'
        "</c:ser></c:barChart></c:plotArea></c:chart></c:chartSpace>"
    )


def chartex_part(title: str, categories: list[str], values: list[int]) -> str:
    """A waterfall chart (`cx:chartSpace`) with `title` and its data."""
    points = "".join(f'<cx:pt idx="{i}">{c}</cx:pt>' for i, c in enumerate(categories))
    numbers = "".join(f'<cx:pt idx="{i}">{v}</cx:pt>' for i, v in enumerate(values))
    return (
        f'<cx:chartSpace xmlns:cx="{CX}"><cx:chartData><cx:data id="0">'
        f'<cx:strDim type="cat"><cx:f>Sheet1!$A$2:$A$4</cx:f><cx:lvl ptCount="{len(categories)}">{points}</cx:lvl></cx:strDim>'
        f'<cx:numDim type="val"><cx:f>Sheet1!$B$2:$B$4</cx:f><cx:lvl ptCount="{len(values)}" formatCode="General">{numbers}</cx:lvl></cx:numDim>'
        f'</cx:data></cx:chartData><cx:chart><cx:title pos="t"><cx:tx><cx:txData><cx:v>{title}</cx:v></cx:txData></cx:tx></cx:title>'
        '<cx:plotArea><cx:plotAreaRegion><cx:series layoutId="waterfall"><cx:dataId val="0"/></cx:series>'
        "</cx:plotAreaRegion></cx:plotArea></cx:chart></cx:chartSpace>"
    )


def smartart_part(nodes: list[tuple[str, list[str]]]) -> str:
    """A SmartArt data model whose points are `nodes` (text, children's texts)."""
    points = ['<dgm:pt modelId="0" type="doc"><dgm:prSet/><dgm:spPr/></dgm:pt>']
    connections = []
    for number, (text, children) in enumerate(nodes, start=1):
        points.append(_point(f"{number}", text))
        connections.append(
            f'<dgm:cxn modelId="c{number}" srcId="0" destId="{number}" srcOrd="{number}" destOrd="0"/>'
        )
        for order, child in enumerate(children):
            points.append(_point(f"{number}.{order}", child))
            connections.append(
                f'<dgm:cxn modelId="c{number}.{order}" srcId="{number}" destId="{number}.{order}" srcOrd="{order}" destOrd="0"/>'
            )
    return (
        f'<dgm:dataModel xmlns:dgm="{DGM}" xmlns:a="{A}"><dgm:ptLst>{"".join(points)}</dgm:ptLst>'
        f"<dgm:cxnLst>{''.join(connections)}</dgm:cxnLst></dgm:dataModel>"
    )


def _point(model_id: str, text: str) -> str:
    return (
        f'<dgm:pt modelId="{model_id}"><dgm:prSet/><dgm:spPr/><dgm:t><a:bodyPr/>'
        f"<a:p><a:r><a:t>{text}</a:t></a:r></a:p></dgm:t></dgm:pt>"
    )


def word_package(
    body: str,
    *,
    header: str = "",
    footer: str = "",
    numbering: str = "",
    styles: str = "",
    parts: tuple[Part, ...] = (),
) -> bytes:
    """A Word package whose body is `body` (paragraphs and tables), with a header, footer,
    numbering and styles part when given, and `parts` related from their source."""
    documents = {
        "word/document.xml": f"<w:document {NAMESPACES}><w:body>{body}</w:body></w:document>"
    }
    rels: dict[str, list[str]] = {"word/document.xml": []}
    for name, root, content, kind in (
        ("word/header1.xml", "hdr", header, "header"),
        ("word/footer1.xml", "ftr", footer, "footer"),
    ):
        if content:
            documents[name] = f"<w:{root} {NAMESPACES}>{content}</w:{root}>"
            rels["word/document.xml"].append(
                f'<Relationship Id="rId{kind}" Type="{R}/{kind}" Target="{name.removeprefix("word/")}"/>'
            )
            rels[name] = []
    for name, content, kind in (
        ("word/numbering.xml", numbering, "numbering"),
        ("word/styles.xml", styles, "styles"),
    ):
        if content:
            documents[name] = content
            rels["word/document.xml"].append(
                f'<Relationship Id="rId{kind}" Type="{R}/{kind}" Target="{name.removeprefix("word/")}"/>'
            )
    for part in parts:
        documents[part.name] = part.xml
        rels.setdefault(part.source, []).append(
            f'<Relationship Id="{part.rel_id}" Type="{part.rel_type}" Target="{part.name.removeprefix("word/")}"/>'
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{DOCX_MAIN}"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        for name, xml in documents.items():
            z.writestr(name, xml)
        for source, entries in rels.items():
            folder, _, base = source.rpartition("/")
            z.writestr(
                f"{folder}/_rels/{base}.rels",
                f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{"".join(entries)}</Relationships>',
            )
    return out.getvalue()
