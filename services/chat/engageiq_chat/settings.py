"""Chat-specific settings, read once from the environment next to the shared ServiceSettings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from engageiq_tenancy.setting_catalog import (
    DEFAULT_TIER_BY_INTENT,
    TIERS,
    ChatVariables,
    OfflineReader,
    Retrieval,
    Tier,
)

# Read with the one reader (engageiq_tenancy.setting); names, forms and defaults are
# ChatVariables'. Re-exported: the router's tests and others import them from here.
__all__ = ["DEFAULT_TIER_BY_INTENT", "TIERS", "ChatSettings", "Tier"]


@dataclass(frozen=True, slots=True)
class ChatSettings:
    anthropic_api_key: str | None = ChatVariables.ANTHROPIC_API_KEY.default
    """Set: answers come from Anthropic's Messages API. Unset: the offline responder answers."""
    models: Mapping[Tier, str] = field(
        default_factory=lambda: {
            "fast": ChatVariables.MODEL_FAST.default,
            "strong": ChatVariables.MODEL_STRONG.default,
        }
    )
    """Model name per tier."""
    tier_by_intent: Mapping[str, Tier] = field(default_factory=lambda: dict(DEFAULT_TIER_BY_INTENT))
    """Which tier answers each intent."""
    default_monthly_token_budget: int = ChatVariables.DEFAULT_BUDGET.default
    """Budget for a tenant whose record is missing (records carry their own budget)."""
    heartbeat_seconds: float = ChatVariables.HEARTBEAT_SECONDS.default
    """Gap after which a comment line keeps proxies (CloudFront: 30 s) from cutting the stream."""
    stream_max_seconds: float = ChatVariables.STREAM_MAX_SECONDS.default
    """A stream ends with finishReason length_limit by then (App Runner cuts at 120 s)."""
    checkpoint_seconds: float = ChatVariables.CHECKPOINT_SECONDS.default
    """How often a growing answer's text is written to its item (decision 0114): what a
    resume on another instance, or after this one dies, can lose at most."""
    answer_lease_seconds: float = ChatVariables.ANSWER_LEASE_SECONDS.default
    """An answer being written without a checkpoint for this long lost its generator (its
    instance died): readers see it incomplete, and it can be continued."""
    max_message_chars: int = ChatVariables.MAX_MESSAGE_CHARS.default
    """Longest user message accepted."""
    history_token_budget: int = ChatVariables.HISTORY_TOKEN_BUDGET.default
    """Tokens of earlier turns sent with each request."""
    max_output_tokens: int = ChatVariables.MAX_OUTPUT_TOKENS.default
    """max_tokens of each model request."""
    provider_timeout_seconds: float = ChatVariables.PROVIDER_TIMEOUT_SECONDS.default
    """Read timeout per chunk of the model's stream (and overall connect/write bounds)."""
    provider_max_retries: int = ChatVariables.PROVIDER_MAX_RETRIES.default
    """Retries (with backoff) of a model request refused before it streams: 429, 5xx, 529."""
    retrieval: Retrieval = ChatVariables.RETRIEVAL.default
    """`files`: passages from the files service's search; `off`: none (a kill switch)."""
    offline_reader: OfflineReader = ChatVariables.OFFLINE_READER.default
    """How the offline responder picks sentences without an API key (decision 0128): by
    meaning (e5) and words, or by words alone."""
    retention_sweep_seconds: float = 0.0
    """Seconds between the service's retention sweeps (decision 0122); 0: none. `from_env`
    reads ENGAGEIQ_RETENTION_SWEEP_SECONDS (an hour by default); settings built by hand
    (tests) run no background sweep unless they ask for one."""

    @property
    def provider_name(self) -> str:
        return "anthropic" if self.anthropic_api_key else "offline"

    def model_for(self, intent: str) -> str:
        return self.models[self.tier_by_intent.get(intent, "fast")]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ChatSettings:
        e = os.environ if environ is None else environ
        return cls(
            anthropic_api_key=ChatVariables.ANTHROPIC_API_KEY.read(e),
            models={
                "fast": ChatVariables.MODEL_FAST.read(e),
                "strong": ChatVariables.MODEL_STRONG.read(e),
            },
            # Per-environment overrides of single intents on top of the defaults.
            tier_by_intent={**DEFAULT_TIER_BY_INTENT, **ChatVariables.TIERS.read(e)},
            default_monthly_token_budget=ChatVariables.DEFAULT_BUDGET.read(e),
            heartbeat_seconds=ChatVariables.HEARTBEAT_SECONDS.read(e),
            stream_max_seconds=ChatVariables.STREAM_MAX_SECONDS.read(e),
            checkpoint_seconds=ChatVariables.CHECKPOINT_SECONDS.read(e),
            answer_lease_seconds=ChatVariables.ANSWER_LEASE_SECONDS.read(e),
            max_message_chars=ChatVariables.MAX_MESSAGE_CHARS.read(e),
            history_token_budget=ChatVariables.HISTORY_TOKEN_BUDGET.read(e),
            max_output_tokens=ChatVariables.MAX_OUTPUT_TOKENS.read(e),
            provider_timeout_seconds=ChatVariables.PROVIDER_TIMEOUT_SECONDS.read(e),
            provider_max_retries=ChatVariables.PROVIDER_MAX_RETRIES.read(e),
            retrieval=ChatVariables.RETRIEVAL.read(e),
            offline_reader=ChatVariables.OFFLINE_READER.read(e),
            retention_sweep_seconds=ChatVariables.RETENTION_SWEEP_SECONDS.read(e),
        )
