"""Token estimates without a tokenizer: about four characters per token for English text.

Close enough for budgeting (the model's own count comes back in `usage`), and it costs nothing
on the request path."""

from __future__ import annotations

CHARS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def clip_to_tokens(text: str, tokens: int, marker: str = " […]") -> str:
    """`text` cut to about `tokens`, keeping its beginning (where the question usually is)."""
    limit = tokens * CHARS_PER_TOKEN
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker
