"""`FileFilter`: which of a tenant's files a search may return (decision 0111)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class FileFilter:
    """Only files in `within` when it is given (a conversation's or a search's scope; an empty
    scope returns nothing), never files in `hidden` (those the caller's audiences hide).
    `TenantIndex.search` applies it as `files=within, exclude=hidden`."""

    within: frozenset[str] | None = None
    hidden: frozenset[str] = frozenset()

    @property
    def matches_nothing(self) -> bool:
        return self.within is not None and not (self.within - self.hidden)


EVERY_FILE: Final = FileFilter()
"""No filter: every file of the tenant's index."""
