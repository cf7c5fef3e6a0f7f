"""The chat app in process against the session's moto server (the harness the chat
integration tests use, shared rather than copied)."""

from tests.integration.chat.conftest import harness, harness_tokens

__all__ = ["harness", "harness_tokens"]
