"""Message and conversation ids: time-ordered, so a message's sort key orders a conversation."""

from __future__ import annotations

import secrets
import threading
import time

_lock = threading.Lock()
_last_us = 0


def new_id() -> str:
    """26 characters from [0-9a-z]: 13 for microseconds since the epoch (strictly increasing in
    this process, so a user message sorts before the answer minted right after it), 13 random."""
    global _last_us
    with _lock:
        now = max(time.time_ns() // 1000, _last_us + 1)
        _last_us = now
    return f"{_base36(now, 13)}{_base36(secrets.randbits(64), 13)}"


def _base36(value: int, width: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = []
    for _ in range(width):
        value, rest = divmod(value, 36)
        out.append(digits[rest])
    return "".join(reversed(out))
