"""The offline responder answers the question: the sentence or table row that holds the fact,
with its citation, only the passages it quoted, and a plain sentence when nothing matches."""

from __future__ import annotations

import asyncio

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.providers.base import (
    Cited,
    Finished,
    ModelRequest,
    PromptMessage,
    ProviderEvent,
    TextDelta,
)
from engageiq_chat.providers.extracts import ExtractPicker, ranges_of, units_of
from engageiq_chat.providers.offline import NO_MATCH, OfflineResponder, offline_answer
from tests.unit.chat.offline_requests import offline_request

PRICING = Passage(
    "pricing",
    "pricing-2026.md",
    "Lumora pricing 2026\n\nThis page is the reference for list prices. Prices are per seat.\n"
    "The Conversation Intelligence add-on records sales calls. It costs 18 EUR per\n"
    "seat per month.",
    "Lumora pricing 2026",
)
SECURITY = Passage(
    "security",
    "security-faq.pdf",
    "Security FAQ\nEncryption\nCustomer data is encrypted at rest with AES-256 and in transit\n"
    "with TLS 1.2 or later.\nBackups are taken every hour.",
    "page 2",
)
PLANS = Passage(
    "plans",
    "pricing-2026.md",
    "Plans\n\n| Plan | List price | Minimum seats |\n|---|---|---|\n"
    "| Starter | 29 EUR per seat | 5 seats |\n| Growth | 59 EUR per seat | 20 seats |",
    "Plans",
)
APPROVALS = Passage(
    "discounts",
    "discount-policy.md",
    "Approval levels\n\n- Up to 10%: the account executive approves alone.\n"
    "- From 11% to 20%: the regional sales manager approves.\n"
    "- From 21% to 30%: the VP of Sales approves.\n"
    "- Above 30%: only the Chief Financial Officer can approve.",
    "Approval levels",
)


def ask(question: str, *passages: Passage) -> tuple[str, tuple[int, ...]]:
    answer = offline_answer(offline_request(question, *passages))
    # Each quote with the id of the passage it cites where its marker goes, to check both.
    text = answer.text
    for end, quote in reversed(answer.quotes):
        text = f"{text[:end]} [{passages[quote.passage].source_id}]{text[end:]}"
    return text, answer.used


def test_the_sentence_with_the_fact_is_quoted_not_the_first_one() -> None:
    text, used = ask("How is customer data encrypted at rest?", PRICING, SECURITY)
    fact = "Customer data is encrypted at rest with AES-256 and in transit with TLS 1.2 or later."
    assert f"- {fact} [security]" in text
    assert "Security FAQ" not in text  # the heading, which the old responder quoted
    assert used == (1,)


def test_a_sentence_that_refers_back_is_quoted_with_its_antecedent() -> None:
    text, _ = ask("How much is the Conversation Intelligence add-on?", PRICING)
    assert (
        "The Conversation Intelligence add-on records sales calls. "
        "It costs 18 EUR per seat per month. [pricing]"
    ) in text


def test_a_table_row_answers_with_its_column_names() -> None:
    text, used = ask("What is the list price of the Growth plan?", SECURITY, PLANS)
    quoted = text.split("From your documents:\n")[1].splitlines()
    assert (
        quoted[0] == "- Plan: Growth; List price: 59 EUR per seat; Minimum seats: 20 seats [plans]"
    )
    assert used == (1,)


def test_a_number_in_the_question_matches_the_range_that_holds_it() -> None:
    text, _ = ask("Who approves a discount of 25%?", APPROVALS)
    first = text.split("From your documents:\n")[1].splitlines()[0]
    assert first == "- From 21% to 30%: the VP of Sales approves. [discounts]"
    text, _ = ask("Who approves a discount of 35%?", APPROVALS)
    assert text.split("From your documents:\n")[1].startswith(
        "- Above 30%: only the Chief Financial Officer can approve."
    )


def test_ranges_are_read_from_prose_and_tier_rows() -> None:
    assert (21.0, 30.0) in ranges_of("From 21% to 30%: the VP approves")
    assert (250.0, 999.0) in ranges_of("Plan: Growth; Seats from: 250; Seats to: 999; Price: 49")
    (above,) = ranges_of("Above 30%: the CFO")
    assert 30 < above[0] < 30.001
    assert ranges_of("From 21% to 30%: the VP approves") == [(21.0, 30.0)]


def test_no_matching_passage_is_said_plainly_and_nothing_is_cited() -> None:
    text, used = ask("What is the weather like in Lisbon tomorrow?", PRICING, SECURITY)
    assert NO_MATCH in text
    assert "offline responder" in text
    assert "[pricing]" not in text
    assert "[security]" not in text
    assert used == ()


def test_pdf_lines_are_joined_only_where_a_sentence_continues() -> None:
    units = units_of(SECURITY.text)
    assert [u.text for u in units] == [
        "Customer data is encrypted at rest with AES-256 and in transit with TLS 1.2 or later.",
        "Backups are taken every hour.",
    ]
    # Heading lines answer nothing: they are the context of the units under them.
    assert all(u.context.endswith("Encryption") for u in units)


def test_answers_are_deterministic() -> None:
    picker = ExtractPicker()
    passages = [PRICING.text, SECURITY.text, PLANS.text, APPROVALS.text]
    first = picker.pick("What does Growth cost and who approves 15%?", passages)
    assert first
    assert ExtractPicker().pick("What does Growth cost and who approves 15%?", passages) == first


def test_the_responder_reports_the_passages_it_quoted() -> None:
    request = ModelRequest(
        model="offline",
        system=(),
        messages=(PromptMessage("user", "How often are backups taken?"),),
        max_tokens=100,
        passages=(PRICING, PLANS, SECURITY),
    )

    async def run() -> list[ProviderEvent]:
        return [event async for event in OfflineResponder().stream(request)]

    events = asyncio.run(run())
    assert isinstance(events[-1], Finished)
    cited = [e for e in events if isinstance(e, Cited)]
    assert [c.passage for e in cited for c in e.citations] == [2]
    assert cited[0].citations[0].cited_text == "Backups are taken every hour."
    # The quote's citation follows its last word, before the line ends.
    before = "".join(e.text for e in events[: events.index(cited[0])] if isinstance(e, TextDelta))
    assert before.endswith("- Backups are taken every hour.")


# A screenshot or slide read by OCR, or a deck's text: lines without full stops. Each line
# used to be taken for a heading of what follows, and a heading answers nothing, so the
# offline responder said "the documents do not say" over a passage that said it.
SLIDE = Passage(
    "slide",
    "onboarding.avif",
    "Onboarding workshop lasts three hours\nIncluded in every plan\nBooked through your CSM",
    "page 1",
)


def test_lines_of_a_slide_or_screenshot_that_title_nothing_are_quoted() -> None:
    assert [u.text for u in units_of(SLIDE.text)] == [
        "Onboarding workshop lasts three hours",
        "Included in every plan",
        "Booked through your CSM",
    ]
    text, used = ask("How long is the onboarding workshop?", PRICING, SLIDE)
    assert "- Onboarding workshop lasts three hours [slide]" in text
    assert NO_MATCH not in text
    assert used == (1,)


def test_short_lines_beside_sentences_stay_headings() -> None:
    # A title over a section heading, or the next section's title at a chunk's end, answers
    # nothing: only a passage of nothing but short lines is read line by line.
    units = units_of("Security FAQ\nEncryption\nData is encrypted at rest.\nBackups")
    assert [(u.text, u.heading) for u in units] == [("Data is encrypted at rest.", "Encryption")]
