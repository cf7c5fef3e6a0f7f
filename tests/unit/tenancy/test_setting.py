"""The one settings reader: every refusal names the variable, the form it expects and the
value it got; unset and blank read as the default."""

from __future__ import annotations

from typing import Any

import pytest

from engageiq_tenancy.setting import (
    Number,
    OneOf,
    Pairs,
    Setting,
    SettingsError,
    Text,
    WholeNumber,
    require,
)
from engageiq_tenancy.setting_catalog import (
    PER_ENVIRONMENT,
    SETTINGS,
    SETTINGS_BY_NAME,
    STACK_CONFIG_KEY,
    ChatVariables,
    FilesVariables,
    read_by,
    stack_service_settings,
)
from engageiq_tenancy.settings import SettingsError as ServiceSettingsError

TOKENS = Setting("ENGAGEIQ_TEST_TOKENS", WholeNumber(1, 64000, unit="tokens"), 2048, "", ("chat",))


def message(setting: Setting[Any], raw: str) -> str:
    with pytest.raises(SettingsError) as caught:
        setting.parse(raw)
    return str(caught.value)


def test_the_message_names_the_variable_the_form_and_the_value() -> None:
    assert message(TOKENS, "abc") == (
        "ENGAGEIQ_TEST_TOKENS must be a whole number of tokens between 1 and 64000, not 'abc'"
    )


@pytest.mark.parametrize(
    ("form", "raw", "expected"),
    [
        (WholeNumber(1), "abc", "a whole number, at least 1"),
        (WholeNumber(1), "0", "a whole number, at least 1"),
        (WholeNumber(1), "2.5", "a whole number, at least 1"),
        (WholeNumber(0, 10, unit="seconds"), "11", "a whole number of seconds between 0 and 10"),
        (Number(0.01, below=30, unit="seconds"), "30", "a number of seconds, at least 0.01 and "),
        (Number(0.01, unit="seconds"), "0", "a number of seconds, at least 0.01"),
        (Number(0, 3600), "nan", "a number between 0 and 3600"),
        (Number(0, 3600), "inf", "a number between 0 and 3600"),
        (Number(), "ten", "a number"),
        (OneOf(("files", "off")), "web", "one of 'files', 'off'"),
        (Text(), "", "a text"),
        (Pairs(("general",), ("fast", "strong")), "general=huge", "comma-separated key=value"),
        (Pairs(("general",), ("fast", "strong")), "other=fast", "comma-separated key=value"),
    ],
)
def test_each_refusal_names_the_variable_and_the_form(form: Any, raw: str, expected: str) -> None:
    setting = Setting("ENGAGEIQ_TEST_VALUE", form, None, "", ("files",))
    text = message(setting, raw)
    assert text.startswith(f"ENGAGEIQ_TEST_VALUE must be {expected}")
    assert text.endswith(f"not {raw!r}")


def test_unset_or_blank_reads_the_default_and_values_are_stripped() -> None:
    assert TOKENS.read({}) == 2048
    assert TOKENS.read({"ENGAGEIQ_TEST_TOKENS": "  "}) == 2048
    assert TOKENS.read({"ENGAGEIQ_TEST_TOKENS": " 4096 "}) == 4096
    assert TOKENS.read({"ENGAGEIQ_TEST_TOKENS": "1e3"}) == 1000


def test_forms_give_typed_values() -> None:
    assert Number(0).parse("0.5") == 0.5
    assert OneOf(("INFO", "DEBUG"), any_case=True).parse("debug") == "DEBUG"
    assert dict(Pairs(("a", "b"), ("fast", "strong")).parse("a=strong, b = fast")) == {
        "a": "strong",
        "b": "fast",
    }


def test_a_required_variable_is_named_when_missing() -> None:
    with pytest.raises(SettingsError, match="ENGAGEIQ_TENANTS_TABLE is required"):
        require({"ENGAGEIQ_TENANTS_TABLE": " "}, "ENGAGEIQ_TENANTS_TABLE")


def test_there_is_one_error_class() -> None:
    assert ServiceSettingsError is SettingsError


def test_the_catalog_owns_each_name_once_and_every_default_fits_its_form() -> None:
    assert len(SETTINGS_BY_NAME) == len(SETTINGS)
    for setting in SETTINGS:
        assert setting.readers
        if isinstance(setting.default, int | float | str):
            setting.parse(str(setting.default))


def test_stack_settings_are_checked_and_given_as_text() -> None:
    checked = stack_service_settings(
        {
            ChatVariables.MAX_OUTPUT_TOKENS.name: 4096,
            ChatVariables.RETRIEVAL.name: "off",
            FilesVariables.PARSE_TIMEOUT.name: 30.5,
        }
    )
    assert checked == {
        "ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS": "4096",
        "ENGAGEIQ_CHAT_RETRIEVAL": "off",
        "ENGAGEIQ_PARSE_TIMEOUT": "30.5",
    }
    assert read_by("files", checked) == {"ENGAGEIQ_PARSE_TIMEOUT": "30.5"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ENGAGEIQ_CHAT_MAX_TOKENS", 10),
        ("ENGAGEIQ_LOCAL_JWKS_URL", "http://127.0.0.1:1"),
        ("ENGAGEIQ_ORIGIN_SECRET", "x" * 40),
        ("ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS", True),
        ("ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS", "lots"),
        # YAML `null`: a text setting would otherwise read it as "None".
        ("ENGAGEIQ_CHAT_MODEL_FAST", None),
    ],
)
def test_stack_settings_refusals_name_the_variable(name: str, value: object) -> None:
    with pytest.raises(SettingsError) as caught:
        stack_service_settings({name: value})
    assert name in str(caught.value)


def test_every_setting_a_stack_may_set_is_read_by_a_service() -> None:
    assert PER_ENVIRONMENT
    assert STACK_CONFIG_KEY == "engageiq:serviceSettings"
    for setting in PER_ENVIRONMENT:
        assert set(setting.readers) <= {"chat", "files"}
