"""The audience rule and freshness (decision 0111), the one place both services read them."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.governance import (
    Audience,
    CollectionRecord,
    FileFacts,
    Freshness,
    KnowledgeView,
    freshness,
    parse_review_by,
)

USERS = ("u1", "u2", "u3")


def caller(user: str, *roles: Role) -> TenantContext:
    return TenantContext("acme", user, user, frozenset(roles or (Role.MEMBER,)))


def view(
    collections: dict[str, Audience | None], files: dict[str, tuple[str, ...]]
) -> KnowledgeView:
    return KnowledgeView(
        {cid: CollectionRecord(id=cid, name=cid, audience=a) for cid, a in collections.items()},
        {fid: FileFacts(id=fid, collection_ids=cids) for fid, cids in files.items()},
    )


def test_a_file_in_no_collection_or_only_open_ones_is_seen_by_everyone() -> None:
    v = view({"open": None}, {"f1": (), "f2": ("open",)})
    assert v.may_see_file(caller("u1"), "f1")
    assert v.may_see_file(caller("u1"), "f2")
    assert v.may_see_file(caller("u1"), "never-governed")
    assert v.hidden_files(caller("u1")) == frozenset()


def test_every_restricted_collection_must_admit_the_caller() -> None:
    v = view(
        {"legal": Audience(users=("u1",)), "emea": Audience(users=("u1", "u2")), "open": None},
        {"f": ("legal", "emea", "open")},
    )
    assert v.may_see_file(caller("u1"), "f")
    assert not v.may_see_file(caller("u2"), "f")  # admitted by emea, not by legal
    assert v.hidden_files(caller("u2")) == frozenset({"f"})
    assert v.hidden_files(caller("u3")) == frozenset({"f"})


def test_roles_admit_and_admins_see_everything() -> None:
    v = view(
        {"admins": Audience(roles=(Role.TENANT_ADMIN,)), "users": Audience(users=("u9",))},
        {"f": ("admins",), "g": ("users",)},
    )
    assert not v.may_see_file(caller("u1"), "f")
    admin = caller("u1", Role.MEMBER, Role.TENANT_ADMIN)
    assert v.may_see_file(admin, "f")
    assert v.may_see_file(admin, "g")
    assert v.hidden_files(admin) == frozenset()
    assert [c.id for c in v.visible_collections(caller("u1"))] == []


def test_a_deleted_collection_restricts_nothing() -> None:
    v = view({}, {"f": ("gone",)})
    assert v.may_see_file(caller("u1"), "f")


@given(
    audiences=st.dictionaries(
        st.sampled_from(("c1", "c2", "c3")),
        st.none() | st.builds(Audience, users=st.lists(st.sampled_from(USERS)).map(tuple)),
    ),
    memberships=st.dictionaries(
        st.sampled_from(("f1", "f2", "f3", "f4")),
        st.lists(st.sampled_from(("c1", "c2", "c3", "gone"))).map(tuple),
    ),
    user=st.sampled_from(USERS),
)
def test_hidden_files_are_exactly_the_files_the_rule_refuses(
    audiences: dict[str, Audience | None], memberships: dict[str, tuple[str, ...]], user: str
) -> None:
    v = view(audiences, memberships)
    who = caller(user)
    assert v.hidden_files(who) == {f for f in memberships if not v.may_see_file(who, f)}
    for f, cids in memberships.items():
        expected = all(
            c not in audiences or audiences[c] is None or user in audiences[c].users  # type: ignore[union-attr]
            for c in cids
        )
        assert v.may_see_file(who, f) == expected


def test_freshness_turns_stale_after_the_review_day() -> None:
    assert freshness(None, None) is Freshness.UNVERIFIED
    assert freshness("2026-12-01T00:00:00Z", "2026-12-06", date(2026, 12, 6)) is Freshness.VERIFIED
    assert freshness("2026-12-01T00:00:00Z", "2026-12-06", date(2026, 12, 7)) is Freshness.STALE
    assert freshness("2026-12-01T00:00:00Z", None, date(2030, 1, 1)) is Freshness.VERIFIED


@pytest.mark.parametrize(
    "bad", ["2026-02-30", "2026-13-01", "27-03-01", "2027-3-1", "", "2027-03-01T00:00"]
)
def test_review_dates_must_be_real_days(bad: str) -> None:
    with pytest.raises(ValueError, match=r"YYYY-MM-DD|day|month|date"):
        parse_review_by(bad)


def test_a_past_review_date_is_allowed() -> None:
    assert parse_review_by("2001-01-01") == date(2001, 1, 1)


def test_a_deleted_collection_scopes_to_nothing() -> None:
    v = view({"open": None}, {"f1": ("open",), "f2": ("gone",)})
    assert v.files_in(["open", "gone"]) == frozenset({"f1"})
    assert v.files_in(["gone"]) == frozenset()
