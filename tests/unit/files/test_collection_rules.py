"""The checks a collection passes before it is stored: names, descriptions, audiences."""

from __future__ import annotations

import pytest

from engageiq_files.collections.rules import check_audience, clean_description, clean_name
from engageiq_files.collections.store import folded_name
from engageiq_tenancy.context import Role
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.governance import Audience


def code_of(call: object) -> str:
    with pytest.raises(ApiError) as raised:
        call()  # type: ignore[operator]
    return raised.value.code


def test_names_are_trimmed_and_compared_ignoring_case_and_spacing() -> None:
    assert clean_name("  Price \t lists ") == "Price lists"
    assert clean_name("x" * 80) == "x" * 80
    assert folded_name("PRICE  lists") == folded_name(" price LISTS") == "price lists"
    # Compatibility forms fold together (full-width letters, the ligature).
    assert folded_name("\uff30\uff52\uff49\uff43\uff45") == folded_name("price")
    assert folded_name("\ufb01les") == folded_name("FILES")


@pytest.mark.parametrize("name", ["", "   ", "\n", "x" * 81, "a\u0000b", "a\u200bb", "a\u202eb"])
def test_blank_long_or_invisible_names_are_refused(name: str) -> None:
    assert code_of(lambda: clean_name(name)) == "invalid_collection_name"


def test_descriptions_keep_line_breaks_and_are_bounded() -> None:
    assert clean_description(" One.\nTwo.\t ") == "One.\nTwo."
    assert clean_description("d" * 500) == "d" * 500
    assert code_of(lambda: clean_description("d" * 501)) == "invalid_collection_description"
    assert code_of(lambda: clean_description("a\u0007b")) == "invalid_collection_description"


def test_audiences_name_known_roles_and_tenant_users_once() -> None:
    known = {"u1", "u2"}
    audience = check_audience(["u1", "u2", "u1"], ["member", "member"], known.__contains__)
    assert audience == Audience(users=("u1", "u2"), roles=(Role.MEMBER,))
    assert check_audience([], ["tenant_admin"], known.__contains__).roles == (Role.TENANT_ADMIN,)


@pytest.mark.parametrize(
    ("users", "roles"),
    [
        ([], []),
        ([], ["admin"]),
        ([], ["MEMBER"]),
        (["u3"], []),
        (["u1"] * 1 + [f"x{i}" for i in range(200)], []),
    ],
)
def test_bad_audiences_are_refused(users: list[str], roles: list[str]) -> None:
    known = {"u1", "u2", *(f"x{i}" for i in range(200))}
    assert code_of(lambda: check_audience(users, roles, known.__contains__)) == "invalid_audience"
