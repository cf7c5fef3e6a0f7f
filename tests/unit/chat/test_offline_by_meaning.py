# ruff: noqa: RUF001  (Japanese questions end in a full-width question mark)
"""With an embedder, the offline responder also picks sentences by meaning (decision 0126): a
sentence that answers in other words than the question's is quoted before one that only
shares its words, while the rules that say "the documents do not say" still hold. The
embedder here is a stand-in whose vectors say which texts mean the same, so each test states
what the picker does with a given closeness, whatever the model."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pytest

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.providers import extracts
from engageiq_chat.providers.base import ModelRequest, PromptMessage, TextDelta
from engageiq_chat.providers.extracts import ExtractPicker
from engageiq_chat.providers.offline import (
    NO_MATCH,
    OfflineAnswer,
    OfflineResponder,
    offline_answer,
)
from tests.unit.chat.offline_requests import offline_request


class SameTopic:
    """An `Embedder` for which the texts holding any of `words` mean the same (one axis) and
    every other text means something else (the other axis): cosine 1 within each group, 0
    across. It records the passages it embeds."""

    id = "same-topic"
    dimension = 2
    window_sentences = 0

    def __init__(self, words: Sequence[str]) -> None:
        self.words = words
        self.embedded: list[str] = []

    def _vector(self, text: str) -> npt.NDArray[np.float32]:
        on_topic = any(word in text for word in self.words)
        return np.array([1, 0] if on_topic else [0, 1], dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        self.embedded.extend(texts)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> npt.NDArray[np.float32]:
        return self._vector(text)


AUDITS = Passage(
    "dpa",
    "dpa-summary.pdf",
    "Audits\nThe customer may audit Lumora once a year with 30 days of written notice.\n"
    "Compliance people at the buyer can read the trust portal.",
    "page 1",
)
PAYMENT = Passage(
    "faq-japan",
    "faq-japan.md",
    "お支払いは銀行振込のみです。\n\n決済画面は日本語で表示されます。",
    "FAQ",
)


def answer_to(question: str, embedder: SameTopic | None, *passages: Passage) -> OfflineAnswer:
    return offline_answer(offline_request(question, *passages), ExtractPicker(embedder))


def test_a_sentence_that_answers_in_other_words_is_quoted_first() -> None:
    question = "Can the buyer's compliance people come and inspect us?"
    by_words = answer_to(question, None, AUDITS).text
    by_meaning = answer_to(question, SameTopic(("inspect", "audit")), AUDITS).text
    assert "30 days of written notice" not in by_words  # words alone quote the portal line
    first_quote = by_meaning.split("\n- ")[1]
    assert first_quote.startswith("The customer may audit Lumora")


def test_meaning_alone_answers_in_japanese() -> None:
    # The question shares one term (決済) with the sentence about the payment screen only.
    answer = answer_to(
        "クレジットカードでも決済できますか？", SameTopic(("クレジット", "支払")), PAYMENT
    )
    assert "銀行振込のみ" in answer.text
    assert "決済画面" not in answer.text
    assert answer.used == (0,)


def test_a_question_sharing_no_word_with_the_passages_is_not_answered_by_meaning() -> None:
    answer = answer_to("Quelle est la météo ?", SameTopic(("météo", "audit")), AUDITS)
    assert NO_MATCH in answer.text
    assert answer.used == ()


def test_a_name_no_passage_mentions_is_refused_even_when_the_meaning_is_close() -> None:
    answer = answer_to(
        "Can a Zendesk admin audit Lumora's compliance people?", SameTopic(("audit",)), AUDITS
    )
    assert NO_MATCH in answer.text
    assert answer.used == ()


def test_a_duration_asked_for_is_still_required_by_meaning() -> None:
    passage = Passage(
        "partners",
        "partner-program.md",
        "A reseller who flags a prospect first keeps it.\n\nResellers earn a 20% margin.",
        "Deal registration",
    )
    question = "If a reseller flags a prospect to us first, how long is it theirs?"
    answer = answer_to(question, SameTopic(("flag", "how long")), passage)
    assert NO_MATCH in answer.text  # close in meaning, but no "N days" in it


def test_a_question_in_the_documents_is_not_an_answer_by_meaning() -> None:
    checklist = Passage(
        "playbook",
        "discovery-call-playbook.md",
        "Users: how many sellers will use it every week?\n\n"
        "On request, Lumora returns customer data in CSV format before deletion.\n\n"
        "Backups are taken every hour.",
        "Checklist",
    )
    # The embedder rates the checklist's question as close as the answer (e5 does: a
    # question is close to any question); only the answer is quoted.
    answer = answer_to(
        "Will we get our data back before it is wiped?", SameTopic(("?", "CSV")), checklist
    )
    assert "CSV format" in answer.text
    assert "how many sellers" not in answer.text


def test_a_heading_is_context_never_the_quote() -> None:
    answer = answer_to("What about audits?", None, AUDITS)
    assert "- Audits\n" not in answer.text + "\n"
    assert "- The customer may audit Lumora" in answer.text


def test_a_sentence_under_a_heading_naming_the_subject_answers_by_it() -> None:
    # A playbook's section: the heading names the objection, the sentence handles it without
    # repeating its words. Found by the tenant lifecycle test: the answer cited nothing.
    section = "# Pricing objection\nWhen a prospect says we are too expensive, show the table.\n"
    picked = ExtractPicker().pick("How do we answer the pricing objection?", [section])
    assert [e.text for e in picked] == [
        "When a prospect says we are too expensive, show the table."
    ]


def test_a_document_name_alone_never_makes_an_answer() -> None:
    text = "When a prospect says we are too expensive, show the table.\n"
    assert ExtractPicker().pick("What is the pricing objection?", [text], ["pricing.md"]) == []


def test_each_sentence_is_embedded_once_per_picker() -> None:
    embedder = SameTopic(("audit",))
    picker = ExtractPicker(embedder)
    for _ in range(2):
        picker.pick("Who may audit Lumora?", [AUDITS.text])
    assert len(embedder.embedded) == len(set(embedder.embedded)) == 2


def test_the_responder_answers_by_meaning_off_the_event_loop() -> None:
    request = ModelRequest(
        model="offline",
        system=(),
        messages=(PromptMessage("user", "Can the buyer's compliance people inspect us?"),),
        max_tokens=100,
        passages=(AUDITS,),
    )
    responder = OfflineResponder(embedder=SameTopic(("inspect", "audit")))

    async def run() -> str:
        return "".join(
            [e.text async for e in responder.stream(request) if isinstance(e, TextDelta)]
        )

    text = asyncio.run(run())
    assert "offline responder" in text
    assert "30 days of written notice" in text


def test_a_turn_with_more_sentences_than_the_picker_keeps_is_still_answered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The cache was trimmed before the turn's own vectors were read back: a KeyError for a
    # turn whose passages hold more units than `UNIT_VECTORS_KEPT`.
    monkeypatch.setattr(extracts, "UNIT_VECTORS_KEPT", 2)
    embedder = SameTopic(("audit",))
    picker = ExtractPicker(embedder)
    quoted = [e.text for e in picker.pick("Who may audit Lumora?", [AUDITS.text, PAYMENT.text])]
    assert quoted[0] == "The customer may audit Lumora once a year with 30 days of written notice."
    assert len(picker._vectors) == 2  # still bounded once the turn is answered


def test_passages_of_more_units_than_meaning_reads_are_read_by_words_alone() -> None:
    # Five 1,000-character passages of short lines hold ~500 units: e5 took 3-4 s of CPU for
    # one such turn, under the responder's one lock, where a turn of prose holds ~45.
    lines = [f"Audit window {i} opens on day {i}." for i in range(extracts.MAX_UNITS_BY_MEANING)]
    at_the_cap, over_it = "\n".join(lines), "\n".join([*lines, "Audits are yearly."])
    question = "Which audit window opens on day 7?"
    embedder = SameTopic(("audit",))
    ExtractPicker(embedder).pick(question, [at_the_cap])
    assert len(embedder.embedded) == extracts.MAX_UNITS_BY_MEANING
    embedder = SameTopic(("audit",))
    quoted = ExtractPicker(embedder).pick(question, [over_it])
    assert embedder.embedded == []
    assert quoted  # by words, as without a model
    assert quoted == ExtractPicker().pick(question, [over_it])
