"""The answer-quality benchmark's measures are honest (decision 0107): "does not say" counts an
answer that says so and quotes nothing, and abstaining is not free: an answer that always says
"the documents do not say" holds no question's fact."""

from __future__ import annotations

from bench.answer_quality import Outcome, figures, says_not_found
from bench.answer_quality_corpus.gold import holds
from bench.answer_quality_corpus.questions import QUESTIONS
from engageiq_chat.providers.offline import NO_DOCUMENTS, NO_MATCH, OfflineAnswer

HEADER = 'Here is my take (offline responder, no model connected).\nYou asked: "{}"'


def abstaining(question: str) -> OfflineAnswer:
    return OfflineAnswer(f"{HEADER.format(question)}\n{NO_MATCH}", ())


def quoting(question: str) -> OfflineAnswer:
    return OfflineAnswer(
        f"{HEADER.format(question)}\nFrom your documents:\n- Prices are per seat.", (0,)
    )


def test_no_question_and_neither_refusal_holds_a_fact() -> None:
    # The answer repeats the question: a question holding its fact would score for free.
    for q in QUESTIONS:
        for fact in q.facts:
            assert not holds(q.text, fact), q.text
            assert not holds(NO_MATCH, fact)
            assert not holds(NO_DOCUMENTS, fact)


def test_saying_so_and_quoting_nothing_is_what_counts() -> None:
    assert says_not_found(abstaining("Is Lumora HIPAA compliant?"))
    assert not says_not_found(quoting("Is Lumora HIPAA compliant?"))
    # Citing nothing is not enough: the answer must say the documents do not say.
    assert not says_not_found(OfflineAnswer("Prices are per seat.", ()))
    # Saying so while quoting something loosely related is not it either.
    mixed = OfflineAnswer(f"{NO_MATCH}\nFrom your documents:\n- Prices are per seat.", ())
    assert not says_not_found(mixed)


def test_a_responder_that_always_abstains_scores_no_fact() -> None:
    outcomes = [
        Outcome(q, 1, prompt_holds=True, answer=abstaining(q.text), cited=frozenset())
        for q in QUESTIONS
    ]
    for split in ("dev", "test"):
        scored = figures("always abstains", split, outcomes)
        assert scored.does_not_say == 1.0
        assert scored.offline == 0.0
        assert scored.abstains_answerable == 1.0


def test_a_responder_that_never_abstains_recognises_nothing() -> None:
    outcomes = [
        Outcome(q, 1, prompt_holds=True, answer=quoting(q.text), cited=frozenset({"pricing"}))
        for q in QUESTIONS
    ]
    assert figures("always quotes", "dev", outcomes).does_not_say == 0.0
