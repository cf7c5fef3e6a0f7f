"""Key builders, as properties over all valid tenant and user ids: one tenant's DynamoDB
partitions and S3 keys never collide with, or fall under the IAM prefix of, another tenant's;
ids from requests that could escape a key are refused."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.keys import (
    InvalidIdempotencyKey,
    InvalidObjectId,
    idempotency_sort_key,
    object_id,
    s3_key,
    s3_tenant_prefix,
    sort_key,
    tenant_partition,
    user_partition,
)
from engageiq_tenancy.tenant_ids import (
    KEY_DELIMITER,
    OBJECT_ID_PATTERN,
    TENANT_ID_PATTERN,
    USER_ID_PATTERN,
    InvalidTenantId,
    is_valid_tenant_id,
    validate_tenant_id,
)

tenant_ids = st.from_regex(TENANT_ID_PATTERN, fullmatch=True).filter(is_valid_tenant_id)
user_ids = st.from_regex(USER_ID_PATTERN, fullmatch=True)
object_ids = st.from_regex(OBJECT_ID_PATTERN, fullmatch=True)
entities = st.sampled_from(["FILES", "USAGE", "USER", "CONV", "MSG"])
areas = st.sampled_from(["files", "indexes", "uploads"])
contexts = st.builds(
    TenantContext,
    tenant_id=tenant_ids,
    user_id=user_ids,
    username=st.just("someone"),
    roles=st.just(frozenset({Role.MEMBER})),
)
two_tenants = st.tuples(contexts, contexts).filter(lambda p: p[0].tenant_id != p[1].tenant_id)

CONTROL_CHARACTERS = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028"]
ESCAPING = ["/", "\\", "..", ".", KEY_DELIMITER, "%2F", " ", *CONTROL_CHARACTERS]


def partitions_of(tenant: TenantContext, entity: str) -> list[str]:
    return [tenant_partition(tenant, entity), user_partition(tenant, entity)]


@given(contexts, entities)
def test_every_partition_key_starts_with_the_callers_tenant_and_delimiter(
    tenant: TenantContext, entity: str
) -> None:
    for key in partitions_of(tenant, entity):
        assert key.startswith(f"{tenant.tenant_id}{KEY_DELIMITER}")


@given(contexts, areas, st.lists(object_ids, min_size=1, max_size=3))
def test_every_s3_key_lies_below_the_callers_tenant_prefix(
    tenant: TenantContext, area: str, ids: list[str]
) -> None:
    key = s3_key(tenant, area, *ids)

    assert key.startswith(f"tenants/{tenant.tenant_id}/")
    assert s3_tenant_prefix(tenant) == f"tenants/{tenant.tenant_id}/"
    assert ".." not in key.split("/")


@given(two_tenants, entities, entities)
def test_partition_keys_of_two_tenants_never_collide(
    pair: tuple[TenantContext, TenantContext], entity_a: str, entity_b: str
) -> None:
    a, b = pair

    assert not set(partitions_of(a, entity_a)) & set(partitions_of(b, entity_b))


@given(two_tenants, entities)
def test_no_partition_of_one_tenant_is_under_another_tenants_leading_key_prefix(
    pair: tuple[TenantContext, TenantContext], entity: str
) -> None:
    # The IAM condition is dynamodb:LeadingKeys like "<tenant>#*": a key of A matching B's
    # pattern would let B's credentials read A's data.
    a, b = pair

    for key in partitions_of(a, entity):
        assert not key.startswith(f"{b.tenant_id}{KEY_DELIMITER}")
    for key in partitions_of(b, entity):
        assert not key.startswith(f"{a.tenant_id}{KEY_DELIMITER}")


@given(two_tenants, areas, object_ids)
def test_s3_keys_of_one_tenant_are_never_under_another_tenants_prefix(
    pair: tuple[TenantContext, TenantContext], area: str, item: str
) -> None:
    a, b = pair

    assert not s3_key(a, area, item).startswith(s3_tenant_prefix(b))
    assert not s3_key(b, area, item).startswith(s3_tenant_prefix(a))
    assert not s3_tenant_prefix(a).startswith(s3_tenant_prefix(b))


@given(contexts, user_ids, user_ids, entities)
def test_user_partitions_of_two_users_of_one_tenant_differ(
    tenant: TenantContext, user_a: str, user_b: str, entity: str
) -> None:
    assume(user_a != user_b)
    a = TenantContext(tenant.tenant_id, user_a, "a", tenant.roles)
    b = TenantContext(tenant.tenant_id, user_b, "b", tenant.roles)

    assert user_partition(a, entity) != user_partition(b, entity)


@given(st.lists(object_ids, min_size=1, max_size=4), st.lists(object_ids, min_size=1, max_size=4))
def test_sort_keys_of_different_ids_differ(ids_a: list[str], ids_b: list[str]) -> None:
    assume(ids_a != ids_b)

    assert sort_key("CONV", *ids_a) != sort_key("CONV", *ids_b)


# --- ids that could escape a key ----------------------------------------------------------


@st.composite
def escaping_ids(draw: st.DrawFn) -> str:
    """Text that contains at least one character or sequence that is never part of an id."""
    head = draw(st.text(max_size=10))
    bad = draw(st.sampled_from(ESCAPING))
    tail = draw(st.text(max_size=10))
    return head + bad + tail


@given(escaping_ids())
def test_an_id_that_could_escape_a_key_is_refused(value: str) -> None:
    with pytest.raises(InvalidObjectId):
        object_id(value)


@given(contexts, escaping_ids())
def test_an_s3_key_is_never_built_from_an_escaping_id(tenant: TenantContext, value: str) -> None:
    with pytest.raises(InvalidObjectId):
        s3_key(tenant, "files", value)
    with pytest.raises(InvalidObjectId):
        s3_key(tenant, value, "abc")


@given(escaping_ids())
def test_a_sort_key_is_never_built_from_an_escaping_id(value: str) -> None:
    with pytest.raises(InvalidObjectId):
        sort_key("FILE", value)


@pytest.mark.parametrize(
    "value",
    ["", "a/b", "../etc", "..", "a#b", "a\nb", "a\x00", "\t", "a" * 65, "a.b", "a b", "é"],
)
def test_known_bad_ids_are_refused(value: str) -> None:
    with pytest.raises(InvalidObjectId):
        object_id(value)


@given(object_ids)
def test_a_valid_id_is_returned_unchanged(value: str) -> None:
    assert object_id(value) == value


# --- tenant ids ---------------------------------------------------------------------------


@given(st.text(max_size=20), st.text(max_size=20))
def test_a_tenant_id_containing_the_delimiter_is_refused(head: str, tail: str) -> None:
    value = f"{head}{KEY_DELIMITER}{tail}"

    assert not is_valid_tenant_id(value)
    with pytest.raises(InvalidTenantId):
        validate_tenant_id(value)


@given(tenant_ids, tenant_ids)
def test_a_tenant_id_with_the_delimiter_spliced_in_is_refused(a: str, b: str) -> None:
    with pytest.raises(InvalidTenantId):
        validate_tenant_id(f"{a}{KEY_DELIMITER}{b}")


@given(tenant_ids)
def test_valid_tenant_ids_are_safe_in_every_key_and_name(tenant_id: str) -> None:
    allowed = set(string.ascii_lowercase + string.digits + "-")

    assert set(tenant_id) <= allowed
    assert "--" not in tenant_id
    assert validate_tenant_id(tenant_id) == tenant_id


@pytest.mark.parametrize(
    "value", ["a#b", "acme#", "#acme", "a--b", "UPPER", "x", "", "acme/", "a" * 33, None, 7]
)
def test_a_tenant_context_cannot_be_built_for_an_invalid_tenant_id(value: object) -> None:
    with pytest.raises(InvalidTenantId):
        TenantContext(value, "user-1", "someone", frozenset())  # type: ignore[arg-type]


def test_an_idempotency_key_is_a_sort_key_of_the_callers_partition_only() -> None:
    assert idempotency_sort_key("0b6f8a3e-1d2c-4e5f-9a7b-123456789abc") == (
        "IDEM#0b6f8a3e-1d2c-4e5f-9a7b-123456789abc"
    )
    # Nothing that could reach into another key: no delimiter, no slash, no space, bounded.
    for bad in ("short", "a#bcdefghij", "a/bcdefghij", "with space in", "x" * 129, ""):
        with pytest.raises(InvalidIdempotencyKey):
            idempotency_sort_key(bad)
