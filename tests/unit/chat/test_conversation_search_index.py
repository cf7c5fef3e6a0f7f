"""The in-memory conversation index: every query word must match, ranking, and snippets whose
highlights mark exactly the matched words in JavaScript's (UTF-16) offsets."""

from __future__ import annotations

from collections.abc import Sequence

from engageiq_chat.conversation_search.index import (
    ConversationIndex,
    Highlight,
    IndexedConversation,
    IndexedMessage,
    highlights,
    indexed_conversation,
    search_terms,
    snippet,
)
from engageiq_search.tokens import Tokenizer

TOKENIZER = Tokenizer()


def conversation(cid: str, title: str, *texts: str) -> IndexedConversation:
    messages = [
        IndexedMessage(f"{cid}-m{n}", "user" if n % 2 == 0 else "assistant", text)
        for n, text in enumerate(texts)
    ]
    return indexed_conversation(TOKENIZER, cid, "2026-12-01T00:00:00.000000Z", title, messages)


def marked(text: str, ranges: Sequence[Highlight]) -> list[str]:
    """The highlighted substrings, cut as the web app cuts them (UTF-16 offsets)."""
    units = text.encode("utf-16-le")
    return [units[h.start * 2 : h.end * 2].decode("utf-16-le") for h in ranges]


def test_every_word_must_match_and_the_title_weighs_more() -> None:
    index = ConversationIndex(
        {
            c.id: c
            for c in [
                conversation("a", "Acme renewal", "What about data residency for Acme?"),
                conversation(
                    "b", "Globex", "Acme asked about pricing", "Residency is in Frankfurt"
                ),
                conversation("c", "Initech", "Pricing only"),
            ]
        }
    )
    assert index.ranked(search_terms(TOKENIZER, "acme residency")) == ["a", "b"]
    assert index.ranked(search_terms(TOKENIZER, "acme")) == ["a", "b"]
    assert index.ranked(search_terms(TOKENIZER, "acme residency pricing")) == ["b"]
    assert index.ranked(search_terms(TOKENIZER, "acme"), excluded=frozenset({"a"})) == ["b"]
    assert index.ranked(search_terms(TOKENIZER, "?!... --")) == []


def test_stems_case_and_composed_accents_match_like_document_search() -> None:
    index = ConversationIndex(
        {
            "fr": conversation("fr", "Réunion", "Le client veut une réunion à Genève."),
            "de": conversation("de", "Preise", "Die STRASSE und die Straße der Preisliste"),
            "ja": conversation("ja", "見積", "お客様はデータ保護について質問しました。"),
        }
    )
    decomposed = "GENE\u0300VE"  # E + combining grave: NFKC composes it
    assert index.ranked(search_terms(TOKENIZER, decomposed)) == ["fr"]
    assert index.ranked(search_terms(TOKENIZER, "straße")) == ["de"]
    assert index.ranked(search_terms(TOKENIZER, "データ保護")) == ["ja"]
    assert index.ranked(search_terms(TOKENIZER, "保護")) == ["ja"]
    assert index.ranked(search_terms(TOKENIZER, "護デ")) == []


def test_a_snippet_marks_the_matched_words_in_utf16_offsets() -> None:
    long_lead = "Intro words here. " * 10
    found = conversation(
        "a",
        "Call prep",
        "How do we answer security questions?",
        (long_lead + "😀 Our answer: Pricing\n\nis   per seat; the prices differ by region. ") * 3,
    )
    terms = search_terms(TOKENIZER, "price")
    result = snippet(TOKENIZER, found, terms)
    assert result is not None
    assert result.message_id == "a-m1"
    assert result.role == "assistant"
    assert result.text.startswith("…")
    assert result.text.endswith("…")
    assert "\n" not in result.text
    assert "   " not in result.text
    assert len(result.text) <= 210
    assert marked(result.text, result.highlights)[:2] == ["Pricing", "prices"]


def test_title_highlights_and_cjk_ranges() -> None:
    terms = search_terms(TOKENIZER, "データ保護")
    text = "😀 データ保護の件"
    assert marked(text, highlights(TOKENIZER, text, terms)) == ["データ保護"]
    assert highlights(TOKENIZER, "Renewal plan", search_terms(TOKENIZER, "plans")) == [
        highlights(TOKENIZER, "Renewal plan", ["plan"])[0]
    ]


def test_only_the_title_matching_gives_no_snippet() -> None:
    found = conversation("a", "Zeppelin review", "Nothing else here")
    assert snippet(TOKENIZER, found, search_terms(TOKENIZER, "zeppelin")) is None
