# ruff: noqa: E501  (one document or question per line, read as a table)
"""The conflict set of the answer benchmark (decision 0111): documents that come in pairs, a
current version verified by its owner and an older one with a conflicting figure that is
either stale (verified once, its review date passed) or was never verified (a rep's copy), and
questions whose right answer is the verified version's figure.

Each pair's freshness is data (`verified_at`, `review_by`), read as of `AS_OF`, so the set
does not change with the calendar. The two versions are worded alike, as an old copy of a
document is, some nearly word for word and some rephrased (the older one sometimes closer to
the question's words); which one retrieval ranks higher without trust is left to the words.
Topics are ones the main corpus does not cover, so no other file holds either figure.

Splits (decision 0105): pairs, not questions, are drawn into `dev` and `test`, so a test
question's documents are never read while tuning; nothing is tuned on this set at all (the
trust order has no constant)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from bench.answer_quality_corpus.documents import CorpusFile
from engageiq_tenancy.governance import Freshness, freshness

AS_OF: Final = date(2026, 12, 6)
"""The day freshness is read on."""

Split = Literal["dev", "test"]


@dataclass(frozen=True)
class Version:
    name: str
    text: str
    fact: str
    """The figure as this version writes it (compared as `gold.holds` does)."""
    verified_at: str | None = None
    review_by: str | None = None

    @property
    def freshness(self) -> Freshness:
        return freshness(self.verified_at, self.review_by, AS_OF)

    def file(self) -> CorpusFile:
        return CorpusFile(self.name, "md", self.text.encode())


@dataclass(frozen=True)
class ConflictPair:
    split: Split
    current: Version
    """Verified, review date ahead of `AS_OF`."""
    older: Version
    """Stale or unverified, with another figure."""
    questions: tuple[str, ...]


VERIFIED: Final = {"verified_at": "2026-10-01T09:00:00Z", "review_by": "2027-03-31"}
STALE: Final = {"verified_at": "2025-05-12T09:00:00Z", "review_by": "2026-06-30"}


def pair(
    split: Split,
    name: str,
    older_name: str,
    current: tuple[str, str],
    older: tuple[str, str],
    older_stale: bool,
    *questions: str,
) -> ConflictPair:
    """`current` and `older` are (text, fact); the older version is stale when `older_stale`,
    else never verified."""
    return ConflictPair(
        split,
        Version(name, current[0], current[1], **VERIFIED),
        Version(older_name, older[0], older[1], **(STALE if older_stale else {})),
        questions,
    )


PAIRS: Final = (
    pair(
        "dev",
        "competitive-displacement-offer.md",
        "competitive-displacement-offer-2025.md",
        (
            "# Competitive displacement offer\n\nCustomers who replace a competitor's forecasting tool with Lumora receive a one-time credit of 35% of the first-year subscription. The credit needs proof of the competitor's current contract and applies to new logos only.\n",
            "35% of the first-year subscription",
        ),
        (
            "# Competitive displacement offer\n\nCustomers who replace a competitor's forecasting tool with Lumora receive a one-time credit of 25% of the first-year subscription. The credit needs proof of the competitor's current contract and applies to new logos only.\n",
            "25% of the first-year subscription",
        ),
        True,
        "What credit do customers get when they replace a competitor's forecasting tool?",
        "How much do we give back to a prospect who switches to us from another vendor?",
    ),
    pair(
        "dev",
        "document-storage-add-on.md",
        "copy of storage add-on pricing.md",
        (
            "# Document storage add-on\n\nEvery plan includes 1 TB of document storage. Extra document storage costs 180 EUR per terabyte per year, billed with the subscription.\n",
            "180 EUR per terabyte",
        ),
        (
            "# Storage add-on pricing\n\nExtra document storage costs 240 EUR per terabyte per year. Storage is billed with the subscription; each plan includes 1 TB.\n",
            "240 EUR per terabyte",
        ),
        False,
        "How much does extra document storage cost?",
        "What do we charge a customer who needs more room for their files?",
    ),
    pair(
        "dev",
        "quote-validity.md",
        "quote-validity-old.md",
        (
            "# How long a quote is valid\n\nA Lumora quote is valid for 45 days from the date it is issued. After that the account executive issues a new quote at the prices then in force.\n",
            "valid for 45 days",
        ),
        (
            "# How long a quote is valid\n\nA Lumora quote is valid for 60 days from the date it is issued. After that the account executive must issue a new quote.\n",
            "valid for 60 days",
        ),
        True,
        "How long is a quote valid?",
        "For how many days can a customer still sign the offer we sent them?",
    ),
    pair(
        "dev",
        "executive-briefing-travel.md",
        "ebc-travel-notes.md",
        (
            "# Executive briefing visits\n\nWhen a customer's executives visit our briefing centre in Lyon, Lumora reimburses their travel up to 1,200 EUR per guest, with at most four guests per visit.\n",
            "1,200 EUR per guest",
        ),
        (
            "# Briefing centre travel\n\nFor executive briefing visits in Lyon we reimburse customer travel up to 800 EUR per guest (four guests at most).\n",
            "800 EUR per guest",
        ),
        False,
        "How much travel do we reimburse for an executive briefing visit?",
        "If a client's leadership flies to Lyon to meet us, what do we cover?",
    ),
    pair(
        "dev",
        "sales-certification-bonus.md",
        "sales-certification-bonus-2025.md",
        (
            "# Lumora Sales Certification\n\nReps who pass the Lumora Sales Certification within their first six months receive a one-time bonus of 750 EUR with the next payroll.\n",
            "bonus of 750 EUR",
        ),
        (
            "# Lumora Sales Certification\n\nReps who pass the Lumora Sales Certification within their first six months receive a one-time bonus of 500 EUR with the next payroll.\n",
            "bonus of 500 EUR",
        ),
        True,
        "What bonus do reps get for passing the sales certification?",
        "Is there money in it for a new hire who passes the certification exam?",
    ),
    pair(
        "dev",
        "forecast-archive-retention.md",
        "archive retention (draft).md",
        (
            "# Forecast archive retention\n\nArchived forecast snapshots are kept for 7 years and then deleted, unless the customer's contract sets a shorter period.\n",
            "kept for 7 years",
        ),
        (
            "# Forecast archive retention\n\nArchived forecast snapshots are kept for 5 years and then deleted. A customer's contract may set a shorter period.\n",
            "kept for 5 years",
        ),
        False,
        "How long are archived forecast snapshots kept?",
        "When do old forecast snapshots get deleted?",
    ),
    pair(
        "dev",
        "price-hold.md",
        "price-hold-2025.md",
        (
            "# Price hold on signed quotes\n\nA signed quote gives the customer a price hold of 18 months on every line of the order, including seats added later.\n",
            "price hold of 18 months",
        ),
        (
            "# Price hold on signed quotes\n\nOnce a quote is signed, the customer keeps a price hold of 9 months on every line of the order, including seats added later.\n",
            "price hold of 9 months",
        ),
        True,
        "How long does a signed quote hold prices?",
        "If the customer adds seats later, are they still at the price they signed?",
    ),
    pair(
        "dev",
        "loyalty-renewal-discount.md",
        "loyalty discount - my notes.md",
        (
            "# Loyalty discount at renewal\n\nCustomers renewing into their fourth year or later get a loyalty discount of 6% off the renewal, on top of any multi-year terms.\n",
            "6% off the renewal",
        ),
        (
            "# Loyalty discount\n\nCustomers renewing into their fourth year get a loyalty discount of 4% off the renewal.\n",
            "4% off the renewal",
        ),
        False,
        "What loyalty discount do long-standing customers get at renewal?",
        "Do customers who have been with us for years pay less when they renew?",
    ),
    pair(
        "test",
        "translation-add-on.md",
        "translation-add-on-2025.md",
        (
            "# Translation add-on\n\nThe Translation add-on translates call transcripts and notes into 30 languages. It costs 7 EUR per seat per month and requires Conversation Intelligence.\n",
            "7 EUR per seat per month",
        ),
        (
            "# Translation add-on\n\nThe Translation add-on translates call transcripts and notes into 30 languages. It costs 11 EUR per seat per month and requires Conversation Intelligence.\n",
            "11 EUR per seat per month",
        ),
        True,
        "How much does the Translation add-on cost?",
        "What is the price of having call transcripts turned into other languages?",
    ),
    pair(
        "test",
        "demo-environments.md",
        "demo environments (old copy).md",
        (
            "# Demo environments for prospects\n\nA prospect's demo environment stays open for 21 days after the first login and is then deleted with its data.\n",
            "open for 21 days",
        ),
        (
            "# Demo environments\n\nA prospect's demo environment stays open for 10 days after the first login; it is then deleted with its data.\n",
            "open for 10 days",
        ),
        False,
        "How long does a prospect's demo environment stay open?",
        "When does the sandbox we give a prospect to try us out disappear?",
    ),
    pair(
        "test",
        "hackathon-package.md",
        "hackathon-package-2025.md",
        (
            "# On-site hackathon package\n\nOur solutions engineers run a one-day hackathon at the customer's office for up to 25 participants. The package costs 6,500 EUR, travel included.\n",
            "costs 6,500 EUR",
        ),
        (
            "# On-site hackathon package\n\nOur solutions engineers run a one-day hackathon at the customer's office for up to 25 participants. The package costs 5,000 EUR, travel included.\n",
            "costs 5,000 EUR",
        ),
        True,
        "How much does the on-site hackathon package cost?",
        "What would we charge to spend a day building things with the client's team at their office?",
    ),
    pair(
        "test",
        "api-overage.md",
        "api overage pricing notes.md",
        (
            "# API overage\n\nEach plan includes 5 million API calls per month. Each additional block of one million API calls costs 300 EUR.\n",
            "costs 300 EUR",
        ),
        (
            "# API overage pricing\n\nAbove the 5 million API calls a plan includes each month, every additional block of one million API calls costs 450 EUR.\n",
            "costs 450 EUR",
        ),
        False,
        "What does an additional block of one million API calls cost?",
        "What happens to the bill when an integration goes over its monthly request allowance?",
    ),
    pair(
        "test",
        "source-code-escrow.md",
        "source-code-escrow-2025.md",
        (
            "# Source code escrow\n\nEnterprise customers can add a source code escrow agreement with our escrow agent for 3,000 EUR per year.\n",
            "3,000 EUR per year",
        ),
        (
            "# Source code escrow\n\nEnterprise customers can add a source code escrow agreement with our escrow agent for 2,200 EUR per year.\n",
            "2,200 EUR per year",
        ),
        True,
        "How much does a source code escrow agreement cost?",
        "A bank wants protection in case we go out of business: what does that cost them per year?",
    ),
    pair(
        "test",
        "client-entertainment-policy.md",
        "client dinners.md",
        (
            "# Client entertainment\n\nReps may spend up to 90 EUR per guest on client dinners, drinks included. Anything above needs the regional manager's approval before the dinner.\n",
            "90 EUR per guest",
        ),
        (
            "# Client dinners\n\nReps may spend up to 70 EUR per guest on client dinners, drinks included; above that, ask your regional manager first.\n",
            "70 EUR per guest",
        ),
        False,
        "How much may reps spend per guest on client dinners?",
        "What is the limit when I take a customer out to eat?",
    ),
    pair(
        "test",
        "q1-spiff.md",
        "q1-spiff-2025.md",
        (
            "# Q1 SPIFF\n\nThe Q1 SPIFF pays 400 EUR per closed Enterprise deal signed between 1 January and 31 March, paid out in April.\n",
            "400 EUR per closed Enterprise deal",
        ),
        (
            "# Q1 SPIFF\n\nThe Q1 SPIFF pays 250 EUR per closed Enterprise deal signed between 1 January and 31 March, paid out in April.\n",
            "250 EUR per closed Enterprise deal",
        ),
        True,
        "How much does the Q1 SPIFF pay per Enterprise deal?",
        "What extra do I earn for each big-plan contract I sign in the first quarter?",
    ),
    pair(
        "test",
        "ai-credits.md",
        "ai credits faq (unofficial).md",
        (
            "# AI credits\n\nEach Growth seat includes 500 AI credits per month for deal summaries and email drafts; Enterprise seats include twice as many.\n",
            "500 AI credits per month",
        ),
        (
            "# AI credits FAQ\n\nEach Growth seat includes 300 AI credits per month for deal summaries and email drafts. Enterprise seats include twice as many.\n",
            "300 AI credits per month",
        ),
        False,
        "How many AI credits does a Growth seat include?",
        "How many automated deal summaries can someone on the mid-tier plan generate each month?",
    ),
)


@dataclass(frozen=True)
class ConflictQuestion:
    split: Split
    text: str
    pair: ConflictPair


CONFLICT_QUESTIONS: Final = tuple(
    ConflictQuestion(p.split, text, p) for p in PAIRS for text in p.questions
)


def conflict_files() -> list[CorpusFile]:
    return [v.file() for p in PAIRS for v in (p.current, p.older)]


def freshness_by_file() -> dict[str, Freshness]:
    """Each conflict file's freshness as of `AS_OF` (files not listed: unverified)."""
    return {v.name: v.freshness for p in PAIRS for v in (p.current, p.older)}
