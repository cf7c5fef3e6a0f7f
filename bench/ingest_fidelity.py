"""Benchmark: ingestion fidelity and throughput per supported type, and the sandbox's peak
memory on a 50 MB file.

    .venv/bin/python bench/ingest_fidelity.py [--scale 1.0] [--skip-memory]

1. Fidelity: a corpus of every supported type is generated from known words, each placed in
   the structures that used to be lost (Word content controls, tracked insertions, fields,
   text boxes, nested tables, headers, footers, notes; PDF ligatures; slides' groups, notes,
   charts, SmartArt, layout and master text boxes; sheets' cached formulas; HTML without
   `</head>`, in cp1251, with tables; CSV with semicolons, extra columns, UTF-16; Markdown
   setext headings, fenced code, front matter, long tables; text in de, fr, pl, ru, zh, ja,
   ko). Each file goes through the sandbox, the chunker and a tenant index, and every source
   word is searched for. Goal: 100% per type; every word not found is listed.
2. Throughput per type: full ingestion (sandbox parse + chunking + index build) against the
   parse alone (in process), in the same run, as MB/s and the ratio.
3. Peak resident memory of a sandboxed parse of a 50 MB CSV and a 50 MB text file.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq_files.config import FilesSettings
from engageiq_files.ingestion.chunking import chunk_sections
from engageiq_files.ingestion.parsers import parse_document
from engageiq_files.ingestion.sandbox import ParserSandbox
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from tests.unit.files.documents import docx_package, pptx_bytes, xlsx_bytes
from tests.unit.files.presentations import chart_deck, layout_and_master_deck, smartart_deck
from tests.unit.files.support import pdf_bytes

CASES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ingestion_cases"
SETTINGS = FilesSettings()
LIMITS = SETTINGS.parse_limits()
LANGUAGE_WORDS = {
    "de": "Kündigungsfrist Größenordnung Straße",
    "fr": "résiliation trimestre échéance",
    "pl": "wypowiedzenia miesiące zażółć",
    "ru": "расторжении тариф уведомления",
    "zh": "专业版价格",
    "ja": "年間契約割引",
    "ko": "요금제할인",
}


class Words:
    """Unique pseudo-words, so a word found can only come from where it was placed."""

    def __init__(self, seed: int = 10) -> None:
        self._rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data
        self.placed: dict[str, str] = {}  # word -> structure

    def take(self, structure: str, n: int = 3) -> str:
        words = []
        for _ in range(n):
            word = (
                "".join(self._rng.choices("bcdfghjklmnpqrstvwxz", k=3))
                + "".join(self._rng.choices("aeiou", k=2))
                + str(self._rng.randint(10, 99))
            )
            self.placed[word] = structure
            words.append(word)
        return " ".join(words)


def language_text(words: Words, structure: str) -> str:
    for language, text in LANGUAGE_WORDS.items():
        for word in text.split():
            words.placed[word] = f"{structure} ({language})"
    return " ".join(LANGUAGE_WORDS.values())


def corpus() -> dict[str, tuple[str, bytes, Words]]:
    """kind -> (file name, bytes, the words placed in it)."""
    out: dict[str, tuple[str, bytes, Words]] = {}

    w = Words(1)
    docx_words = {
        k: w.take(f"docx {k}")
        for k in [
            "heading",
            "body",
            "sdt",
            "inserted",
            "field",
            "textbox",
            "nested",
            "header",
            "footer",
            "footnote",
            "endnote",
        ]
    }
    docx_words["deleted"] = "obsoletedeletedclause"  # deliberately not searchable
    out["docx"] = ("doc.docx", docx_package(docx_words), w)

    w = Words(2)
    slides = [
        {k: w.take(f"pptx slide {i} {k}") for k in ["title", "cell", "grouped", "notes"]}
        for i in range(3)
    ]
    out["pptx"] = ("deck.pptx", pptx_bytes(slides), w)

    # Text outside the slides' own text frames (decision 0102).
    w = Words(21)
    chart = chart_deck(
        title=w.take("pptx chart title"),
        series=w.take("pptx chart series", 1),
        categories=[w.take("pptx chart category", 1) for _ in range(3)],
        values=[12, 20, 31],
        axis_titles=(w.take("pptx chart axis title", 1), w.take("pptx chart axis title", 1)),
    )
    out["pptx (chart)"] = ("chart.pptx", chart, w)
    w = Words(22)
    nodes = [(w.take("pptx smartart node"), [w.take("pptx smartart child")]) for _ in range(3)]
    w.placed.update({word: "pptx slide title" for word in ["Onboarding", "process"]})
    out["pptx (smartart)"] = ("smartart.pptx", smartart_deck(nodes), w)
    w = Words(23)
    masters = layout_and_master_deck(
        master_text=w.take("pptx master text box"),
        layout_text=w.take("pptx layout text box"),
        slide_texts=[w.take("pptx slide title") for _ in range(2)],
    )
    out["pptx (master)"] = ("masters.pptx", masters, w)

    w = Words(3)
    rows: list[list[object]] = [["Plan", "Notes", "Seats"]]
    rows += [[w.take("xlsx cell", 1), w.take("xlsx cell", 2), i] for i in range(60)]
    out["xlsx"] = (
        "book.xlsx",
        xlsx_bytes({"Pricing": rows, "Other sheet": [["h"], [w.take("xlsx sheet 2")]]}),
        w,
    )

    w = Words(4)
    pages = [f"{w.take('pdf page')} {w.take('pdf page')}" for _ in range(20)]
    out["pdf"] = ("doc.pdf", pdf_bytes(pages), w)

    # Ligature glyphs need an embedded font; the real case file has them (U+FB01, U+FB02).
    w = Words(40)
    for word in ["scientific", "workflow", "verified", "configuration", "flight"]:
        w.placed[word] = "pdf ligatures (ligatures.pdf)"
    out["pdf (ligatures)"] = ("ligatures.pdf", (CASES / "ligatures.pdf").read_bytes(), w)

    w = Words(5)
    html = (
        '<!DOCTYPE html><html><head><meta charset="windows-1251"><title>'
        + w.take("html title")
        + "</title><body><nav>"
        + w.take("html nav")
        + "</nav><h1>"
        + w.take("html h1")
        + "</h1><p>"
        + w.take("html paragraph")
        + " Тариф Профи</p><table><tr><td>"
        + w.take("html cell", 1)
        + "</td><td>"
        + w.take("html cell", 1)
        + "</td></tr></table><ul><li>"
        + w.take("html list", 1)
        + "<li>"
        + w.take("html list", 1)
        + "</ul><footer>"
        + w.take("html footer")
        + "</footer>"
    )
    for word in ["Тариф", "Профи"]:
        w.placed[word] = "html cp1251"
    out["html"] = ("page.html", html.encode("cp1251"), w)

    w = Words(6)
    md = (
        "---\ntitle: " + w.take("md front matter") + "\n---\n" + w.take("md intro") + "\n\n"
        "```\n# "
        + w.take("md fenced code")
        + "\n```\n\nSetext "
        + w.take("md setext heading", 1)
        + "\n=====\n\n"
        + language_text(w, "md")
        + "\n\n| Plan | Notes |\n|---|---|\n"
        + "\n".join(f"| {w.take('md table', 1)} | {w.take('md table', 4)} |" for _ in range(60))
        + "\n"
    )
    out["md"] = ("notes.md", md.encode(), w)

    w = Words(7)
    csv_text = (
        "sku;name\n"
        + "\n".join(
            f"{w.take('csv field', 1)};{w.take('csv field', 1)};{w.take('csv beyond header', 1)}"
            for _ in range(40)
        )
        + "\nMünchen;Köln;Zürich\n"
    )
    for word in ["München", "Köln", "Zürich"]:
        w.placed[word] = "csv utf-16"
    out["csv"] = ("export.csv", csv_text.encode("utf-16"), w)

    w = Words(8)
    txt = "\n".join(w.take("txt line", 5) for _ in range(200)) + "\n" + language_text(w, "txt")
    txt += "\n" + "我们的客户成功团队在工作日提供中文支持服务并且承诺在四个小时之内回复所有紧急工单"
    w.placed["紧急工单"] = "txt long CJK clause (zh)"
    out["txt"] = ("plain.txt", txt.encode(), w)
    return out


def searchable_share(
    sandbox: ParserSandbox, name: str, data: bytes, kind: str, words: Words
) -> tuple[int, list[str]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "upload"  # no extension, as in the worker
        path.write_bytes(data)
        parsed = sandbox.parse(str(path), kind)
    chunks = chunk_sections(parsed.sections)
    index = TenantIndex.build([IndexedChunk("f", name, c.location, c.text) for c in chunks])
    missing = [
        f"{word} ({where})" for word, where in words.placed.items() if not index.search(word, 1)
    ]
    return len(words.placed), missing


def large_inputs(scale: float) -> dict[str, tuple[str, bytes]]:
    """Larger files per type for throughput (about 2-5 MB of text each at scale 1)."""
    rng = random.Random(9)  # noqa: S311
    vocab = ["".join(rng.choices("abcdefghiklmnoprstu", k=rng.randint(3, 9))) for _ in range(5000)]

    def sentence(n: int = 12) -> str:
        return " ".join(rng.choices(vocab, k=n))

    n = int(2000 * scale)
    return {
        "txt": ("big.txt", "\n".join(sentence() for _ in range(n * 20)).encode()),
        "md": (
            "big.md",
            "\n\n".join(f"## {sentence(3)}\n{sentence(40)}" for _ in range(n * 5)).encode(),
        ),
        "csv": (
            "big.csv",
            (
                "a;b;c\n" + "\n".join(f"{sentence(2)};{sentence(5)};{i}" for i in range(n * 20))
            ).encode(),
        ),
        "html": (
            "big.html",
            (
                "<!doctype html><body>"
                + "".join(f"<h2>{sentence(3)}</h2><p>{sentence(40)}</p>" for _ in range(n * 5))
            ).encode(),
        ),
        "pdf": ("big.pdf", pdf_bytes([sentence(60) for _ in range(n // 2)])),
        "docx": ("big.docx", _big_docx([sentence(40) for _ in range(n * 5)])),
        "pptx": (
            "big.pptx",
            pptx_bytes(
                [
                    {
                        "title": sentence(4),
                        "cell": sentence(3),
                        "grouped": sentence(20),
                        "notes": sentence(40),
                    }
                    for _ in range(n // 10)
                ]
            ),
        ),
        "xlsx": (
            "big.xlsx",
            xlsx_bytes(
                {"Data": [["a", "b", "c"], *([sentence(2), sentence(5), i] for i in range(n * 10))]}
            ),
        ),
    }


def _big_docx(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for i, text in enumerate(paragraphs):
        if i % 20 == 0:
            document.add_heading(text[:30], level=1)
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def ingest(sandbox: ParserSandbox, path: str, kind: str) -> TenantIndex:
    """What the service does with an upload, minus storage: sandboxed parse, chunks, index."""
    parsed = sandbox.parse(path, kind)
    chunks = chunk_sections(parsed.sections)
    return TenantIndex.build([IndexedChunk("f", "doc", c.location, c.text) for c in chunks])


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _peak_child(path: str, kind: str, memory: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    parse_document(path, kind, LIMITS)


def peak_memory_mb(path: str, kind: str) -> float:
    """Peak RSS of one parse in a fresh child with the sandbox's address-space bound (the
    sandbox's own children belong to its fork server, so their usage is not visible here)."""
    context = multiprocessing.get_context("spawn")
    process = context.Process(target=_peak_child, args=(path, kind, SETTINGS.parse_memory_bytes))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    process.start()
    process.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if process.exitcode != 0:
        return float("nan")
    return max(after, before) / 1024  # Linux reports KiB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    sandbox = ParserSandbox(
        LIMITS, timeout=SETTINGS.parse_timeout_seconds, memory_bytes=SETTINGS.parse_memory_bytes
    )

    if not args.skip_memory:
        # First, while no other child has been waited for: RUSAGE_CHILDREN is a maximum.
        with tempfile.TemporaryDirectory() as folder:
            rng = random.Random(5)  # noqa: S311
            line = " ".join("".join(rng.choices("abcdefghij", k=7)) for _ in range(12))
            size = 50 * 1000 * 1000
            for kind, _name in (("txt", "fifty.txt"), ("csv", "fifty.csv")):
                path = Path(folder) / "upload"  # no extension, as in the worker
                with path.open("w") as f:
                    row = line if kind == "txt" else line.replace(" ", ",")
                    f.write(
                        ("h1,h2,h3\n" if kind == "csv" else "")
                        + (row + "\n") * (size // (len(row) + 1))
                    )
                peak = peak_memory_mb(str(path), kind)
                bound = SETTINGS.parse_memory_bytes // 2**20
                print(
                    f"peak memory of a sandboxed parse, 50 MB {kind}: {peak:.0f} MB "
                    f"(bound {bound} MiB address space)"
                )

    print("\nfidelity: share of source words searchable after ingestion")
    total_found = total = 0
    for label, (name, data, words) in corpus().items():
        kind = label.split()[0]
        count, missing = searchable_share(sandbox, name, data, kind, words)
        total += count
        total_found += count - len(missing)
        share = 100 * (count - len(missing)) / count
        print(f"  {label:15} {count - len(missing):4}/{count:<4} {share:6.2f}%")
        for item in missing:
            print(f"        not found: {item}")
    print(f"  {'all':15} {total_found}/{total} {100 * total_found / total:.2f}%")

    print("\nthroughput: full ingestion (sandbox + chunks + index) vs parse alone, same run")
    for kind, (_name, data) in large_inputs(args.scale).items():
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"  # no extension, as in the worker
            path.write_bytes(data)
            mb = len(data) / 1e6
            alone = timed(partial(parse_document, str(path), kind, LIMITS))
            full = timed(partial(ingest, sandbox, str(path), kind))
            pages = len(parse_document(str(path), kind, LIMITS).sections)
            print(
                f"  {kind:5} {mb:6.2f} MB, {pages:5} sections: parse {mb / alone:6.2f} MB/s, "
                f"ingest {mb / full:6.2f} MB/s, ingest/parse time x{full / alone:.2f}"
            )


if __name__ == "__main__":
    main()
