# ruff: noqa: RUF001  (Japanese questions end in a full-width question mark)
"""The offline responder says "the documents do not say", citing nothing, when the retrieved
passages are only close in topic: the question names something none of them mentions, or asks
for a duration or rate that the closest ones do not state (decision 0107). A passage that
answers is still quoted and cited, in every language the benchmark asks in."""

from __future__ import annotations

import pytest

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.providers.asked import expected_kind, names_in, states
from engageiq_chat.providers.offline import NO_MATCH, OfflineAnswer, offline_answer
from tests.unit.chat.offline_requests import offline_request

CONNECTORS = Passage(
    "release-notes",
    "release-notes.md",
    "Release 4.2\n\nThe Salesforce connector now syncs custom objects, up to 50 per "
    "organisation.\nHubSpot connector: two-way sync of deal stages is generally available.",
    "Release 4.2",
)
RECORDINGS = Passage(
    "pricing",
    "pricing-2026.md",
    "The Conversation Intelligence add-on records and transcribes sales calls. It costs 18 EUR "
    "per seat per month.\n\nCall notes must be logged in the CRM within 24 hours.",
    "Add-ons",
)
PARTNERS = Passage(
    "partners",
    "partner-program.md",
    "Partners earn a referral fee of 2,000 EUR per closed deal.\n\nGold partners keep a "
    "reseller margin of 20%.",
    "Partner program",
)
OFFICE = Passage(
    "handbook",
    "new-rep-onboarding.txt",
    "Our travel policy covers flights booked two weeks ahead.",
    "Travel",
)
MSA = Passage(
    "msa",
    "master-subscription-agreement.docx",
    "Each party's total liability is capped at the fees paid in the twelve months before "
    "the claim.",
    "9 Liability",
)
DACH = Passage(
    "preisliste",
    "preisliste-dach.md",
    "Lumora schließt mit jedem Kunden in Österreich einen Vertrag nach Artikel 28 DSGVO.\n\n"
    "Rechnungen sind innerhalb von 14 Tagen fällig.",
    "Preisliste",
)
VALMONT = Passage(
    "valmont",
    "etude-de-cas-valmont.html",
    "Valmont Distribution compte 180 commerciaux répartis dans 22 agences.\n\n"
    "Le déploiement a duré huit semaines.",
    "Étude de cas",
)
JAPAN = Passage(
    "faq-japan",
    "faq-japan.md",
    "標準的な導入期間は8週間です。\n\nお支払いは銀行振込のみです。",
    "FAQ",
)


def answer_to(question: str, *passages: Passage) -> OfflineAnswer:
    return offline_answer(offline_request(question, *passages))


def ask(question: str, *passages: Passage) -> tuple[str, tuple[int, ...]]:
    answer = answer_to(question, *passages)
    return answer.text, answer.used


def assert_does_not_say(text: str, used: tuple[int, ...], *passages: Passage) -> None:
    assert NO_MATCH in text
    assert "documents do not say" in text
    assert used == ()
    assert "From your documents:" not in text
    for passage in passages:
        assert f"[{passage.source_id}]" not in text


@pytest.mark.parametrize(
    ("question", "passages", "quoted"),
    [
        (
            "How many custom objects does the Salesforce connector sync?",
            (RECORDINGS, CONNECTORS),
            "- The Salesforce connector now syncs custom objects, up to 50 per organisation.",
        ),
        (
            "How soon must call notes be logged in the CRM?",
            (RECORDINGS,),
            "- Call notes must be logged in the CRM within 24 hours.",
        ),
        (
            "What reseller margin do Gold partners get?",
            (PARTNERS,),
            "- Gold partners keep a reseller margin of 20%.",
        ),
        (
            # The acronym is spelled by the document's name.
            "What is the liability cap in the MSA?",
            (MSA,),
            "- Each party's total liability is capped at the fees paid in the twelve months "
            "before the claim.",
        ),
        (
            # Its nouns are the passage's: a German noun no passage holds counts as a name.
            "Bis wann sind Rechnungen fällig?",
            (DACH,),
            "- Rechnungen sind innerhalb von 14 Tagen fällig.",
        ),
        (
            "Combien de temps a duré le déploiement chez Valmont ?",
            (VALMONT,),
            "- Le déploiement a duré huit semaines.",
        ),
        (
            "標準的な導入期間はどのくらいですか？",
            (JAPAN,),
            "- 標準的な導入期間は8週間です。",
        ),
    ],
)
def test_a_passage_that_answers_is_quoted_and_cited(
    question: str, passages: tuple[Passage, ...], quoted: str
) -> None:
    answer = answer_to(question, *passages)
    assert NO_MATCH not in answer.text
    assert quoted in answer.text.splitlines()
    # Cited where the quote ends (the marker goes there, decision 0109), not by a written id.
    assert any(answer.text[:end].endswith(quoted) for end, _ in answer.quotes)
    assert answer.used


def test_a_question_whose_terms_no_passage_holds_is_not_answered() -> None:
    text, used = ask("Which football team won the cup yesterday?", CONNECTORS, PARTNERS)
    assert_does_not_say(text, used, CONNECTORS, PARTNERS)


@pytest.mark.parametrize(
    ("question", "passages"),
    [
        # A named product that no passage mentions: the connectors passage shares "connector"
        # and "sync", and used to be quoted.
        ("Does the Zendesk connector sync support tickets?", (CONNECTORS,)),
        ("Is the HubSpot connector HIPAA compliant?", (CONNECTORS,)),
        # One generic word in common ("policy"), and a place no passage names.
        ("What is the parking policy at the Lisbon office?", (OFFICE,)),
        # The subject is there, the duration asked for is not ("per month" is a price).
        ("How long are Conversation Intelligence call recordings retained?", (RECORDINGS,)),
        # The subject is there, the rate asked for is not (a fee in EUR is no rate).
        ("What commission rate do partners earn on a closed deal?", (PARTNERS,)),
        ("Wie viel Prozent Rabatt erhalten Kunden in Österreich?", (DACH,)),
        ("Ist Lumora nach FedRAMP zertifiziert?", (DACH,)),
        ("Quel est le taux de réussite des commerciaux de Valmont Distribution ?", (VALMONT,)),
    ],
)
def test_a_passage_only_close_in_topic_is_not_quoted(
    question: str, passages: tuple[Passage, ...]
) -> None:
    text, used = ask(question, *passages)
    assert_does_not_say(text, used, *passages)


def test_names_are_runs_of_capitals_not_the_first_word() -> None:
    assert names_in("Is Lumora HIPAA compliant?") == [["Lumora"], ["HIPAA"]]
    assert names_in("Does the deal desk answer in Ciudad de México?") == [
        ["Ciudad", "de", "México"]
    ]
    assert names_in("How do I answer a prospect?") == []
    assert names_in("Growth プランの月額料金はいくらですか？") == []


def test_in_german_and_title_case_only_words_with_two_capitals_are_names() -> None:
    # A German noun is as open to paraphrase as an English one ("Behörde" for "öffentliche
    # Auftraggeber"): only "FedRAMP" is a name here.
    assert names_in("Kann eine Behörde nach FedRAMP elektronisch abrechnen?") == [["FedRAMP"]]
    assert names_in("What Is The Price Of The Growth Plan In GBP?") == [["GBP"]]


def test_a_name_is_mentioned_by_any_of_its_words() -> None:
    # "México" answers for "Ciudad de México": the documents may name it shorter.
    mexico = Passage("es", "guia.docx", "Los clientes de México pagan en USD.", "Pagos")
    text, used = ask("¿En qué moneda pagan los clientes de Ciudad de México?", mexico)
    assert "- Los clientes de México pagan en USD." in text
    assert used == (0,)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How long are backups kept?", "duration"),
        ("How fast does the deal desk answer?", "duration"),
        ("By when should call notes be logged?", None),  # a date answers a deadline
        ("Wie lange dauert das Onboarding?", "duration"),
        ("¿Cuánto tiempo dura la implantación?", "duration"),
        ("What share of quota applies in the first quarter?", "rate"),
        ("Quel est le taux de réussite ?", "rate"),
        ("What is the exchange rate from EUR to GBP?", None),
        ("Quel est le taux de change ?", None),
        ("What does the Growth plan cost?", None),
    ],
)
def test_the_kind_of_answer_asked_for(question: str, kind: str | None) -> None:
    assert expected_kind(question) == kind


def test_a_duration_is_a_number_with_a_time_unit_and_a_rate_a_percentage() -> None:
    assert states("Backups are kept for 35 days.", "duration")
    assert states("The deal desk answers within one business day.", "duration")
    assert states("Requests are answered the next business day.", "duration")
    assert states("Rechnungen sind innerhalb von 14 Tagen fällig.", "duration")
    assert states("導入期間は8週間です。", "duration")
    assert not states("It costs 18 EUR per seat per month.", "duration")
    assert states("Win rate 2025: 64%", "rate")
    assert not states("A referral fee of 2,000 EUR per deal.", "rate")
