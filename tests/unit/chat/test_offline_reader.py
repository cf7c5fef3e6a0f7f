"""Without an API key, the chat service's offline responder reads the passages by meaning (e5)
as well as by words, on every stack, unless `ENGAGEIQ_CHAT_OFFLINE_READER=words` says words
only (decision 0128). The last test runs the real model from its wheel: a paraphrase that
shares no content word with the sentence holding its fact is answered by meaning, and not by
words."""

from __future__ import annotations

import pytest

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.providers.extracts import ExtractPicker
from engageiq_chat.providers.offline import OfflineResponder, answer_embedder
from engageiq_chat.services import default_provider
from engageiq_chat.settings import ChatSettings
from engageiq_search.embedder import E5Embedder
from engageiq_tenancy.setting import SettingsError


def test_the_offline_responder_reads_by_meaning_unless_told_words() -> None:
    assert ChatSettings.from_env({}).offline_reader == "meaning"
    words = ChatSettings.from_env({"ENGAGEIQ_CHAT_OFFLINE_READER": "words"})
    assert words.offline_reader == "words"
    with pytest.raises(SettingsError, match="ENGAGEIQ_CHAT_OFFLINE_READER"):
        ChatSettings.from_env({"ENGAGEIQ_CHAT_OFFLINE_READER": "vibes"})


def test_meaning_is_e5_whatever_the_stack_searches_with_and_words_is_none() -> None:
    assert isinstance(answer_embedder("meaning"), E5Embedder)
    assert answer_embedder("words") is None


def test_the_service_without_a_key_builds_the_responder_that_reads_as_configured() -> None:
    by_meaning = default_provider(ChatSettings.from_env({"ENGAGEIQ_EMBEDDER": "wordllama"}))
    by_words = default_provider(ChatSettings.from_env({"ENGAGEIQ_CHAT_OFFLINE_READER": "words"}))
    assert isinstance(by_meaning, OfflineResponder)
    assert by_meaning.reads_by_meaning
    assert isinstance(by_words, OfflineResponder)
    assert not by_words.reads_by_meaning


TRIAL = Passage(
    "pricing",
    "pricing-2026.md",
    "Trials and pilots\n"
    "Prospects can run a free trial of the Growth plan for 14 days with up to 10 seats.\n"
    "A paid pilot lasts 60 days and is priced at 50% of the list price.",
    "Trials and pilots",
)
SUPPORT = Passage(
    "support",
    "support-and-slas.html",
    "Before buying, every prospect gets a product tour from a solution engineer.\n"
    "Standard support answers within one business day.",
)
BILLING = Passage(
    "pricing", "pricing-2026.md", "The product is sold per seat. Every plan is billed yearly."
)
QUESTION = "Can a prospect try the product for nothing before buying, and for how long?"


def _quoted(picker: ExtractPicker) -> str:
    return " ".join(
        e.text for e in picker.pick(QUESTION, [p.text for p in (TRIAL, SUPPORT, BILLING)])
    )


def test_a_paraphrase_is_answered_by_meaning_with_the_real_model_and_not_by_words() -> None:
    assert "14 days" in _quoted(ExtractPicker(answer_embedder("meaning")))
    assert "14 days" not in _quoted(ExtractPicker(answer_embedder("words")))
