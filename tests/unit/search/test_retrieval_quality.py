"""Retrieval quality: the heading and document name are scored with each chunk, questions
lose their function words, and near-duplicate chunks are collapsed. (How chunks are cut is
the files service's: tests/unit/files/test_names_sniffing_chunking.py.)"""

from __future__ import annotations

from typing import Any

from engageiq_search.indexed_text import document_words, indexed_text, location_words
from engageiq_search.query import query_tokens
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_search.tokens import Tokenizer


def chunk(file_id: str, text: str, location: str = "page 1", name: str = "") -> IndexedChunk:
    return IndexedChunk(file_id, name or f"{file_id}.md", location, text)


def ids(index: TenantIndex, query: str, k: int = 5, **options: Any) -> list[str]:
    return [c.file_id for c, _ in index.search(query, k, **options)]


def test_a_chunk_is_found_by_its_section_heading() -> None:
    # The third chunk of "Approval levels" no longer says "approval"; its heading does.
    chunks = [
        chunk("policy", "Above 30%: only the CFO signs.", "Approval levels"),
        chunk("other", "Levels of the onboarding programme: three weeks each.", "Onboarding"),
    ]
    assert ids(TenantIndex.build(chunks), "approval") == ["policy"]
    assert ids(TenantIndex.build(chunks, text_of=lambda c: c.text), "approval") == []


def test_a_chunk_is_found_by_its_document_name() -> None:
    chunks = [
        chunk("faq", "Data is encrypted with AES-256.", "page 2", "security-faq.pdf"),
        chunk("deck", "Our roadmap for the year.", "slide 2", "roadmap.pptx"),
    ]
    assert ids(TenantIndex.build(chunks), "security encryption") == ["faq"]
    assert ids(TenantIndex.build(chunks), "security") == ["faq"]


def test_positions_add_no_words_and_sheet_ranges_give_their_sheet() -> None:
    assert location_words("page 3") == ""
    assert location_words("rows 2-26") == ""
    assert location_words("slide 7") == ""
    assert location_words("'Volume tiers'!A2:D7") == "Volume tiers"
    assert location_words("Discount approvals") == "Discount approvals"
    assert document_words("price-list_2026.xlsx") == "price list 2026"
    # The first chunk of a section already starts with its heading: not repeated.
    assert indexed_text("a.md", "Pricing", "Pricing\nTiers") == "a\nPricing\nTiers"


def test_question_words_do_not_outrank_the_answer() -> None:
    chunks = [
        chunk("news", "What is new: what changed, what is next, and what we ship."),
        chunk("price", "The Pro plan price is 30 EUR per seat."),
    ]
    index = TenantIndex.build(chunks)
    assert ids(index, "What is the price?", k=1) == ["price"]
    assert ids(index, "What is the price?", k=1, plain_query=True) == ["news"]


def test_query_stop_words_keep_words_that_change_the_question() -> None:
    tokenizer = Tokenizer()
    assert query_tokens(tokenizer, "How much does it cost?") == ["cost"]
    assert query_tokens(tokenizer, "Who wants discounts above 30%?") == ["discount", "abov", "30"]
    assert "ai" in query_tokens(tokenizer, "Does the AI explain its scores?")
    # Only function words: they are kept, something to score beats nothing.
    assert query_tokens(tokenizer, "Who are we?") == tokenizer.tokens("Who are we?")


def test_near_duplicate_chunks_are_collapsed() -> None:
    text = "Premium Support costs 12% of the annual subscription, at least 6,000 EUR a year."
    chunks = [
        chunk("pricing", text),
        chunk("pricing-copy", text.replace("a year", "per year")),
        chunk("support", "Premium Support answers Severity 1 tickets in 30 minutes."),
    ]
    index = TenantIndex.build(chunks)
    assert ids(index, "premium support annual", k=2) == ["pricing", "support"]
    assert ids(index, "premium support annual", k=2, collapse=False) == [
        "pricing",
        "pricing-copy",
    ]
