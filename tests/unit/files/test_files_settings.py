"""Files settings from the environment, through the one reader."""

from __future__ import annotations

import pytest

from engageiq_files.config import MIB, FilesSettings
from engageiq_tenancy.settings import SettingsError


def test_defaults_are_unchanged() -> None:
    settings = FilesSettings.from_env({})
    assert settings.max_upload_bytes == 50 * 1000 * 1000
    assert settings.part_size == 8 * MIB
    assert settings.parse_timeout_seconds == 60.0
    assert settings.ingestion_workers == 2
    assert settings.ingestion_queue_url is None
    assert settings.ingestion_dead_letter_url is None
    assert settings.ingestion_visibility_seconds == 90
    assert settings.ingestion_retry_base_seconds == 10.0
    assert settings.upload_intent_seconds == 600


def test_variables_are_read() -> None:
    settings = FilesSettings.from_env(
        {
            "ENGAGEIQ_MAX_UPLOAD_BYTES": "1e6",
            "ENGAGEIQ_INGESTION_WORKERS": "4",
            "ENGAGEIQ_INGESTION_QUEUE_URL": "https://sqs.example/q.fifo",
            "ENGAGEIQ_INGESTION_DLQ_URL": "https://sqs.example/q-dlq.fifo",
            "ENGAGEIQ_PARSE_TIMEOUT": "12.5",
        }
    )
    assert settings.ingestion_dead_letter_url == "https://sqs.example/q-dlq.fifo"
    assert settings.max_upload_bytes == 1_000_000
    assert settings.ingestion_workers == 4
    assert settings.ingestion_queue_url == "https://sqs.example/q.fifo"
    assert settings.parse_timeout_seconds == 12.5


@pytest.mark.parametrize(
    ("parse_timeout", "page_seconds", "budget_seconds"),
    [
        (60.0, 20.0, 35.0),  # the default: 20 s a page, and 5 s kept for the rest
        (12.0, 4.0, 6.0),  # short: a third a page, a sixth kept for the rest
        (600.0, 20.0, 575.0),  # long: a page never takes more than 20 s
    ],
)
def test_parse_limits_leave_room_for_the_last_ocr_page(
    parse_timeout: float, page_seconds: float, budget_seconds: float
) -> None:
    limits = FilesSettings(parse_timeout_seconds=parse_timeout).parse_limits()
    assert limits.ocr_page_timeout_seconds == page_seconds
    assert limits.ocr_budget_seconds == budget_seconds
    # The last page started inside the budget still ends inside the parse timeout.
    assert limits.ocr_budget_seconds + limits.ocr_page_timeout_seconds < parse_timeout
    assert limits.max_pages == FilesSettings().max_pages


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ENGAGEIQ_MAX_UPLOAD_BYTES", "big"),
        ("ENGAGEIQ_UPLOAD_PART_SIZE", str(4 * MIB)),
        ("ENGAGEIQ_INGESTION_WORKERS", "0"),
        ("ENGAGEIQ_INGESTION_VISIBILITY_SECONDS", "43201"),
        ("ENGAGEIQ_INDEX_CACHE_BYTES", "-1"),
        ("ENGAGEIQ_UPLOAD_INTENT_SECONDS", "2.5"),
    ],
)
def test_each_refusal_names_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        FilesSettings.from_env({name: value})
    assert str(caught.value).startswith(f"{name} must be ")
    assert str(caught.value).endswith(f"not {value!r}")


def test_values_given_in_code_keep_the_same_bounds() -> None:
    with pytest.raises(SettingsError, match="ENGAGEIQ_UPLOAD_PART_SIZE"):
        FilesSettings(part_size=MIB)
    with pytest.raises(SettingsError, match="parts_in_flight"):
        FilesSettings(parts_in_flight=0)
