"""Benchmark: the cost of Word's automatic numbering labels (decision 0137).

    .venv/bin/python bench/docx_numbering.py [--paragraphs 200000]

A generated document of numbered paragraphs on two levels ("7.1. Clause body text 0") is
parsed in process twice: with its numbering part (labels computed) and without it (the same
paragraphs, no labels), so the difference is the label work. Prints seconds for each.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sections import ParseLimits
from tests.unit.files.word_packages import level, numbered, numbering_part, uses, word_package

LIMITS = ParseLimits(
    max_pages=50, max_text_chars=100_000_000, max_docx_uncompressed_bytes=1_000_000_000
)


def _seconds(content: bytes) -> float:
    with tempfile.NamedTemporaryFile() as file:
        file.write(content)
        file.flush()
        start = time.perf_counter()
        parse_document(file.name, "docx", LIMITS)
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--paragraphs", type=int, default=200_000)
    count = parser.parse_args().paragraphs
    body = "".join(numbered(f"Clause body text {n}", 1, n % 2) for n in range(count))
    definitions = numbering_part({1: level(0, "%1.", start=7) + level(1, "%1.%2.")}, {1: uses(1)})
    with_labels = _seconds(word_package(body, numbering=definitions))
    without = _seconds(word_package(body))
    print(f"{count:,} numbered paragraphs: {with_labels:.2f} s labelled, {without:.2f} s not")


if __name__ == "__main__":
    main()
