"""`HistoryCache`: the recent messages of conversations this process served, so a follow-up
turn does not re-read its history from DynamoDB.

An entry is valid only while the conversation item's `updatedAt` - read consistently on every
turn anyway, and changed by every message write (same transaction) - equals the version the
entry was read or written at. A write by another instance, or two overlapping turns here,
breaks the chain and the entry is dropped, so the cache can be cold but never stale
(docs/decisions/0027-chat-history-cache.md)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Final

from engageiq_chat.messages.model import StoredMessage

CacheKey = tuple[str, str, str]  # tenant, user, conversation
MAX_CONVERSATIONS: Final = 256
# Entries larger than this are not kept: one pasted document must not pin memory.
MAX_ENTRY_CHARS: Final = 200_000


class HistoryCache:
    def __init__(self, keep_messages: int, max_conversations: int = MAX_CONVERSATIONS) -> None:
        self._keep = keep_messages
        self._max = max_conversations
        self._entries: OrderedDict[CacheKey, tuple[str, list[StoredMessage]]] = OrderedDict()

    def get(self, key: CacheKey, version: str) -> list[StoredMessage] | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            return None
        self._entries.move_to_end(key)
        return list(entry[1])

    def put(self, key: CacheKey, version: str, messages: list[StoredMessage]) -> None:
        kept = messages[-self._keep :]
        if sum(len(m.content) for m in kept) > MAX_ENTRY_CHARS:
            self._entries.pop(key, None)
            return
        self._entries[key] = (version, kept)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    def extend(
        self, key: CacheKey, expected: str | None, version: str, message: StoredMessage
    ) -> None:
        """Record our own write of `message`, which moved the conversation from `expected` to
        `version`; without an entry at `expected` there is nothing to extend and none is made
        (except for a new conversation, whose history is exactly this message)."""
        entry = self._entries.get(key)
        if expected is None:
            self.put(key, version, [message])
        elif entry is not None and entry[0] == expected:
            self.put(key, version, [*entry[1], message])
        else:
            self._entries.pop(key, None)

    def revise(self, key: CacheKey, expected: str, version: str, message: StoredMessage) -> None:
        """Record our own rewrite of `message` (an answer continued in place), which moved the
        conversation from `expected` to `version`."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != expected:
            self._entries.pop(key, None)
            return
        self.put(key, version, [message if m.id == message.id else m for m in entry[1]])
