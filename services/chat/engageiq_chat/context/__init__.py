"""Prompt building: system prompt, tenant persona, retrieved passages and history in budget."""
