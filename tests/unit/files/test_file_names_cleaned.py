"""File names go through the one sanitiser for names (engageiq_tenancy.display_text): invisible
characters and bidi controls are removed and long names are cut at a character boundary."""

from __future__ import annotations

from engageiq_files.uploads.names import sanitise_name


def test_invisible_characters_are_removed_from_file_names() -> None:
    assert sanitise_name("price\u200blist\u2060.pdf") == "pricelist.pdf"
    assert sanitise_name("\u3164.pdf") == "pdf"  # a Hangul filler is no name: only the dot left
    assert sanitise_name("\u2066report\u2069.md") == "report.md"


def test_long_names_are_cut_without_splitting_a_flag() -> None:
    name = sanitise_name("a" + "🇫🇷" * 150 + ".pdf")
    assert name.endswith("🇫🇷.pdf")
    assert len(name) <= 200
