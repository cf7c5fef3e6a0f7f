"""What a stored message is, and the deliberate bound that keeps it under DynamoDB's 400 KB."""

from __future__ import annotations

import enum
from typing import Final

import msgspec

from engageiq_tenancy.governance import Freshness


class Role(enum.StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class MessageStatus(enum.StrEnum):
    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    STREAMING = "streaming"
    """Being written: the generating instance checkpoints it (content, citations,
    `checkpointAt`) as it goes, and rewrites it whole when it ends (decision 0114)."""


# DynamoDB refuses items over 400 KB. Content is the only unbounded attribute, so it is capped
# well below that, leaving room for keys, citations and counters (docs/decisions/0022).
MAX_CONTENT_BYTES: Final = 300_000
MAX_CITATIONS: Final = 20
MAX_SNIPPET_CHARS: Final = 500
MAX_TITLE_CHARS: Final = 200
MAX_LOCATION_CHARS: Final = 200
TRUNCATION_MARKER: Final = "\n\n[… truncated: this message exceeded the storage limit]"
LEASE_SECONDS: Final = 20.0
"""A `streaming` answer whose last checkpoint is older than this was left by a generator that
died (its instance killed): readers see it `incomplete`, `finishReason` `interrupted`, and it
can be continued (`ENGAGEIQ_CHAT_ANSWER_LEASE_SECONDS`; this is its default). A live
generator checkpoints at least every `renew_seconds(lease)`."""
RENEW_SECONDS: Final = 3.0
"""The longest a live generator goes without a checkpoint, text or not (decision 0114), for
a lease of 12 s or more."""
INTERRUPTED: Final = "interrupted"


class Citation(msgspec.Struct, rename="camel", kw_only=True):
    """One source of an answer: a passage the answer cites. An answer's sources are numbered
    from 1 in the order first cited; its text carries the markers `[n]` (decision 0109)."""

    source_id: str
    """The file id."""
    title: str
    """The file name."""
    location: str = ""
    """Page, slide, sheet range or section within the file ("" when it has none)."""
    snippet: str = ""
    """The cited text: the words of the passage the answer relies on."""
    uploaded_at: str = ""
    """Upload date of the cited file version (files are versioned: decision 0052)."""
    freshness: Freshness | None = None
    """Whether the file was verified as current when the answer cited it (decision 0111);
    None on answers saved before files had a freshness."""
    verified_at: str | None = None
    """When the file had last been verified (ISO 8601); None when never."""
    review_by: str | None = None
    """The day (`YYYY-MM-DD`) its verification held until; None when never verified."""


class Notice(msgspec.Struct, frozen=True):
    """What an answer's reader should know about its sources (`knowledge.trust.notice_for`):
    `stale_sources` or `unverified_sources`, and a sentence for people."""

    code: str
    message: str


class Rating(enum.StrEnum):
    UP = "up"
    DOWN = "down"


class Feedback(msgspec.Struct, rename="camel", kw_only=True):
    """A user's verdict on one assistant message, stored on that message's item."""

    rating: Rating
    reason: str | None = None
    updated_at: str = ""


class StoredMessage(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    conversation_id: str
    role: Role
    content: str
    created_at: str
    status: MessageStatus
    route: str
    citations: list[Citation] = msgspec.field(default_factory=list)
    provider: str | None = None
    model: str | None = None
    finish_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    truncated: bool = False
    feedback: Feedback | None = None
    uncited: bool = False
    """An answer with text that cites none of the documents (the model gave no citations):
    the web says so instead of showing sources."""
    notice: Notice | None = None
    """Set when every source the answer cites is stale or unverified (decision 0111)."""
    passages: int = 0
    """How many retrieved passages the model was given (a resumed stream's `meta` says it)."""
    checkpoint_at: int | None = None
    """While `streaming`: when its generator last checkpointed it (epoch milliseconds)."""
    stream_id: str | None = None
    """While `streaming`: the generation that owns it (a fencing token: a checkpoint or final
    write of another generation, such as one resumed after its first died, fails)."""


def epoch_ms(seconds: float) -> int:
    """A `time.time()` as the whole milliseconds a checkpoint stores (DynamoDB numbers)."""
    return int(seconds * 1000)


def renew_seconds(lease_seconds: float) -> float:
    """How often a live generator renews its lease at the least: four times per lease."""
    return min(RENEW_SECONDS, lease_seconds / 4)


def as_read(
    message: StoredMessage, now: float, lease_seconds: float = LEASE_SECONDS
) -> StoredMessage:
    """`message` as readers see it at `now` (epoch seconds): a `streaming` answer without a
    checkpoint for `lease_seconds` lost its generator, so it reads as `incomplete`
    (`interrupted`), or `failed` when it has no text (there is nothing to continue)."""
    if message.status is not MessageStatus.STREAMING:
        return message
    if (message.checkpoint_at or 0) >= epoch_ms(now - lease_seconds):
        return message
    status = MessageStatus.INCOMPLETE if message.content.strip() else MessageStatus.FAILED
    return msgspec.structs.replace(message, status=status, finish_reason=INTERRUPTED)


def bounded_content(content: str) -> tuple[str, bool]:
    """`content`, or its longest prefix that fits with the marker; True if it was cut."""
    encoded = content.encode("utf-8")
    if len(encoded) <= MAX_CONTENT_BYTES:
        return content, False
    room = MAX_CONTENT_BYTES - len(TRUNCATION_MARKER.encode("utf-8"))
    # errors="ignore" drops a multi-byte character split by the cut instead of failing.
    return encoded[:room].decode("utf-8", errors="ignore") + TRUNCATION_MARKER, True


def bounded_citation(citation: Citation) -> Citation:
    """`citation` with its free-text fields cut to their bounds; every field is kept, so a
    stored answer shows exactly what its stream showed."""
    return msgspec.structs.replace(
        citation,
        title=citation.title[:MAX_TITLE_CHARS],
        location=citation.location[:MAX_LOCATION_CHARS],
        snippet=citation.snippet[:MAX_SNIPPET_CHARS],
        uploaded_at=citation.uploaded_at[:MAX_LOCATION_CHARS],
        verified_at=citation.verified_at[:MAX_LOCATION_CHARS] if citation.verified_at else None,
        review_by=citation.review_by[:MAX_LOCATION_CHARS] if citation.review_by else None,
    )


def bounded_citations(citations: list[Citation]) -> list[Citation]:
    return [bounded_citation(c) for c in citations[:MAX_CITATIONS]]
