"""Trust-aware answers (decision 0111): the retrieved passages, verified first, each with its
file's freshness; the status line the model reads for each; and the notice an answer gets
when every source it cites is stale or unverified."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Final

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.messages.model import Citation, Notice
from engageiq_chat.providers.extracts import ExtractPicker, passage_about
from engageiq_search.trust import trusted_first
from engageiq_tenancy.governance import Freshness, KnowledgeView

STALE_SOURCES: Final = Notice(
    "stale_sources",
    "This answer rests on documents whose review date has passed: check they are still "
    "current before you rely on it.",
)
UNVERIFIED_SOURCES: Final = Notice(
    "unverified_sources",
    "This answer rests on documents nobody has verified yet: check them before you rely on it.",
)


# One per process: the picker is not thread-safe, and every caller runs on the event loop.
_PICKER: Final = ExtractPicker()


def answering_in_trust_order(
    question: str,
    passages: Sequence[Passage],
    freshness_of: Callable[[Passage], Freshness],
    picker: ExtractPicker = _PICKER,
) -> list[Passage]:
    """Decision 0111's ranking rule: among the passages that answer `question` (those the
    offline responder's extract picker would quote from: a unit covering enough of the
    question), verified ones first, then unverified, then stale, each in the places those
    passages hold; the passages that do not answer stay where retrieval put them.

    Ordering all passages instead let an unrelated verified passage jump above the one that
    answers: R@1 on the answer benchmark's test split fell from 0.73 to 0.57 (hybrid), while
    this rule keeps 0.73 and the conflict gain (verified first 0.62 -> 0.69 test, 0.75 dev;
    bench/answer_trust.py). When every passage has one freshness, nothing moves (and nothing
    is computed)."""
    if len({freshness_of(p) for p in passages}) <= 1:
        return list(passages)
    about = [passage_about(p.title, p.location) for p in passages]
    answering = sorted(
        {e.passage for e in picker.pick(question, [p.text for p in passages], about)}
    )
    ordered = list(passages)
    for slot, passage in zip(
        answering, trusted_first([passages[i] for i in answering], freshness_of), strict=True
    ):
        ordered[slot] = passage
    return ordered


def governed_passages(
    question: str, passages: Sequence[Passage], view: KnowledgeView
) -> list[Passage]:
    """`passages` (best first) with their files' freshness, verification and review dates, in
    `answering_in_trust_order`."""
    ordered = answering_in_trust_order(question, passages, lambda p: view.freshness_of(p.source_id))
    governed: list[Passage] = []
    for passage in ordered:
        facts = view.files.get(passage.source_id)
        governed.append(
            dataclasses.replace(
                passage,
                freshness=view.freshness_of(passage.source_id),
                verified_at=facts.verified_at if facts else None,
                review_by=facts.review_by if facts else None,
            )
        )
    return governed


def passage_status(freshness: Freshness, verified_at: str | None, review_by: str | None) -> str:
    """A passage's status as the model reads it: `verified 2026-11-03, review by 2027-03-01`,
    `stale since 2027-03-02 (review was due 2027-03-01)` or `unverified`."""
    if freshness is Freshness.VERIFIED:
        status = f"verified {verified_at[:10]}" if verified_at else "verified"
        return f"{status}, review by {review_by[:10]}" if review_by else status
    if freshness is Freshness.STALE:
        if not review_by:
            return "stale"
        try:
            since = (date.fromisoformat(review_by[:10]) + timedelta(days=1)).isoformat()
        except ValueError:
            return "stale"
        return f"stale since {since} (review was due {review_by[:10]})"
    return "unverified"


def notice_for(citations: Sequence[Citation]) -> Notice | None:
    """`stale_sources` when every cited source is stale or unverified and one is stale,
    `unverified_sources` when all are unverified; None when nothing is cited or any cited
    source is verified. A source saved without a freshness counts as unverified."""
    if not citations or any(c.freshness is Freshness.VERIFIED for c in citations):
        return None
    if any(c.freshness is Freshness.STALE for c in citations):
        return STALE_SOURCES
    return UNVERIFIED_SOURCES
