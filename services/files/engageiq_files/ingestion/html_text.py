"""HTML to sections with a real HTML5 parser (selectolax's Lexbor engine follows the WHATWG
tree-building rules: optional end tags such as `</head>`, misnested tags, implied `<body>`).

- The encoding follows the WHATWG order: BOM, then `<meta charset>`/`http-equiv`, then
  detection (`encodings.decode`).
- h1-h3 start sections named by their text; blocks, table cells and list items are separated,
  so words of neighbouring cells never run together.
- Page furniture (nav, site header and footer, asides, cookie and consent banners) is kept, but
  in its own section ("page furniture"): it stays searchable without crowding the article's
  chunks. trafilatura was not adopted (docs/decisions/0051-ingestion-html-and-text.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from selectolax.lexbor import LexborHTMLParser, LexborNode

from engageiq_files.ingestion.sections import DecodedAs, IngestWarning, ParseLimits, Section
from engageiq_files.ingestion.text_formats import read_text, truncated_warning

FURNITURE_LOCATION: Final = "page furniture"
_NEVER_TEXT: Final = "script, style, noscript, template, svg, math, iframe, object"
_FURNITURE: Final = (
    "nav, aside, body > header, body > footer, [role=navigation], [role=banner], "
    "[role=contentinfo], [aria-modal=true]"
)
_BANNER_NAME: Final = re.compile(r"cookie|consent|gdpr|banner|newsletter-popup", re.I)
_SECTION_HEADINGS: Final = "h1, h2, h3"
_BLOCKS: Final = (
    "p, div, section, article, main, li, dt, dd, tr, table, ul, ol, dl, blockquote, pre, "
    "h4, h5, h6, br, hr, figure, figcaption, form, fieldset, address, details, summary, caption"
)
_CELLS: Final = "td, th"
# Private-use characters mark where sections start; they never occur in extracted text
# because every private-use character of the input is replaced first.
_MARK: Final = "\ue000"
_PRIVATE_USE: Final = re.compile("[\ue000-\uf8ff]")


def _is_banner(node: LexborNode) -> bool:
    names = " ".join(filter(None, [node.attributes.get("id"), node.attributes.get("class")]))
    return bool(names) and bool(_BANNER_NAME.search(names))


def _clean(text: str) -> str:
    text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)
    return re.sub(r"\s*\n\s*", "\n", text).strip()


def parse_html(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning | DecodedAs]:
    text, cut, encoding = read_text(path, limits, html=True)
    yield encoding
    if cut:
        yield truncated_warning("text")
    tree = LexborHTMLParser(_PRIVATE_USE.sub(" ", text))
    for node in tree.css(_NEVER_TEXT):
        node.decompose()
    title = tree.css_first("title")
    title_text = _clean(title.text()) if title is not None else ""
    body = tree.body
    if body is None:
        if title_text:
            yield Section("Introduction", title_text)
        return
    furniture: list[str] = []
    candidates = list(body.css(_FURNITURE)) + [
        n for n in body.css("[id], [class]") if _is_banner(n)
    ]
    for node in _outermost(candidates):
        furniture.append(_clean(_block_text(node)))
        node.decompose()
    for heading in body.css(_SECTION_HEADINGS):
        heading.insert_before(f"\n{_MARK}{_clean(heading.text())}{_MARK}\n")
        heading.decompose()
    content = _block_text(body)
    pieces = content.split(_MARK)
    # pieces: [intro, heading1, text1, heading2, text2, ...]
    intro = "\n".join(filter(None, [title_text, _clean(pieces[0])]))
    yield Section("Introduction", intro)
    for i in range(1, len(pieces) - 1, 2):
        name = pieces[i] or "Introduction"
        yield Section(name, "\n".join(filter(None, [pieces[i], _clean(pieces[i + 1])])))
    furniture_text = "\n".join(filter(None, furniture))
    if furniture_text:
        yield Section(FURNITURE_LOCATION, furniture_text)


def _outermost(nodes: list[LexborNode]) -> list[LexborNode]:
    """The nodes not inside another of them: removing one frees its descendants, which must
    not be touched afterwards."""
    ids = {n.mem_id for n in nodes}
    kept: dict[int, LexborNode] = {}
    for node in nodes:
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None and node.tag != "body":
            kept.setdefault(node.mem_id, node)
    return list(kept.values())


def _block_text(node: LexborNode) -> str:
    """The node's text with a line break around each block and a separator between cells."""
    for block in node.css(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    for cell in node.css(_CELLS):
        cell.insert_after(" | ")
    return node.text(deep=True, separator="", strip=False)
