"""Shared links to conversations and "continue as my own" (decision 0113)."""
