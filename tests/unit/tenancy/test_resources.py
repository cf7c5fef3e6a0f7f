"""The resource spec is the one owner of names: they must be unique, per environment, and
consistent with the key schemas and edge routes the rest of the platform derives from it."""

from __future__ import annotations

import dataclasses
from itertools import combinations

import pytest

from engageiq_tenancy.resources import (
    BUCKETS,
    CLOUD_ENVIRONMENTS,
    EDGE_ROUTES,
    ENVIRONMENTS,
    OUTPUT_KEYS,
    SERVICES,
    TABLES,
    TENANT_OBJECT_PREFIX,
    UPLOADS,
    USER_POOL,
    Environment,
    EnvVars,
    TableSpec,
    route_for,
)
from engageiq_tenancy.tenant_ids import KEY_DELIMITER


def _env_var_constants() -> list[str]:
    return [value for name, value in vars(EnvVars).items() if name.isupper()]


def test_table_logical_names_are_unique() -> None:
    names = [t.logical_name for t in TABLES]

    assert len(names) == len(set(names))


def test_bucket_logical_names_are_unique() -> None:
    names = [b.logical_name for b in BUCKETS]

    assert len(names) == len(set(names))


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.logical_name)
def test_a_tables_key_attributes_include_its_own_and_its_index_keys(table: TableSpec) -> None:
    expected = {table.partition_key, table.sort_key}
    for index in table.indexes:
        expected |= {index.partition_key, index.sort_key}

    assert set(table.key_attributes) == expected
    assert len(table.key_attributes) == len(set(table.key_attributes))


def test_index_names_are_unique_within_each_table() -> None:
    for table in TABLES:
        names = [index.name for index in table.indexes]
        assert len(names) == len(set(names)), table.logical_name


def test_the_ttl_attribute_is_never_a_key_attribute() -> None:
    for table in TABLES:
        assert table.ttl_attribute not in table.key_attributes, table.logical_name


def physical_names(env: Environment) -> list[str]:
    return [t.physical_name(env) for t in TABLES] + [b.physical_name(env) for b in BUCKETS]


@pytest.mark.parametrize(("env_a", "env_b"), list(combinations(ENVIRONMENTS, 2)))
def test_physical_names_are_distinct_per_environment(
    env_a: Environment, env_b: Environment
) -> None:
    assert not set(physical_names(env_a)) & set(physical_names(env_b))


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_physical_names_name_their_environment_and_are_unique_within_it(env: Environment) -> None:
    names = physical_names(env)

    assert len(names) == len(set(names))
    assert all(name.startswith(f"engageiq-{env}-") for name in names)


def test_a_bucket_suffix_keeps_cloud_bucket_names_apart() -> None:
    assert UPLOADS.physical_name("prod", "123456789012") == "engageiq-prod-uploads-123456789012"
    assert UPLOADS.physical_name("prod") != UPLOADS.physical_name("prod", "123456789012")


def test_every_environment_variable_name_is_unique() -> None:
    names = [t.env_var for t in TABLES] + [b.env_var for b in BUCKETS] + _env_var_constants()

    assert len(names) == len(set(names))


def test_every_output_key_is_unique() -> None:
    scalar_keys = [
        value
        for f in dataclasses.fields(OUTPUT_KEYS)
        if isinstance(value := getattr(OUTPUT_KEYS, f.name), str)
    ]
    keys = scalar_keys + list(OUTPUT_KEYS.tables.values()) + list(OUTPUT_KEYS.buckets.values())

    assert len(keys) == len(set(keys))
    assert set(OUTPUT_KEYS.tables) == {t.logical_name for t in TABLES}
    assert set(OUTPUT_KEYS.buckets) == {b.logical_name for b in BUCKETS}


def test_only_the_uploads_bucket_holds_tenant_data_under_the_tenant_prefix() -> None:
    assert {b.logical_name: b.tenant_prefix for b in BUCKETS} == {
        "uploads": TENANT_OBJECT_PREFIX,
        "web": None,
    }
    assert TENANT_OBJECT_PREFIX.endswith("/")


def test_the_web_client_cannot_write_the_tenant_attribute() -> None:
    writable = set(USER_POOL.client_write_attributes)

    assert USER_POOL.tenant_attribute not in writable
    assert USER_POOL.tenant_claim not in writable
    assert USER_POOL.tenant_claim == "custom:tenant_id"


def test_the_tenant_delimiter_is_the_one_the_iam_leading_keys_condition_uses() -> None:
    assert KEY_DELIMITER == "#"


# --- edge routes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/files", "files"),
        ("/api/files/", "files"),
        ("/api/files/abc123", "files"),
        ("/api/files/abc123/download", "files"),
        ("/api/upload-file", "files"),
        ("/api/upload-file/part/2", "files"),
        ("/api/chat", "chat"),
        ("/api/chat/docs/openapi.json", "chat"),
        ("/api/me", "chat"),
        ("/api/conversations", "chat"),
        ("/api/conversations/x", "chat"),
        ("/api/conversations/x/messages", "chat"),
    ],
)
def test_api_paths_are_routed_to_their_service(path: str, service: str) -> None:
    assert route_for(path) == service


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/index.html",
        "/config.json",
        "/assets/app.js",
        "/health",
        "/api",
        "/apix/me",
        "/files/x",
        "/API/me",
        "",
    ],
)
def test_paths_outside_the_api_are_routed_to_no_service(path: str) -> None:
    assert route_for(path) is None


def test_every_edge_route_names_a_known_service_and_every_service_has_a_route() -> None:
    assert {route.service for route in EDGE_ROUTES} == set(SERVICES)


def test_the_catch_all_api_route_comes_last() -> None:
    # First match wins (CloudFront's behaviour order), so the most general pattern is last.
    assert EDGE_ROUTES[-1].path_pattern == "/api/*"
    assert all(route.path_pattern != "/api/*" for route in EDGE_ROUTES[:-1])


def test_cloud_environments_are_the_environments_other_than_local() -> None:
    assert set(CLOUD_ENVIRONMENTS) == set(ENVIRONMENTS) - {"local"}
