"""`ConversationIndex`: what one user's conversation search runs over, in memory. Each
conversation is one document: its title (weighted) and the text of its messages, as the terms
of document search's one tokenizer (`engageiq_search.tokens`: NFKC and case folding, Snowball
stems, CJK bigrams), so a conversation is found exactly as a document would be.

A query's terms must all occur in a conversation (a search box narrows as words are added;
for CJK, every bigram of the query, which approximates a substring match). Matches are ranked
by BM25 over conversations (Lucene's k1 and b), ties by the newer conversation."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Final

import msgspec

from engageiq_search.query import query_tokens
from engageiq_search.tokens import Tokenizer

K1: Final = 1.2
B: Final = 0.75
TITLE_WEIGHT: Final = 3
"""A title term counts as this many occurrences: a title says what a conversation is about."""
SNIPPET_CHARS: Final = 200
SNIPPET_LEAD_CHARS: Final = 60
"""A snippet starts about this far before its first match, at a word boundary."""
ELLIPSIS: Final = "…"


class IndexedMessage(msgspec.Struct, array_like=True, frozen=True):
    id: str
    role: str
    text: str


class IndexedConversation(msgspec.Struct, array_like=True, frozen=True):
    """One conversation as the index holds it (and as segments store it)."""

    id: str
    updated_at: str
    title: str
    terms: dict[str, int]
    """Term -> occurrences in the title (x TITLE_WEIGHT) and the messages."""
    length: int
    """Sum of `terms`' counts: the document length BM25 normalises by."""
    messages: list[IndexedMessage]

    @property
    def memory_bytes(self) -> int:
        """A rough estimate of what it holds in memory (what the cache budgets)."""
        text = sum(len(m.text) + 64 for m in self.messages)
        return 200 + len(self.title) + text + 60 * len(self.terms)


def indexed_conversation(
    tokenizer: Tokenizer,
    conversation_id: str,
    updated_at: str,
    title: str,
    messages: Sequence[IndexedMessage],
) -> IndexedConversation:
    counts: Counter[str] = Counter()
    for term in tokenizer.tokens(title):
        counts[term] += TITLE_WEIGHT
    for message in messages:
        counts.update(tokenizer.tokens(message.text))
    return IndexedConversation(
        id=conversation_id,
        updated_at=updated_at,
        title=title,
        terms=dict(counts),
        length=sum(counts.values()),
        messages=list(messages),
    )


def search_terms(tokenizer: Tokenizer, query: str) -> list[str]:
    """The query's terms, as document search takes them (question words dropped), each
    once; [] for a query with no word at all ("?!", "...")."""
    return list(dict.fromkeys(query_tokens(tokenizer, query)))


class ConversationIndex:
    """An immutable view: conversation id -> its indexed document."""

    def __init__(self, conversations: Mapping[str, IndexedConversation]) -> None:
        self.conversations = dict(conversations)
        total = sum(c.length for c in self.conversations.values())
        self._average_length = total / len(self.conversations) if self.conversations else 1.0
        self.memory_bytes = 1024 + sum(c.memory_bytes for c in self.conversations.values())

    def with_changes(
        self, changed: Iterable[IndexedConversation], removed: Iterable[str] = ()
    ) -> ConversationIndex:
        conversations = dict(self.conversations)
        for conversation in changed:
            conversations[conversation.id] = conversation
        for conversation_id in removed:
            conversations.pop(conversation_id, None)
        return ConversationIndex(conversations)

    def ranked(self, terms: Sequence[str], excluded: frozenset[str] = frozenset()) -> list[str]:
        """Ids of the conversations holding every term, best first; [] without terms."""
        if not terms:
            return []
        documents = [c for c in self.conversations.values() if c.id not in excluded]
        frequency = dict.fromkeys(terms, 0)
        matches: list[IndexedConversation] = []
        for conversation in documents:
            held = conversation.terms
            present = 0
            for term in terms:
                if term in held:
                    frequency[term] += 1
                    present += 1
            if present == len(terms):
                matches.append(conversation)
        count = len(documents)
        idf = {t: math.log(1 + (count - df + 0.5) / (df + 0.5)) for t, df in frequency.items()}
        scored: list[tuple[float, str, str]] = []
        for conversation in matches:
            norm = K1 * (1 - B + B * conversation.length / self._average_length)
            score = 0.0
            for term in terms:
                tf = conversation.terms[term]
                score += idf[term] * tf * (K1 + 1) / (tf + norm)
            # Rounded, so that equal scores tie on recency rather than on float noise.
            scored.append((round(score, 6), conversation.updated_at, conversation.id))
        scored.sort(reverse=True)
        return [conversation_id for _, _, conversation_id in scored]


class Highlight(msgspec.Struct, frozen=True):
    """A matched range of a text: [start, end) in UTF-16 code units, as JavaScript strings
    index (`text.slice(start, end)`)."""

    start: int
    end: int


class Snippet(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """A short plain-text excerpt of the message that matches best, with its matches."""

    message_id: str
    role: str
    text: str
    highlights: list[Highlight]


def _utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


def highlights(tokenizer: Tokenizer, text: str, terms: Iterable[str]) -> list[Highlight]:
    """The ranges of `text` whose terms are among `terms`, merged where they touch."""
    return _as_utf16(text, _spans(tokenizer, text, frozenset(terms), 0, len(text)))


def _spans(
    tokenizer: Tokenizer, text: str, terms: frozenset[str], start: int, end: int
) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for first, last in _matches(tokenizer, text, terms, start, end):
        if spans and first <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
        else:
            spans.append((first, last))
    return spans


def _matches(
    tokenizer: Tokenizer, text: str, terms: frozenset[str], start: int, end: int
) -> Iterator[tuple[int, int]]:
    """The spans of `text[start:end]` whose terms are in `terms`, lazily, in text order."""
    for first, last, term in tokenizer.spans(text[start:end]):
        if term in terms:
            yield first + start, last + start


def _as_utf16(text: str, spans: Iterable[tuple[int, int]]) -> list[Highlight]:
    return [Highlight(_utf16(text, a), _utf16(text, b)) for a, b in spans]


def snippet(
    tokenizer: Tokenizer, conversation: IndexedConversation, terms: Sequence[str]
) -> Snippet | None:
    """An excerpt of the message holding the most query terms (the first such message), about
    SNIPPET_CHARS long around its first match; None when only the title matches."""
    wanted = frozenset(terms)
    best: IndexedMessage | None = None
    best_count = 0
    for message in conversation.messages:
        count = len(wanted.intersection(tokenizer.tokens(message.text)))
        if count > best_count:
            best, best_count = message, count
    if best is None:
        return None
    text = best.text
    # Only as far as the first match: a long answer is not tokenised to its end.
    first = next(_matches(tokenizer, text, wanted, 0, len(text)), None)
    if first is None:
        return None
    start = max(0, first[0] - SNIPPET_LEAD_CHARS)
    if start:
        # Start at a word boundary: after the last space before the lead.
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and first[0] - space < 2 * SNIPPET_LEAD_CHARS else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", first[1], end)
        end = space if space > first[1] else end
    window = text[start:end]
    spans = [(a - start, b - start) for a, b in _spans(tokenizer, text, wanted, start, end)]
    # Line breaks and runs of spaces read badly in one line of a list; each is one space.
    excerpt, mapped = _one_line(window, spans)
    prefix = ELLIPSIS if start else ""
    suffix = ELLIPSIS if end < len(text) else ""
    shifted = [(a + len(prefix), b + len(prefix)) for a, b in mapped]
    full = prefix + excerpt + suffix
    return Snippet(
        message_id=best.id, role=best.role, text=full, highlights=_as_utf16(full, shifted)
    )


def _one_line(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each run of whitespace made one space, and `spans` moved to match."""
    out: list[str] = []
    positions: list[int] = []  # positions[i]: where text[i] lands in the output
    in_space = False
    for char in text:
        positions.append(len(out))
        if char.isspace():
            if not in_space:
                out.append(" ")
            in_space = True
        else:
            out.append(char)
            in_space = False
    positions.append(len(out))
    line = "".join(out)
    lead = len(line) - len(line.lstrip())
    moved = [(positions[a] - lead, positions[b] - lead) for a, b in spans]
    return line.strip(), moved
