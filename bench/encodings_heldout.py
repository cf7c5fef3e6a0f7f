"""Benchmark: how many short generated texts per code page `encodings.decode_as` reads wrongly.

    .venv/bin/python bench/encodings_heldout.py [--count 200] [--seed 129] [--show 3]

Texts come from tests/unit/files/encoding_samples.py: short sales exports and notes in each
language, saved in the code page a machine in that region uses (Windows-1252 for Western
Europe, 1250 Central Europe, 1254 Turkish, 1257 Baltic, 1253 and ISO-8859-7 Greek, Mac Roman
for Excel for Mac, GB18030, Shift_JIS). A text is wrong when the decoded text is not the
original (the label does not count: Latin-9 bytes without €, œ or Š read the same as
Windows-1252). DEV is the vocabulary tuned on, TEST one never looked at while tuning. Seeded
and deterministic; prints one row per kind: wrong/total for DEV and TEST, and with --show
the first few wrong readings.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq_files.ingestion.encodings import decode_as
from tests.unit.files.encoding_samples import KINDS, samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=129)
    parser.add_argument("--show", type=int, default=0)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    args = parser.parse_args()
    kinds = args.kinds.split(",") if args.kinds else list(KINDS)
    print(f"{'kind':<16} {'codec':<11} {'dev wrong':>12} {'test wrong':>12}  read as")
    for kind in kinds:
        cells = []
        labels: Counter[str] = Counter()
        shown: list[str] = []
        for split in ("dev", "test"):
            pairs = samples(kind, split, args.count, args.seed)
            wrong = 0
            for text, data in pairs:
                decoded, label = decode_as(data)
                if decoded != text:
                    wrong += 1
                    labels[label] += 1
                    if split == "dev" and len(shown) < args.show:
                        shown.append(f"    {split} {label}: {text!r} -> {decoded!r}")
            cells.append(f"{wrong:>4}/{len(pairs):<4}")
        common = ", ".join(f"{label} {n}" for label, n in labels.most_common(3))
        print(f"{kind:<16} {KINDS[kind][0]:<11} {cells[0]:>12} {cells[1]:>12}  {common}")
        for line in shown:
            print(line)


if __name__ == "__main__":
    main()
