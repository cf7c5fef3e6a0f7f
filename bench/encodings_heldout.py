"""Benchmark: how many short generated texts per code page `encodings.decode_as` reads wrongly.

    .venv/bin/python bench/encodings_heldout.py [--count 200] [--seed 129] [--show 3]

Texts come from tests/unit/files/encoding_samples.py: short sales exports and notes in each
language, saved in the code page a machine in that region uses (Windows-1252 for Western
Europe, 1250 Central Europe, 1254 Turkish, 1257 Baltic, 1253 and ISO-8859-7 Greek, Mac Roman
for Excel for Mac, GB18030, Shift_JIS). A text is wrong when the decoded text is not the
original (the label does not count: Latin-9 bytes without €, œ or Š read the same as
Windows-1252). DEV is the vocabulary tuned on, TEST one never looked at while tuning. Seeded
and deterministic; prints one row per kind: wrong/total for DEV and TEST, and with --show
the first few wrong DEV readings.

With --faker, a third set never looked at while tuning: Faker's names, cities and companies
per locale (Faker comes with polyfactory; the section is skipped without it), as
"name;city;company;amount" rows, one to three per file, in the locale's code page.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq_files.ingestion.encodings import decode_as
from tests.unit.files.encoding_samples import KINDS, samples

FAKER_KINDS = {
    "cp1252": (
        "es_ES",
        "de_DE",
        "fr_FR",
        "pt_PT",
        "pt_BR",
        "it_IT",
        "nl_NL",
        "sv_SE",
        "da_DK",
        "no_NO",
        "fi_FI",
        "is_IS",
    ),
    "iso8859-15": ("fr_FR", "de_DE", "es_ES", "fi_FI"),
    "mac_roman": ("de_DE", "fr_FR", "es_ES", "pt_PT", "it_IT", "sv_SE", "no_NO"),
    "cp1250": ("hu_HU", "cs_CZ", "sk_SK", "pl_PL", "hr_HR", "sl_SI"),
    "cp1254": ("tr_TR",),
    "cp1257": ("lt_LT", "lv_LV", "et_EE"),
    "cp1253": ("el_GR",),
    "iso8859-7": ("el_GR",),
    "cp1251": ("ru_RU", "uk_UA", "bg_BG"),
    "gb18030": ("zh_CN",),
    "shift_jis": ("ja_JP",),
}


def faker_rows(codec: str, locale: str, count: int, seed: int) -> list[tuple[str, bytes]]:
    """`count` short exports of Faker's `locale` in `codec` (texts it cannot write skipped)."""
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(seed)
    out: list[tuple[str, bytes]] = []
    currency = "€" if codec not in {"gb18030", "shift_jis", "cp1251"} else ""
    for _ in range(count * 2):
        rows = [
            f"{fake.name()};{fake.city()};{fake.company()};{fake.random_int(10, 9999)} {currency}"
            for _ in range(fake.random_int(1, 3))
        ]
        text = "\n".join(rows) + "\n"
        try:
            out.append((text, text.encode(codec)))
        except UnicodeEncodeError:
            continue
        if len(out) == count:
            break
    return out


def faker_table(count: int, seed: int, show: int) -> None:
    try:
        import faker  # noqa: F401
    except ImportError:
        print("(Faker not installed: no third set)")
        return
    print(f"\n{'faker locale':<16} {'codec':<11} {'wrong':>12}  read as")
    for codec, locales in FAKER_KINDS.items():
        for locale in locales:
            pairs = faker_rows(codec, locale, count, seed)
            labels: Counter[str] = Counter()
            shown: list[str] = []
            for text, data in pairs:
                decoded, label = decode_as(data)
                if decoded != text:
                    labels[label] += 1
                    if len(shown) < show:
                        shown.append(f"    {label}: {text!r} -> {decoded!r}")
            wrong = sum(labels.values())
            common = ", ".join(f"{label} {n}" for label, n in labels.most_common(3))
            print(f"{locale:<16} {codec:<11} {wrong:>4}/{len(pairs):<7}  {common}")
            for line in shown:
                print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=129)
    parser.add_argument("--show", type=int, default=0)
    parser.add_argument("--kinds", default="", help="comma-separated kinds (default: all)")
    parser.add_argument("--faker", action="store_true", help="also Faker's locales")
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
    if args.faker:
        faker_table(args.count, args.seed, 0)


if __name__ == "__main__":
    main()
