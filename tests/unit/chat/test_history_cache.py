"""The history cache is cold rather than stale: only an unbroken chain of versions extends it."""

from __future__ import annotations

from engageiq_chat.messages.history_cache import MAX_ENTRY_CHARS, HistoryCache
from engageiq_chat.messages.model import MessageStatus, Role, StoredMessage

KEY = ("acme", "user-1", "c1")


def message(n: int, content: str = "hi") -> StoredMessage:
    return StoredMessage(
        id=f"m{n}",
        conversation_id="c1",
        role=Role.USER,
        content=content,
        created_at="t",
        status=MessageStatus.COMPLETE,
        route="general",
    )


def test_hit_only_at_the_version_it_was_stored_at() -> None:
    cache = HistoryCache(keep_messages=3)
    cache.put(KEY, "v1", [message(1)])
    assert cache.get(KEY, "v1") == [message(1)]
    assert cache.get(KEY, "v2") is None
    assert cache.get(("acme", "user-2", "c1"), "v1") is None


def test_own_writes_extend_the_chain_and_keep_the_newest() -> None:
    cache = HistoryCache(keep_messages=3)
    cache.extend(KEY, None, "v1", message(1))  # a new conversation
    for n in range(2, 6):
        cache.extend(KEY, f"v{n - 1}", f"v{n}", message(n))
    assert cache.get(KEY, "v5") == [message(3), message(4), message(5)]


def test_a_write_that_does_not_continue_the_chain_drops_the_entry() -> None:
    cache = HistoryCache(keep_messages=10)
    cache.put(KEY, "v1", [message(1)])
    cache.extend(KEY, "v0", "v2", message(2))  # another turn wrote v1 meanwhile
    assert cache.get(KEY, "v1") is None
    assert cache.get(KEY, "v2") is None


def test_large_entries_and_old_conversations_are_not_kept() -> None:
    cache = HistoryCache(keep_messages=10, max_conversations=2)
    cache.put(KEY, "v1", [message(1, "x" * (MAX_ENTRY_CHARS + 1))])
    assert cache.get(KEY, "v1") is None
    for n in range(3):
        cache.put(("acme", "u", f"c{n}"), "v", [message(n)])
    assert cache.get(("acme", "u", "c0"), "v") is None
    assert cache.get(("acme", "u", "c2"), "v") is not None


def test_a_continued_answer_replaces_itself_only_on_an_unbroken_chain() -> None:
    cache = HistoryCache(keep_messages=10)
    cache.put(KEY, "v1", [message(1), message(2, "partial")])
    cache.revise(KEY, "v1", "v2", message(2, "partial and the rest"))
    assert cache.get(KEY, "v2") == [message(1), message(2, "partial and the rest")]
    cache.revise(KEY, "v1", "v3", message(2, "from a stale version"))
    assert cache.get(KEY, "v3") is None
    assert cache.get(KEY, "v2") is None
