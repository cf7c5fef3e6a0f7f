"""The intent classifier: a table of messages and the intent each must get."""

from __future__ import annotations

import pytest

from engageiq_chat.routing.intents import Intent, IntentRouter
from engageiq_chat.routing.templates import TEMPLATES
from engageiq_chat.settings import DEFAULT_TIER_BY_INTENT

TABLE = [
    ("Draft a follow-up email to Dana after today's demo", Intent.EMAIL_DRAFT),
    ("Write me a cold outreach message for a CFO", Intent.EMAIL_DRAFT),
    ("Can you compose a LinkedIn message to the VP of Sales?", Intent.EMAIL_DRAFT),
    ("Suggest a subject line for the renewal reminder", Intent.EMAIL_DRAFT),
    ("The prospect says we are too expensive, how do I respond?", Intent.OBJECTION_HANDLING),
    (
        "They are already using a competitor and are happy with their current tool",
        Intent.OBJECTION_HANDLING,
    ),
    ("Customer said they have no budget this quarter", Intent.OBJECTION_HANDLING),
    ("How should I handle pushback on the contract length?", Intent.OBJECTION_HANDLING),
    ("Help me prepare for my discovery call with Initech tomorrow", Intent.CALL_PREP),
    ("What questions should I ask in the meeting with their CTO?", Intent.CALL_PREP),
    ("Give me talking points and an agenda for the demo", Intent.CALL_PREP),
    ("What is the pricing of the Pro plan?", Intent.PRODUCT_QUESTION),
    ("Does our product integrate with Salesforce?", Intent.PRODUCT_QUESTION),
    ("Which security and compliance certifications do we have?", Intent.PRODUCT_QUESTION),
    ("What's on the roadmap for analytics features?", Intent.PRODUCT_QUESTION),
    ("Hi there!", Intent.GENERAL),
    ("Thanks, that was helpful", Intent.GENERAL),
    ("Summarise my week", Intent.GENERAL),
    ("", Intent.GENERAL),
]


@pytest.mark.parametrize(("message", "intent"), TABLE)
def test_each_message_gets_its_intent(message: str, intent: Intent) -> None:
    assert IntentRouter().classify(message).intent == intent


def test_classification_is_deterministic() -> None:
    router = IntentRouter()
    for message, _ in TABLE:
        assert {router.classify(message) for _ in range(3)} == {router.classify(message)}


@pytest.mark.parametrize("message", ["continue", "Continue.", "please go on", " keep going! "])
def test_continue_keeps_the_previous_route(message: str) -> None:
    router = IntentRouter()
    assert router.classify(message, Intent.CALL_PREP).intent == Intent.CALL_PREP
    assert router.classify(message).intent == Intent.GENERAL


def test_a_real_question_after_continue_is_classified_afresh() -> None:
    routed = IntentRouter().classify("continue with the pricing details", Intent.CALL_PREP)
    assert routed.intent == Intent.PRODUCT_QUESTION


def test_every_intent_has_a_template_and_a_tier() -> None:
    assert set(TEMPLATES) == set(Intent)
    assert set(DEFAULT_TIER_BY_INTENT) == {i.value for i in Intent}
