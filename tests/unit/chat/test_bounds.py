"""Limits that keep storage and cursors safe: the 400 KB item bound, cursor checks, months."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from engageiq_chat.ids import new_id
from engageiq_chat.messages.model import MAX_CONTENT_BYTES, TRUNCATION_MARKER, bounded_content
from engageiq_chat.usage.meter import MonthlyUsage, UsageMeter, seconds_until_next_month
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.cursors import InvalidCursor, decode_cursor, encode_cursor
from engageiq_tenancy.tenant_ids import OBJECT_ID_PATTERN


def test_content_under_the_bound_is_untouched() -> None:
    assert bounded_content("hello") == ("hello", False)


@pytest.mark.parametrize("char", ["a", "é", "€", "😀"])
def test_content_over_the_bound_is_cut_with_a_marker_on_a_character_boundary(char: str) -> None:
    text, cut = bounded_content(char * 500_000)
    assert cut
    assert text.endswith(TRUNCATION_MARKER)
    assert len(text.encode("utf-8")) <= MAX_CONTENT_BYTES
    assert set(text.removesuffix(TRUNCATION_MARKER)) == {char}


ME = TenantContext("acme", "u1", "u1", frozenset({Role.MEMBER}))


def test_cursor_round_trip_and_refusals() -> None:
    checks = {"sk": lambda v: v.startswith("MSG#")}
    cursor = encode_cursor(ME, {"sk": "MSG#c#m"})
    assert decode_cursor(ME, cursor, checks) == {"sk": "MSG#c#m"}
    colleague = TenantContext("acme", "u2", "u2", ME.roles)
    stranger = TenantContext("globex", "u1", "u1", ME.roles)
    for bad in [
        encode_cursor(ME, {"sk": "CONV#c"}),
        encode_cursor(ME, {"sk": "MSG#c", "pk": "x"}),
        "%%%",
        "",
        "a" * 1000,
        encode_cursor(ME, {"other": "MSG#"}),
        encode_cursor(colleague, {"sk": "MSG#c#m"}),
        encode_cursor(stranger, {"sk": "MSG#c#m"}),
    ]:
        with pytest.raises(InvalidCursor):
            decode_cursor(ME, bad, checks)


def test_ids_are_valid_object_ids_and_strictly_increasing() -> None:
    ids = [new_id() for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(OBJECT_ID_PATTERN.fullmatch(i) for i in ids)


@pytest.mark.parametrize(
    ("now", "seconds"),
    [
        (datetime(2026, 11, 30, 23, 59, 0, tzinfo=UTC), 60),
        (datetime(2026, 12, 31, 23, 0, 0, tzinfo=UTC), 3600),
        (datetime(2026, 2, 1, 0, 0, 0, tzinfo=UTC), 28 * 86400),
    ],
)
def test_retry_after_counts_to_the_next_month(now: datetime, seconds: int) -> None:
    assert seconds_until_next_month(now) == seconds


def test_budget_check_refuses_at_the_budget() -> None:
    UsageMeter.check(MonthlyUsage("2026-11", 1, 50, 49), budget=100)
    with pytest.raises(Exception, match="budget") as raised:
        UsageMeter.check(MonthlyUsage("2026-11", 1, 50, 50), budget=100)
    assert getattr(raised.value, "status_code", None) == 429
