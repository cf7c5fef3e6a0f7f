"""The real-world ingestion cases (tests/fixtures/ingestion_cases/README.md, copied from the
cases issue 10 was filed with): each file is uploaded through the API, ingested, and its fact
must come back from the search the API serves (`GET /api/files/search`, which chat uses too),
with the warnings it should carry."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.unit.files.support import FilesClient

CASES_DIR = Path(__file__).parents[2] / "fixtures" / "ingestion_cases"


@dataclass(frozen=True)
class Case:
    file: str
    facts: dict[str, str]
    """query -> text that must be in one of the passages found for it."""
    warnings: frozenset[str] = field(default_factory=frozenset)
    """The warning codes the file must carry (and no others)."""


CASES = [
    Case(
        "sdt_body.docx",
        {
            "Zephyrine Logistics": "Zephyrine Logistics",
            "renewal date Zephyrine": "14 March 2027",
        },
    ),
    Case(
        "header_footer.docx",
        {"Borealis Bank": "Borealis Bank", "quote Q-88213": "Q-88213", "hotline": "5550199"},
    ),
    Case("proposal.docm", {"Platinum bundle price": "4200 EUR"}),
    Case("junk_ops.pdf", {"onboarding fee": "500 EUR"}, frozenset({"pages_skipped"})),
    Case("many_pages.pdf", {"liability cap": "twelve million euros"}),
    Case(
        "ligatures.pdf",
        {"scientific workflow": "scienti", "verified": "veri", "configuration": "con"},
    ),
    Case("zh_pricing.txt", {"专业版": "三十欧元", "中文支持": "中文支持"}),
    Case("omitted_head_end.html", {"kickoff call": "kickoff call"}),
    Case("ru_cp1251.html", {"Тариф Профи": "900 рублей"}),
    Case("mixed_encoding2.csv", {"München": "München", "Köln": "Köln", "Café": "Café Noir"}),
    Case("extra_columns.csv", {"black": "black", "USD 89.00": "USD 89.00"}),
]


def test_every_case_file_is_in_the_repository() -> None:
    names = {p.name for p in CASES_DIR.iterdir()} - {"README.md", "dup_v1.md", "dup_v2.md"}
    assert names == {case.file for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_the_fact_of_each_case_is_found(files_client: FilesClient, case: Case) -> None:
    tenant = f"case-{secrets.token_hex(4)}"
    record = files_client.ingest(tenant, case.file, (CASES_DIR / case.file).read_bytes())
    assert record["status"] == "ready", record
    assert {w["code"] for w in record["warnings"]} == case.warnings
    for warning in record["warnings"]:
        assert warning["message"]
    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert [f["warnings"] for f in listed] == [record["warnings"]]
    for query, expected in case.facts.items():
        texts = [r["text"] for r in files_client.search(tenant, query)]
        assert any(expected in text for text in texts), (query, texts)


def test_presentations_and_workbooks_are_uploaded_and_cited_by_slide_and_range(
    files_client: FilesClient,
) -> None:
    from tests.unit.files.documents import pptx_bytes, xlsx_bytes

    tenant = f"office-{secrets.token_hex(4)}"
    deck = pptx_bytes(
        [
            {"title": "Welcome", "cell": "Starter", "grouped": "g", "notes": "n"},
            {"title": "Roadmap", "cell": "Beta", "grouped": "Quokka launch", "notes": "n"},
        ]
    )
    book = xlsx_bytes({"Pricing": [["Plan", "Price"], ["Basic", 10], ["Wombat", 99]]})
    for name, content in (("deck.pptx", deck), ("book.xlsx", book)):
        response = files_client.upload(tenant, name, content, "application/octet-stream")
        assert response.status_code == 201, response.text
    files_client.settle()
    listed = files_client.get(tenant, "/api/files").json()["files"]
    assert sorted(f["contentType"].rsplit(".", 1)[1] for f in listed) == [
        "presentation",
        "sheet",
    ]
    assert [(f["status"], f.get("reason")) for f in listed] == [("ready", None)] * 2
    [slide] = files_client.search(tenant, "quokka launch", 1)
    assert slide["location"] == "slide 2"
    [rows] = files_client.search(tenant, "wombat", 1)
    assert rows["location"] == "Pricing!A2:B3"
    assert "Plan: Wombat; Price: 99" in rows["text"]
