"""Benchmark: OCR against text-layer extraction of the same pages, in the same run.

    .venv/bin/python bench/ocr_throughput.py [--pages 5] [--lines 40]

A PDF of `--pages` pages with a text layer (`--lines` lines of 12 pt Helvetica each, unique
pseudo-words) is generated, and its image-only twin: each page rendered by PDFium at 300 dpi
and saved as an image PDF by Pillow, as a scanner would. Both go through `parse_pdf` in
process and through the sandbox (a fresh process per parse, as in the service). Reported:
pages/s of each, the ratio, and the share of the text layer's words that OCR found (word
recall), so a faster setting that reads worse shows as such.
"""

from __future__ import annotations

import argparse
import io
import random
import re
import sys
import tempfile
import time
from pathlib import Path

import msgspec
import pypdfium2
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.answer_quality_corpus.documents import pdf_bytes
from engageiq_files.config import FilesSettings
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_files.ingestion.sections import ParsedDocument

SETTINGS = FilesSettings()
# The service's limits, with OCR's per-file budget lifted: this measures pages per second.
LIMITS = msgspec.structs.replace(SETTINGS.parse_limits(), ocr_budget_seconds=600)


def page_lines(rng: random.Random, lines: int) -> list[str]:
    """Lines of pronounceable pseudo-words (no dictionary helps either extractor)."""
    out = []
    for _ in range(lines):
        words = [
            "".join(rng.choice("bcdfghklmnprstvz") + rng.choice("aeiou") for _ in range(3))
            for _ in range(8)
        ]
        out.append(" ".join(words))
    return out


def scanned_twin(pdf: bytes, dpi: int = 300) -> bytes:
    """The same pages as images only (no text layer), as a scanner at `dpi` would make them."""
    document = pypdfium2.PdfDocument(pdf)
    images: list[Image.Image] = []
    for index in range(len(document)):
        page = document[index]
        images.append(page.render(scale=dpi / 72, grayscale=True).to_pil().copy())
        page.close()
    document.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def words(parsed: ParsedDocument) -> set[str]:
    return set(re.findall(r"[a-z]+", " ".join(s.text for s in parsed.sections).lower()))


def timed(parse: object, path: str) -> tuple[float, ParsedDocument]:
    started = time.perf_counter()
    parsed = parse(path, "pdf")  # type: ignore[operator]
    return time.perf_counter() - started, parsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5)
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(104)  # noqa: S311 - reproducible benchmark data
    pages = [page_lines(rng, args.lines) for _ in range(args.pages)]
    text = pdf_bytes(pages)
    scan = scanned_twin(text)
    sandbox = ParserSandbox(LIMITS, timeout=900, memory_bytes=SETTINGS.parse_memory_bytes)

    def in_process(path: str, kind: str) -> ParsedDocument:
        return parse_document(path, kind, LIMITS)

    # Start the sandbox's fork server (it preloads the parsers) before anything is timed.
    sandbox.parse(__file__, "txt")
    with tempfile.TemporaryDirectory(prefix="engageiq-ocr-bench-") as folder:
        text_path, scan_path = Path(folder) / "text", Path(folder) / "scan"
        text_path.write_bytes(text)
        scan_path.write_bytes(scan)
        print(
            f"{args.pages} pages x {args.lines} lines; text PDF {len(text) / 1024:.0f} KB, "
            f"image-only twin {len(scan) / 1024:.0f} KB (300 dpi)"
        )
        print(f"{'path':<12} {'text layer p/s':>15} {'OCR p/s':>10} {'ratio':>8}")
        for label, parse in (("in process", in_process), ("sandbox", sandbox.parse)):
            text_seconds, layer = timed(parse, str(text_path))
            scan_seconds, ocred = timed(parse, str(scan_path))
            text_rate, scan_rate = args.pages / text_seconds, args.pages / scan_seconds
            print(
                f"{label:<12} {text_rate:>15.1f} {scan_rate:>10.2f} {text_rate / scan_rate:>7.0f}x"
            )
        expected = words(layer)
        recall = len(expected & words(ocred)) / len(expected)
        codes = [w.code for w in ocred.warnings]
        print(f"OCR word recall against the text layer: {recall:.1%}; warnings: {codes}")


if __name__ == "__main__":
    main()
