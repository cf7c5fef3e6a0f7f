"""Conversations: one item per conversation in the caller's partition, listed by recency."""
