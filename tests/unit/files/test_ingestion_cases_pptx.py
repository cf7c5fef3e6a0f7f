"""The PowerPoint case of the third round (tests/fixtures/ingestion_cases_t3/README.md): a fact
that lives only in a chart's title is uploaded through the API, ingested, and found by the
search the API serves (`GET /api/files/search`, which chat uses too), cited by its slide."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from tests.unit.files.support import FilesClient

CASES_DIR = Path(__file__).parents[2] / "fixtures" / "ingestion_cases_t3"

FACTS = {
    "a04_pptx_chart_title.pptx": {
        "Heron pipeline deals": "The Heron pipeline closed 31 deals in Q3.",
        "closed deals Q3": "Closed deals",
    },
}


@pytest.mark.parametrize("name", sorted(FACTS))
def test_the_fact_of_each_presentation_case_is_found(files_client: FilesClient, name: str) -> None:
    tenant = f"case-{secrets.token_hex(4)}"
    record = files_client.ingest(tenant, name, (CASES_DIR / name).read_bytes())
    assert record["status"] == "ready", record
    assert record["warnings"] == []
    for query, expected in FACTS[name].items():
        passages = files_client.search(tenant, query)
        assert any(expected in p["text"] for p in passages), (query, passages)
        assert all(p["location"] == "slide 1" for p in passages if expected in p["text"])
