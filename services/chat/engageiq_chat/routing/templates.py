"""One prompt template per intent: what the model is asked to do for that kind of question."""

from __future__ import annotations

from typing import Final

from engageiq_chat.routing.intents import Intent

TEMPLATES: Final[dict[Intent, str]] = {
    Intent.PRODUCT_QUESTION: (
        "The rep asks about the product. Answer precisely from the reference documents when "
        "they cover the question, cite them, and say plainly when they do not."
    ),
    Intent.EMAIL_DRAFT: (
        "The rep wants an email or message drafted. Write a ready-to-send draft with a subject "
        "line, short paragraphs and one clear call to action. Keep it under 180 words unless "
        "asked otherwise."
    ),
    Intent.OBJECTION_HANDLING: (
        "The rep faces a customer objection. Acknowledge the concern, reframe it around value, "
        "give one or two proof points, and end with a question that moves the deal forward."
    ),
    Intent.CALL_PREP: (
        "The rep is preparing a call or meeting. Give a short agenda, the key questions to "
        "ask, likely objections, and the outcome to aim for."
    ),
    Intent.GENERAL: ("Help the rep with their sales work. Be concise and practical."),
}


def template_for(intent: Intent) -> str:
    return TEMPLATES[intent]
