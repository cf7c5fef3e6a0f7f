"""Chat settings from the environment."""

from __future__ import annotations

import pytest

from engageiq_chat.settings import ChatSettings
from engageiq_tenancy.settings import SettingsError


def test_defaults_are_offline_with_safe_stream_limits() -> None:
    settings = ChatSettings.from_env({})
    assert settings.provider_name == "offline"
    assert settings.heartbeat_seconds < 30
    assert settings.stream_max_seconds < 120


def test_api_key_selects_anthropic_and_tiers_can_be_overridden() -> None:
    settings = ChatSettings.from_env(
        {
            "ANTHROPIC_API_KEY": "k",
            "ENGAGEIQ_CHAT_TIERS": "general=strong",
            "ENGAGEIQ_CHAT_MODEL_STRONG": "claude-opus-5",
        }
    )
    assert settings.provider_name == "anthropic"
    assert settings.model_for("general") == "claude-opus-5"


@pytest.mark.parametrize(
    "environ",
    [
        {"ENGAGEIQ_CHAT_HEARTBEAT_SECONDS": "30"},
        {"ENGAGEIQ_CHAT_STREAM_MAX_SECONDS": "120"},
        {"ENGAGEIQ_CHAT_TIERS": "general=huge"},
        {"ENGAGEIQ_CHAT_MAX_MESSAGE_CHARS": "many"},
        {"ENGAGEIQ_CHAT_RETRIEVAL": "web"},
    ],
)
def test_unsafe_or_unreadable_values_are_refused(environ: dict[str, str]) -> None:
    [(name, value)] = environ.items()
    with pytest.raises(SettingsError) as caught:
        ChatSettings.from_env(environ)
    assert str(caught.value).startswith(f"{name} must be ")
    assert str(caught.value).endswith(f"not {value!r}")


def test_defaults_are_unchanged() -> None:
    settings = ChatSettings.from_env({})
    assert settings.models == {"fast": "claude-haiku-5-5", "strong": "claude-sonnet-5-5"}
    assert (settings.heartbeat_seconds, settings.stream_max_seconds) == (10.0, 100.0)
    assert (settings.max_message_chars, settings.history_token_budget) == (16_000, 6_000)
    assert (settings.max_output_tokens, settings.provider_max_retries) == (2_048, 3)
    assert settings.provider_timeout_seconds == 60.0
    assert settings.model_for("email_draft") == "claude-sonnet-5-5"


def test_retrieval_defaults_to_the_files_search_and_can_be_switched_off() -> None:
    assert ChatSettings.from_env({}).retrieval == "files"
    assert ChatSettings.from_env({"ENGAGEIQ_CHAT_RETRIEVAL": "off"}).retrieval == "off"
