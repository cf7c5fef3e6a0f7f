"""`AnswerSources`: an answer's numbered sources, built from the citations its provider
streams (decision 0109).

- Only cited passages are sources, numbered from 1 in the order first cited; a passage cited
  again keeps its number, and its cited text grows by the new words.
- A passage is one source per file and place (`source_id`, `location`), so a continued answer
  (its earlier sources given back) numbers on from where it stopped.
- At most `MAX_CITATIONS` sources: a claim citing only passages past the bound gets no
  marker, so the markers in the text and the sources always agree.
- Every source is bounded as it is stored (`bounded_citation`) before it is streamed, so the
  history shows exactly what the stream showed."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.messages.model import MAX_CITATIONS, Citation, bounded_citation
from engageiq_chat.providers.base import PassageCitation

# Between two cited ranges of one source's cited text.
CITED_TEXT_JOINER = " … "


class AnswerSources:
    def __init__(self, passages: Sequence[Passage], earlier: Sequence[Citation] = ()) -> None:
        """`passages`: what the provider was given (its citations index into them);
        `earlier`: the sources the answer already has (a continued answer)."""
        self._passages = list(passages)
        self._citations: list[Citation] = list(earlier)
        self._numbers = {(c.source_id, c.location): n for n, c in enumerate(earlier, start=1)}
        self.earlier = len(earlier)

    @property
    def citations(self) -> list[Citation]:
        """Every source of the answer, number n at index n - 1."""
        return list(self._citations)

    @property
    def added(self) -> list[Citation]:
        """The sources this turn added (a continuation's new ones only)."""
        return self._citations[self.earlier :]

    def cite(self, cited: Sequence[PassageCitation]) -> tuple[str, list[tuple[int, Citation]]]:
        """One claim's citations: the marker that follows the claim (`[1][3]`, "" when none
        could be numbered) and each source that is new or whose cited text changed, with its
        number (the stream sends them before the marker)."""
        numbers: list[int] = []
        changed: dict[int, Citation] = {}
        for citation in cited:
            if not 0 <= citation.passage < len(self._passages):
                continue
            passage = self._passages[citation.passage]
            key = (passage.source_id, passage.location)
            number = self._numbers.get(key)
            if number is None:
                if len(self._citations) >= MAX_CITATIONS:
                    continue
                self._citations.append(
                    bounded_citation(
                        Citation(
                            source_id=passage.source_id,
                            title=passage.title,
                            location=passage.location,
                            snippet=citation.cited_text.strip(),
                            uploaded_at=passage.uploaded_at,
                            freshness=passage.freshness,
                            verified_at=passage.verified_at,
                            review_by=passage.review_by,
                        )
                    )
                )
                number = self._numbers[key] = len(self._citations)
                changed[number] = self._citations[-1]
            else:
                grown = _joined(self._citations[number - 1].snippet, citation.cited_text)
                if grown != self._citations[number - 1].snippet:
                    updated = bounded_citation(
                        msgspec.structs.replace(self._citations[number - 1], snippet=grown)
                    )
                    if updated != self._citations[number - 1]:
                        self._citations[number - 1] = changed[number] = updated
            if number not in numbers:
                numbers.append(number)
        marker = "".join(f"[{n}]" for n in numbers)
        return marker, sorted(changed.items())


def _joined(snippet: str, cited_text: str) -> str:
    text = cited_text.strip()
    if not text or text in snippet:
        return snippet
    return f"{snippet}{CITED_TEXT_JOINER}{text}" if snippet else text
