"""The Excel and short Western text cases of the second round
(tests/fixtures/ingestion_cases_t3/README.md): each file is uploaded through the API,
ingested, and its fact must come back from the search the API serves (`GET
/api/files/search`), as a person sees it in Excel or reads it in the text."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unit.files.support import FilesClient

CASES_DIR = Path(__file__).parents[2] / "fixtures" / "ingestion_cases_t3"


@dataclass(frozen=True)
class Case:
    file: str
    facts: dict[str, str]
    """query -> text that must be in one of the passages found for it."""
    encoding: str | None = None
    """The encoding the file must show it was read with (text files only)."""


CASES = [
    Case(
        "a07_xlsx_dimension_lies.xlsx",
        {"Granite plan seats": "The Granite plan includes 83 seats."},
    ),
    Case("a10_xlsx_number_formats.xlsx", {"renewal discount": "15%", "account ID": "00742"}),
    Case(
        "a15_txt_cp1252_spanish.txt",
        {"Muñoz Cantera": "El señor Muñoz firmó el plan Cantera por 47 asientos."},
        encoding="windows-1252",
    ),
]


def test_the_cases_of_this_round_are_in_the_repository() -> None:
    names = {p.name for p in CASES_DIR.iterdir() if p.suffix in (".xlsx", ".txt")}
    assert names == {case.file for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_the_fact_of_each_case_is_found_as_a_person_sees_it(
    files_client: FilesClient, case: Case
) -> None:
    tenant = f"case-{secrets.token_hex(4)}"
    record = files_client.ingest(tenant, case.file, (CASES_DIR / case.file).read_bytes())
    assert record["status"] == "ready", record
    assert record["warnings"] == []
    assert record.get("encoding") == case.encoding
    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert [f.get("encoding") for f in listed] == [case.encoding]
    for query, expected in case.facts.items():
        texts = [r["text"] for r in files_client.search(tenant, query)]
        assert any(expected in text for text in texts), (query, texts)
