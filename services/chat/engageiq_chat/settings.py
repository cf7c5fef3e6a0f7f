"""Chat-specific settings, read once from the environment next to the shared ServiceSettings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from engageiq_tenancy.settings import SettingsError
from engageiq_tenancy.tenants import DEFAULT_MONTHLY_TOKEN_BUDGET

Tier = Literal["fast", "strong"]
TIERS: Final[tuple[Tier, ...]] = ("fast", "strong")

# Drafting and objection handling benefit from the stronger model; lookups and prep do not.
DEFAULT_TIER_BY_INTENT: Final[dict[str, Tier]] = {
    "product_question": "fast",
    "email_draft": "strong",
    "objection_handling": "strong",
    "call_prep": "fast",
    "general": "fast",
}


class ChatEnv:
    """Environment variable names the chat service reads (besides the shared ones)."""

    ANTHROPIC_API_KEY: Final = "ANTHROPIC_API_KEY"
    MODEL_FAST: Final = "ENGAGEIQ_CHAT_MODEL_FAST"
    MODEL_STRONG: Final = "ENGAGEIQ_CHAT_MODEL_STRONG"
    TIERS: Final = "ENGAGEIQ_CHAT_TIERS"
    DEFAULT_BUDGET: Final = "ENGAGEIQ_CHAT_DEFAULT_MONTHLY_TOKEN_BUDGET"
    HEARTBEAT_SECONDS: Final = "ENGAGEIQ_CHAT_HEARTBEAT_SECONDS"
    STREAM_MAX_SECONDS: Final = "ENGAGEIQ_CHAT_STREAM_MAX_SECONDS"
    MAX_MESSAGE_CHARS: Final = "ENGAGEIQ_CHAT_MAX_MESSAGE_CHARS"
    HISTORY_TOKEN_BUDGET: Final = "ENGAGEIQ_CHAT_HISTORY_TOKEN_BUDGET"  # noqa: S105 - a name
    MAX_OUTPUT_TOKENS: Final = "ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS"
    PROVIDER_TIMEOUT_SECONDS: Final = "ENGAGEIQ_CHAT_PROVIDER_TIMEOUT_SECONDS"
    PROVIDER_MAX_RETRIES: Final = "ENGAGEIQ_CHAT_PROVIDER_MAX_RETRIES"
    RETRIEVAL: Final = "ENGAGEIQ_CHAT_RETRIEVAL"


@dataclass(frozen=True, slots=True)
class ChatSettings:
    anthropic_api_key: str | None = None
    """Set: answers come from Anthropic's Messages API. Unset: the offline responder answers."""
    models: Mapping[Tier, str] = field(
        default_factory=lambda: {"fast": "claude-haiku-5-5", "strong": "claude-sonnet-5-5"}
    )
    """Model name per tier."""
    tier_by_intent: Mapping[str, Tier] = field(default_factory=lambda: dict(DEFAULT_TIER_BY_INTENT))
    """Which tier answers each intent."""
    default_monthly_token_budget: int = DEFAULT_MONTHLY_TOKEN_BUDGET
    """Budget for a tenant whose record is missing (records carry their own budget)."""
    heartbeat_seconds: float = 10.0
    """Gap after which a comment line keeps proxies (CloudFront: 30 s) from cutting the stream."""
    stream_max_seconds: float = 100.0
    """A stream ends with finishReason length_limit by then (App Runner cuts at 120 s)."""
    max_message_chars: int = 16_000
    """Longest user message accepted."""
    history_token_budget: int = 6_000
    """Tokens of earlier turns sent with each request."""
    max_output_tokens: int = 2_048
    """max_tokens of each model request."""
    provider_timeout_seconds: float = 60.0
    """Read timeout per chunk of the model's stream (and overall connect/write bounds)."""
    provider_max_retries: int = 3
    """Retries (with backoff) of a model request refused before it streams: 429, 5xx, 529."""
    retrieval: Literal["files", "off"] = "files"
    """`files`: passages from the files service's search; `off`: none (a kill switch)."""

    @property
    def provider_name(self) -> str:
        return "anthropic" if self.anthropic_api_key else "offline"

    def model_for(self, intent: str) -> str:
        return self.models[self.tier_by_intent.get(intent, "fast")]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ChatSettings:
        e = os.environ if environ is None else environ
        defaults = cls()

        def number(name: str, default: float, minimum: float) -> float:
            raw = e.get(name, "").strip()
            if not raw:
                return default
            try:
                value = float(raw)
            except ValueError:
                raise SettingsError(f"{name} must be a number") from None
            if value < minimum:
                raise SettingsError(f"{name} must be at least {minimum}")
            return value

        tiers = dict(defaults.tier_by_intent)
        # "email_draft=fast,call_prep=strong": a per-environment override of single intents.
        for pair in filter(None, (p.strip() for p in e.get(ChatEnv.TIERS, "").split(","))):
            intent, _, tier = pair.partition("=")
            if intent.strip() not in tiers or tier.strip() not in TIERS:
                raise SettingsError(f"{ChatEnv.TIERS}: cannot read {pair!r}")
            tiers[intent.strip()] = tier.strip()  # type: ignore[assignment]
        retrieval = e.get(ChatEnv.RETRIEVAL, "").strip() or defaults.retrieval
        if retrieval not in ("files", "off"):
            raise SettingsError(f"{ChatEnv.RETRIEVAL} must be 'files' or 'off'")
        settings = cls(
            retrieval=retrieval,  # type: ignore[arg-type]
            anthropic_api_key=e.get(ChatEnv.ANTHROPIC_API_KEY, "").strip() or None,
            models={
                "fast": e.get(ChatEnv.MODEL_FAST, "").strip() or defaults.models["fast"],
                "strong": e.get(ChatEnv.MODEL_STRONG, "").strip() or defaults.models["strong"],
            },
            tier_by_intent=tiers,
            default_monthly_token_budget=int(
                number(ChatEnv.DEFAULT_BUDGET, defaults.default_monthly_token_budget, 0)
            ),
            heartbeat_seconds=number(ChatEnv.HEARTBEAT_SECONDS, defaults.heartbeat_seconds, 0.01),
            stream_max_seconds=number(
                ChatEnv.STREAM_MAX_SECONDS, defaults.stream_max_seconds, 0.01
            ),
            max_message_chars=int(number(ChatEnv.MAX_MESSAGE_CHARS, defaults.max_message_chars, 1)),
            history_token_budget=int(
                number(ChatEnv.HISTORY_TOKEN_BUDGET, defaults.history_token_budget, 0)
            ),
            max_output_tokens=int(number(ChatEnv.MAX_OUTPUT_TOKENS, defaults.max_output_tokens, 1)),
            provider_timeout_seconds=number(
                ChatEnv.PROVIDER_TIMEOUT_SECONDS, defaults.provider_timeout_seconds, 0.01
            ),
            provider_max_retries=int(
                number(ChatEnv.PROVIDER_MAX_RETRIES, defaults.provider_max_retries, 0)
            ),
        )
        if settings.heartbeat_seconds >= 30:
            raise SettingsError(f"{ChatEnv.HEARTBEAT_SECONDS} must stay below CloudFront's 30 s")
        if settings.stream_max_seconds >= 120:
            raise SettingsError(f"{ChatEnv.STREAM_MAX_SECONDS} must stay below App Runner's 120 s")
        return settings
