"""What a reader is shown of an answer's sources when it is read back (`/api/chat-history`, an
`Idempotency-Key` replay): a source whose file the reader may no longer see (an audience
changed, decision 0111) is replaced by `{number, withheld: true}` - its name, place and
cited text never leave the service. A deleted file's source is shown as it was stored (the
citation is a quote of what the answer relied on, and deleting a file hides nothing from
someone who could read it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import msgspec

from engageiq_chat.messages.model import Citation
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import KnowledgeView


class WithheldSource(msgspec.Struct, rename="camel", frozen=True):
    """A source of the answer the reader may no longer see: only its number (the answer's
    `[number]` markers still name it)."""

    number: int
    withheld: Literal[True] = True


def shown_sources(
    citations: Sequence[Citation], view: KnowledgeView, reader: TenantContext
) -> list[Citation | WithheldSource]:
    """`citations` (source n at index n - 1) as `reader` may see them now."""
    return [
        c if view.may_see_file(reader, c.source_id) else WithheldSource(number)
        for number, c in enumerate(citations, start=1)
    ]
