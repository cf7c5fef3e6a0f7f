"""`engageiq:serviceSettings`: a stack sets a service setting per environment; the program
checks it with the services' own reader and sets it only where it is read."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from engageiq_chat.settings import ChatSettings
from engageiq_files.config import FilesSettings
from engageiq_infra.config import COMPUTE_OPTIONS
from engageiq_infra.mocks import Inventory, run_program
from engageiq_tenancy.setting import SettingsError
from engageiq_tenancy.setting_catalog import PER_ENVIRONMENT, STACK_CONFIG_KEY

from . import guardrails as g
from .conftest import recorded_stack


def run_with(settings: dict[str, Any], compute: str = "apprunner") -> Inventory:
    return run_program("dev", compute=compute, config_overrides={STACK_CONFIG_KEY: settings})


def test_no_stack_sets_a_service_setting_unless_it_says_so() -> None:
    # The committed environments change no service setting: the services run their defaults.
    names = {s.name for s in PER_ENVIRONMENT}
    for environment in ("dev", "staging", "prod"):
        stack = recorded_stack(environment, "apprunner")
        for service in ("chat", "files"):
            assert not names & g.service_environment(stack, service).keys()


@pytest.mark.parametrize("compute", COMPUTE_OPTIONS)
def test_a_setting_reaches_only_the_services_that_read_it(compute: str) -> None:
    stack = run_with(
        {
            "ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS": 4096,
            "ENGAGEIQ_CHAT_TIERS": "email_draft=fast",
            "ENGAGEIQ_INGESTION_WORKERS": 4,
            "ENGAGEIQ_INDEX_CACHE_BYTES": 268435456,
            "ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS": 5.5,
        },
        compute,
    )
    chat = g.service_environment(stack, "chat")
    files = g.service_environment(stack, "files")
    assert chat["ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS"] == "4096"
    assert chat["ENGAGEIQ_CHAT_TIERS"] == "email_draft=fast"
    assert "ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS" not in files
    assert files["ENGAGEIQ_INGESTION_WORKERS"] == "4"
    assert "ENGAGEIQ_INGESTION_WORKERS" not in chat
    # Read by both: the files service's cache and the chat service's retriever.
    assert chat["ENGAGEIQ_INDEX_CACHE_BYTES"] == files["ENGAGEIQ_INDEX_CACHE_BYTES"] == "268435456"
    assert chat["ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS"] == "5.5"
    assert files["ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS"] == "5.5"
    # What the services then read from their environment.
    assert ChatSettings.from_env(chat).max_output_tokens == 4096
    assert ChatSettings.from_env(chat).model_for("email_draft") == ChatSettings().models["fast"]
    assert FilesSettings.from_env(files).ingestion_workers == 4
    assert FilesSettings.from_env(files).index_cache_bytes == 256 * 1024**2


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS", "abc", ChatSettings.from_env),
        ("ENGAGEIQ_CHAT_HEARTBEAT_SECONDS", 30, ChatSettings.from_env),
        ("ENGAGEIQ_CHAT_RETRIEVAL", "web", ChatSettings.from_env),
        ("ENGAGEIQ_CHAT_TIERS", "general=huge", ChatSettings.from_env),
        ("ENGAGEIQ_UPLOAD_PART_SIZE", 1024, FilesSettings.from_env),
        ("ENGAGEIQ_INGESTION_VISIBILITY_SECONDS", 50000, FilesSettings.from_env),
    ],
)
def test_a_bad_value_fails_the_preview_as_the_service_would(
    name: str, value: object, read: Callable[[Mapping[str, str]], object]
) -> None:
    with pytest.raises(SettingsError) as at_preview:
        run_with({name: value})
    with pytest.raises(SettingsError) as at_start:
        read({name: str(value)})
    assert str(at_preview.value) == str(at_start.value)
    assert str(at_preview.value).startswith(f"{name} must be ")


@pytest.mark.parametrize(
    ("name", "why"),
    [
        pytest.param("ENGAGEIQ_CHAT_MAX_TOKENS", "not a setting a service reads", id="unknown"),
        pytest.param("ENGAGEIQ_LOCAL_JWKS_URL", "local-only", id="local-only-jwks"),
        pytest.param("AWS_ENDPOINT_URL", "local-only", id="local-only-endpoint"),
        pytest.param("ANTHROPIC_API_KEY", "set by the program", id="secret"),
        pytest.param("ENGAGEIQ_LOG_LEVEL", "set by the program", id="own-config-key"),
        pytest.param("ENGAGEIQ_INGESTION_QUEUE_URL", "set by the program", id="resource-output"),
        pytest.param(
            "ENGAGEIQ_INGESTION_DLQ_URL", "set by the program", id="dead-letter-resource-output"
        ),
    ],
)
def test_a_variable_a_stack_may_not_set_fails_the_preview(name: str, why: str) -> None:
    with pytest.raises(SettingsError, match=why) as caught:
        run_with({name: "http://127.0.0.1:1"})
    assert name in str(caught.value)
    assert STACK_CONFIG_KEY in str(caught.value)


def test_the_block_must_be_a_mapping() -> None:
    with pytest.raises(ValueError, match=STACK_CONFIG_KEY):
        run_program("dev", config_overrides={STACK_CONFIG_KEY: ["ENGAGEIQ_CHAT_RETRIEVAL=off"]})


def test_the_program_still_runs_after_a_refused_setting() -> None:
    assert run_with({"ENGAGEIQ_CHAT_RETRIEVAL": "off"}).outputs["region"] == "eu-west-1"


@pytest.mark.parametrize("as_json", [False, True])
def test_the_preview_command_refuses_a_bad_value_as_an_operator_error(
    monkeypatch: pytest.MonkeyPatch, as_json: bool
) -> None:
    # The stack file as an operator would have mistyped it; the command answers like every
    # operator command (docs/operators.md): one coded line, exit 2, never a traceback.
    from click.testing import CliRunner

    import engageiq_infra.preview
    from engageiq.preview import preview

    def with_bad_setting(environment: str, *, compute: str | None) -> Inventory:
        return run_program(
            environment,
            compute=compute,
            config_overrides={STACK_CONFIG_KEY: {"ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS": "lots"}},
        )

    monkeypatch.setattr(engageiq_infra.preview, "run_program", with_bad_setting)
    result = CliRunner().invoke(preview, ["dev", *(["--json"] if as_json else [])])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    said = (
        "ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS must be a whole number of tokens, at least 1, not 'lots'"
    )
    if as_json:
        assert json.loads(result.stdout) == {
            "error": {"code": "invalid_service_setting", "message": said}
        }
    else:
        assert "Traceback" not in result.output
        assert f"error (invalid_service_setting): {said}" in result.stderr
