"""Placeholder until the embedder lands (replaced by the embedder branch)."""

from __future__ import annotations

from engageiq_search.segment import TextEmbedder


def embedder_from_setting(value: str) -> TextEmbedder | None:
    if value.strip().lower() in ("", "none"):
        return None
    raise ValueError(f"unknown embedder {value!r}")
