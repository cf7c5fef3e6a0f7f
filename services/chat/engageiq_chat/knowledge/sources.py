"""What a reader is shown of an answer's sources when history is read back
(`/api/chat-history`): a source whose file the reader may no longer see (an audience
changed, decision 0111) is replaced by `{number, withheld: true}` - its name, place and
cited text never leave the service. A deleted file's source is shown as it was stored (the
citation is a quote of what the answer relied on, and deleting a file hides nothing from
someone who could read it). An `Idempotency-Key` replay withholds such a source the same
way in its `citation` event (`turns.idempotency.citation_events`)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from engageiq_chat.messages.model import Citation
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import Freshness, KnowledgeView


class ShownSource(msgspec.Struct, rename="camel", kw_only=True):
    """Source `number` of an answer as history shows it: every field of the stored `Citation`
    (as its `citation` event showed it), or, for a file the reader may no longer see, only
    `{number, withheld: true}`. (One struct with unset fields rather than a union: an OpenAPI
    union of two untagged objects is what msgspec refuses.)"""

    number: int
    withheld: bool | msgspec.UnsetType = msgspec.UNSET
    """True when the reader may no longer see the file: nothing else of the source is shown."""
    source_id: str | msgspec.UnsetType = msgspec.UNSET
    title: str | msgspec.UnsetType = msgspec.UNSET
    location: str | msgspec.UnsetType = msgspec.UNSET
    snippet: str | msgspec.UnsetType = msgspec.UNSET
    uploaded_at: str | msgspec.UnsetType = msgspec.UNSET
    freshness: Freshness | msgspec.UnsetType | None = msgspec.UNSET
    verified_at: str | msgspec.UnsetType | None = msgspec.UNSET
    review_by: str | msgspec.UnsetType | None = msgspec.UNSET


def shown_sources(
    citations: Sequence[Citation], view: KnowledgeView, reader: TenantContext
) -> list[ShownSource]:
    """`citations` (source n at index n - 1) as `reader` may see them now."""
    return [
        _shown(number, c) if view.may_see_file(reader, c.source_id) else withheld(number)
        for number, c in enumerate(citations, start=1)
    ]


def withheld(number: int) -> ShownSource:
    return ShownSource(number=number, withheld=True)


def _shown(number: int, citation: Citation) -> ShownSource:
    # Every field of the stored citation, as its `citation` event showed it.
    return ShownSource(number=number, **msgspec.structs.asdict(citation))
