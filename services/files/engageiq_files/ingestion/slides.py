"""PowerPoint presentations (.pptx, .pptm, .ppsx, .potx) with python-pptx: each slide's text
frames, tables and grouped shapes (recursively), then its speaker notes, as one section
located "slide N"."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pptx.package import Package
from pptx.shapes.base import BaseShape
from pptx.shapes.group import GroupShape

from engageiq_files.ingestion.ooxml import check_package, corrupt
from engageiq_files.ingestion.sections import IngestWarning, ParseFailure, ParseLimits, Section


def _shape_texts(shapes: Iterable[BaseShape]) -> Iterator[str]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shape_texts(shape.shapes)
            continue
        if shape.has_text_frame:
            yield shape.text_frame.text  # type: ignore[attr-defined]
        if getattr(shape, "has_table", False):
            for row in shape.table.rows:  # type: ignore[attr-defined]
                yield " | ".join(cell.text for cell in row.cells)


def parse_pptx(path: str, limits: ParseLimits) -> Iterator[Section | IngestWarning]:
    check_package(path, "pptx", limits)
    try:
        # Through the package, not pptx.Presentation(): that refuses slide shows (.ppsx) and
        # templates (.potx), whose main parts python-pptx reads all the same.
        presentation = Package.open(path).main_document_part.presentation
        slides = list(presentation.slides)
        for number, slide in enumerate(slides[: limits.max_pages], start=1):
            texts = list(_shape_texts(slide.shapes))
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame
                if notes is not None and notes.text.strip():
                    texts.append(f"Speaker notes: {notes.text}")
            yield Section(f"slide {number}", "\n".join(t for t in texts if t.strip()))
    except ParseFailure:
        raise
    except Exception:
        # python-pptx, zipfile and lxml raise many types on damaged parts; never shown.
        raise corrupt("pptx") from None
    if len(slides) > limits.max_pages:
        yield IngestWarning(
            "truncated",
            f"Only the first {limits.max_pages} of {len(slides)} slides were indexed.",
        )
