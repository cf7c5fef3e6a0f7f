"""The content health report and the grouping of unanswered questions (decision 0111): one
computation for the admin API and the operator CLI."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engageiq_tenancy.content_health import LIST_LIMIT, content_health, grouped_questions
from engageiq_tenancy.content_keys import (
    normalised_question,
    question_digest,
    stamp,
    unanswered_key,
    window_months,
)
from engageiq_tenancy.context import Role, TenantContext

NOW = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)
ACME = TenantContext("acme", "u1", "u1", frozenset({Role.MEMBER}))


def test_questions_group_by_case_whitespace_and_punctuation() -> None:
    same = [
        "What does the Pro plan cost?",
        "  what does the pro plan COST ",
        "What does the Pro-plan cost?!",
        "What\u00a0does the Pro plan cost\u3002",  # a no-break space, an ideographic full stop
        "\uff37\uff28\uff21\uff34 does the Pro plan cost",  # full-width letters fold to ASCII
    ]
    assert {normalised_question(q) for q in same} == {"what does the pro plan cost"}
    assert normalised_question("What does the Max plan cost?") != normalised_question(same[0])
    assert normalised_question("?!  …") == ""
    assert normalised_question("Straße") == normalised_question("STRASSE")


@given(st.text(max_size=200))
def test_normalising_is_idempotent_and_keys_stay_bounded(text: str) -> None:
    once = normalised_question(text)
    assert normalised_question(once) == once
    key = unanswered_key(ACME, "2026-12", once)
    assert key["pk"] == "acme#CONTENT"
    assert key["sk"] == f"UNANSWERED#2026-12#{question_digest(once)}"
    assert len(key["sk"]) == len("UNANSWERED#2026-12#") + 32


def test_the_window_covers_every_month_it_touches() -> None:
    assert window_months(NOW, 90) == ["2026-09", "2026-10", "2026-11", "2026-12"]
    assert window_months(datetime(2027, 1, 15, tzinfo=UTC), 30) == ["2026-12", "2027-01"]


def question(month: str, digest: str, text: str, count: int, asked: datetime) -> dict[str, Any]:
    return {
        "sk": f"UNANSWERED#{month}#{digest}",
        "question": text,
        "count": count,
        "lastAskedAt": stamp(asked),
    }


def test_a_question_asked_over_several_months_is_one_group() -> None:
    since = stamp(datetime(2026, 9, 7, tzinfo=UTC))
    groups = grouped_questions(
        [
            question("2026-10", "aa", "What is SSO?", 2, datetime(2026, 10, 3, tzinfo=UTC)),
            question("2026-12", "aa", "what is sso", 2, datetime(2026, 12, 1, tzinfo=UTC)),
            question("2026-11", "bb", "Who is our CEO?", 3, datetime(2026, 11, 2, tzinfo=UTC)),
            question("2026-11", "cc", "Do we ship to Mars?", 3, datetime(2026, 11, 20, tzinfo=UTC)),
            # Last asked before the window: left out.
            question("2026-09", "dd", "Old question", 9, datetime(2026, 9, 1, tzinfo=UTC)),
        ],
        since,
    )
    assert [(g.question, g.count) for g in groups] == [
        ("what is sso", 4),  # the latest wording and time of the group
        ("Do we ship to Mars?", 3),  # as many as the CEO question, asked more recently
        ("Who is our CEO?", 3),
    ]
    assert groups[0].last_asked_at == stamp(datetime(2026, 12, 1, tzinfo=UTC))


def record(file_id: str, name: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": file_id,
        "name": name,
        "status": "ready",
        "createdAt": "2026-06-01T00:00:00.000Z",
        **extra,
    }


def signal(file_id: str, **counters: Any) -> dict[str, Any]:
    return {"sk": f"FILE#{file_id}", **counters}


def test_the_report_lists_current_files_only_most_significant_first() -> None:
    recently = stamp(datetime(2026, 12, 1, tzinfo=UTC))
    long_ago = stamp(datetime(2026, 8, 1, tzinfo=UTC))
    verified = {"verifiedAt": "2026-11-01T00:00:00Z", "reviewBy": "2027-01-31"}
    stale = {"verifiedAt": "2026-01-01T00:00:00Z", "reviewBy": "2026-11-30"}
    records = [
        record("stale-a", "a.md", **stale),
        record("stale-b", "b.md", **stale),
        record("stale-uncited", "c.md", **stale),
        record("old-news", "old.md", verifiedAt="2025-01-01T00:00:00Z", reviewBy="2025-06-30"),
        record("fresh", "fresh.md", **verified),
        record("plain", "plain.md"),
        record("plain-2", "plain2.md"),
        record("gone", "gone.md", supersededBy="plain"),
        record("failed", "failed.md", status="failed"),
        record("deleting", "deleting.md", retiring=True),
    ]
    signals = [
        signal("stale-a", citations=9, staleCitations=2, lastCitedAt=recently,
               lastStaleCitedAt=recently),
        signal("stale-b", citations=3, staleCitations=5, lastCitedAt=recently,
               lastStaleCitedAt=recently, thumbsDown=1),
        # Cited while stale long ago, under an earlier expiry: not "still" cited.
        signal("old-news", citations=4, staleCitations=4, lastCitedAt=long_ago,
               lastStaleCitedAt=long_ago),
        signal("fresh", citations=50, lastCitedAt=recently, thumbsDown=4),
        signal("plain", citations=7, lastCitedAt=recently, thumbsDown=0),
        signal("plain-2", citations=8, lastCitedAt=long_ago),
        signal("gone", citations=99, lastCitedAt=recently, thumbsDown=7),
    ]  # fmt: skip
    report = content_health(records, signals, [], NOW)
    assert [(f.file_id, f.citations, f.review_by) for f in report.stale_cited] == [
        ("stale-b", 5, "2026-11-30"),
        ("stale-a", 2, "2026-11-30"),
    ]
    assert [(f.file_id, f.citations) for f in report.unverified_most_cited] == [
        ("plain-2", 8),
        ("plain", 7),
    ]
    assert {f.file_id for f in report.never_cited} == {"stale-uncited", "old-news", "plain-2"}
    assert [(f.file_id, f.thumbs_down) for f in report.most_thumbs_down] == [
        ("fresh", 4),
        ("stale-b", 1),
    ]
    assert report.generated_at == stamp(NOW)


def test_lists_are_bounded() -> None:
    records = [record(f"f{n:03d}", f"{n}.md") for n in range(LIST_LIMIT + 5)]
    report = content_health(records, [], [], NOW)
    assert len(report.never_cited) == LIST_LIMIT
