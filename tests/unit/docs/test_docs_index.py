"""The documentation's own consistency: the decision index lists every record, every record
says its status and date, the README stays a front door, and no relative link is broken."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

import pytest

ROOT: Final = Path(__file__).resolve().parents[3]
DOCS: Final = ROOT / "docs"
DECISIONS: Final = DOCS / "decisions"
INDEX: Final = DECISIONS / "README.md"
README_MAX_LINES: Final = 130

RECORD_NAME: Final = re.compile(r"^(\d{4})-.+\.md$")
TITLE: Final = re.compile(r"^#\s+(\d{4})\s*[·:.-]\s*(.+?)\s*$")
INDEX_ROW: Final = re.compile(r"^\|\s*(\d{4})\s*\|(.*)$")
LINK: Final = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE: Final = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
INLINE_CODE: Final = re.compile(r"`[^`\n]*`")
DATE: Final = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def records() -> list[Path]:
    """Every decision record (`NNNN-title.md`), the template (0000) excluded."""
    return sorted(
        path
        for path in DECISIONS.glob("*.md")
        if (match := RECORD_NAME.match(path.name)) and match.group(1) != "0000"
    )


def index_rows() -> dict[str, str]:
    """The index table's rows by number: {"0001": "| [title](file) | status | ... |"}."""
    rows: dict[str, str] = {}
    for line in INDEX.read_text(encoding="utf-8").splitlines():
        if match := INDEX_ROW.match(line):
            assert match.group(1) not in rows, f"{match.group(1)} is in the index twice"
            rows[match.group(1)] = match.group(2)
    return rows


def field_value(text: str, name: str) -> str | None:
    """The value of a record's `Status` or `Date`, in any of the forms records use:
    `- Status: Accepted`, `Status: Accepted`, `**Status:** Accepted`, `**Status.** Accepted`,
    or a `## Status` heading with the value on the next non-empty line. None when absent."""
    lines = text.splitlines()
    inline = re.compile(rf"^\s*(?:[-*]\s+)?\**{name}\**\s*[:.]\**\s*(\S.*)$", re.IGNORECASE)
    heading = re.compile(rf"^#+\s*{name}\s*$", re.IGNORECASE)
    for number, line in enumerate(lines):
        if match := inline.match(line):
            return match.group(1).strip()
        if heading.match(line):
            following = [rest.strip() for rest in lines[number + 1 :] if rest.strip()]
            return following[0] if following else None
    return None


def relative_links(path: Path) -> list[str]:
    """Link targets in a Markdown file that point inside the repository (no scheme, not an
    anchor on the same page), outside code blocks and inline code."""
    text = INLINE_CODE.sub("", FENCE.sub("", path.read_text(encoding="utf-8")))
    targets = []
    for target in LINK.findall(text):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
            continue
        targets.append(target)
    return targets


def test_there_are_records_and_an_index() -> None:
    assert len(records()) > 50
    assert INDEX.is_file()


@pytest.mark.parametrize("record", records(), ids=lambda path: path.name)
def test_every_record_is_in_the_index_with_its_title_and_link(record: Path) -> None:
    heading = record.read_text(encoding="utf-8").splitlines()[0]
    match = TITLE.match(heading)
    assert match, f"{record.name}: the first line is not '# NNNN · Title': {heading!r}"
    number, title = match.groups()
    assert record.name.startswith(number), f"{record.name}: its heading says {number}"
    row = index_rows().get(number)
    assert row is not None, f"{record.name} has no row in {INDEX.relative_to(ROOT)}"
    assert f"[{title}]({record.name})" in row, (
        f"the index row for {number} should link [{title}]({record.name}); it is: {row}"
    )


@pytest.mark.parametrize("record", records(), ids=lambda path: path.name)
def test_every_record_has_a_status_and_a_date(record: Path) -> None:
    text = record.read_text(encoding="utf-8")
    status = field_value(text, "Status")
    date = field_value(text, "Date")
    assert status, f"{record.name} has no Status line"
    assert date, f"{record.name} has no Date line"
    assert DATE.search(date), f"{record.name}: its Date is not YYYY-MM-DD: {date!r}"


def test_every_index_link_points_to_a_record() -> None:
    for number, row in index_rows().items():
        for target in LINK.findall(row):
            assert (DECISIONS / target).is_file(), f"index row {number} links {target}"
            assert target.startswith(f"{number}-"), f"index row {number} links {target}"


def test_the_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, (
        f"README.md has {len(lines)} lines; detail belongs in docs/ (at most {README_MAX_LINES})"
    )


MARKDOWN: Final = sorted(
    [ROOT / "README.md", *DOCS.glob("*.md"), *DECISIONS.glob("*.md")],
)


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_point_to_existing_files(page: Path) -> None:
    broken = [
        target
        for target in relative_links(page)
        if not (page.parent / target.split("#", 1)[0]).exists()
    ]
    assert not broken, f"{page.relative_to(ROOT)} links to missing files: {broken}"
