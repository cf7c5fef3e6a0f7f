"""What a reader is shown of an answer's sources when history is read back
(`/api/chat-history`) or replayed (`Idempotency-Key`, `turns.follow.citation_event`):
a source whose file the reader may no longer see (an audience changed, decision 0111) and
a source whose file no longer exists (deleted, or being deleted) are both replaced by
`{number, withheld: true}` - its name, place and cited text never leave the service. The
two answer alike on purpose: showing a deleted file's source in full while withholding a
hidden one would tell the reader "this file still exists, you are just not allowed to see
it". `SourceWall` is that one decision for a page of messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from engageiq_chat.messages.model import Citation
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import Freshness, KnowledgeView


class ShownSource(msgspec.Struct, rename="camel", kw_only=True):
    """Source `number` of an answer as history shows it: every field of the stored `Citation`
    (as its `citation` event showed it), or, for a file that is gone or that the reader may
    no longer see, only `{number, withheld: true}`. (One struct with unset fields rather than
    a union: an OpenAPI union of two untagged objects is what msgspec refuses.)"""

    number: int
    withheld: bool | msgspec.UnsetType = msgspec.UNSET
    """True when the file is gone or the reader may no longer see it (the two alike):
    nothing else of the source is shown."""
    source_id: str | msgspec.UnsetType = msgspec.UNSET
    title: str | msgspec.UnsetType = msgspec.UNSET
    location: str | msgspec.UnsetType = msgspec.UNSET
    snippet: str | msgspec.UnsetType = msgspec.UNSET
    uploaded_at: str | msgspec.UnsetType = msgspec.UNSET
    freshness: Freshness | msgspec.UnsetType | None = msgspec.UNSET
    verified_at: str | msgspec.UnsetType | None = msgspec.UNSET
    review_by: str | msgspec.UnsetType | None = msgspec.UNSET


@dataclass(frozen=True, slots=True)
class SourceWall:
    """Which cited files `reader` is shown now: those that still exist (`existing`, read by
    `Knowledge.existing_files` for the cited ids) and that `view` lets them see."""

    view: KnowledgeView
    reader: TenantContext
    existing: frozenset[str]

    def shows(self, file_id: str) -> bool:
        return file_id in self.existing and self.view.may_see_file(self.reader, file_id)


def shown_sources(citations: Sequence[Citation], wall: SourceWall) -> list[ShownSource]:
    """`citations` (source n at index n - 1) as the wall's reader may see them now."""
    return [
        _shown(number, c) if wall.shows(c.source_id) else withheld(number)
        for number, c in enumerate(citations, start=1)
    ]


def withheld(number: int) -> ShownSource:
    return ShownSource(number=number, withheld=True)


def _shown(number: int, citation: Citation) -> ShownSource:
    # Every field of the stored citation, as its `citation` event showed it.
    return ShownSource(number=number, **msgspec.structs.asdict(citation))
