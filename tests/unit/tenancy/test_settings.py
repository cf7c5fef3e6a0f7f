"""ServiceSettings.from_env and the local-mode trust rules: moto signs every token with a
published key, so its JWKS (and the AWS endpoint) may be trusted only in explicit local mode,
and only on loopback addresses."""

from __future__ import annotations

import pytest

from engageiq_tenancy.resources import BUCKETS, TABLES, EnvVars
from engageiq_tenancy.settings import ServiceSettings, SettingsError, is_loopback_url

POOL_ID = "us-east-1_0123456789abcdef0123456789abcdef"
LOCAL_JWKS = f"http://127.0.0.1:5000/{POOL_ID}/.well-known/jwks.json"
LOCAL_AWS = "http://127.0.0.1:5000"

COMMON: dict[str, str] = {
    EnvVars.REGION: "us-east-1",
    EnvVars.USER_POOL_ID: POOL_ID,
    EnvVars.USER_POOL_CLIENT_ID: "webclient0123456789",
    **{t.env_var: f"engageiq-local-{t.logical_name}" for t in TABLES},
    **{b.env_var: f"engageiq-local-{b.logical_name}" for b in BUCKETS},
}
REQUIRED = [
    EnvVars.REGION,
    EnvVars.USER_POOL_ID,
    EnvVars.USER_POOL_CLIENT_ID,
    *(t.env_var for t in TABLES),
    *(b.env_var for b in BUCKETS),
]


def local_env(**overrides: str | None) -> dict[str, str]:
    env = {
        **COMMON,
        EnvVars.ENV: "local",
        EnvVars.LOCAL_JWKS_URL: LOCAL_JWKS,
        EnvVars.AWS_ENDPOINT_URL: LOCAL_AWS,
    }
    return _apply(env, overrides)


ORIGIN_SECRET = "s" * 48


def cloud_env(env_name: str = "prod", **overrides: str | None) -> dict[str, str]:
    return _apply(
        {**COMMON, EnvVars.ENV: env_name, EnvVars.ORIGIN_SECRET: ORIGIN_SECRET}, overrides
    )


def _apply(env: dict[str, str], overrides: dict[str, str | None]) -> dict[str, str]:
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def refusal(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        ServiceSettings.from_env(environ)
    return str(caught.value)


# --- local mode ---------------------------------------------------------------------------


def test_local_mode_with_loopback_jwks_and_endpoint_is_accepted() -> None:
    settings = ServiceSettings.from_env(local_env())

    assert settings.is_local
    assert settings.auth.jwks_url == LOCAL_JWKS
    assert settings.aws_endpoint_url == LOCAL_AWS
    assert settings.tables == {t.logical_name: f"engageiq-local-{t.logical_name}" for t in TABLES}
    assert settings.buckets == {b.logical_name: f"engageiq-local-{b.logical_name}" for b in BUCKETS}


@pytest.mark.parametrize(
    "url",
    [
        f"http://localhost:5000/{POOL_ID}/.well-known/jwks.json",
        "http://[::1]:5000/jwks.json",
        "http://127.0.0.2/jwks.json",
    ],
)
def test_local_mode_accepts_any_loopback_jwks_host(url: str) -> None:
    assert ServiceSettings.from_env(local_env(ENGAGEIQ_LOCAL_JWKS_URL=url)).auth.jwks_url == url


def test_local_mode_requires_a_local_jwks_url() -> None:
    assert EnvVars.LOCAL_JWKS_URL in refusal(local_env(ENGAGEIQ_LOCAL_JWKS_URL=None))


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5/jwks.json",
        "http://192.168.1.20:5000/jwks.json",
        "https://cognito-idp.us-east-1.amazonaws.com/x/.well-known/jwks.json",
        "http://localhost.attacker.example/jwks.json",
        "http://127.0.0.1.nip.io/jwks.json",
        "http://127.0.0.1@attacker.example/jwks.json",
        "http://0.0.0.0:5000/jwks.json",
        "http://[::ffff:10.0.0.5]/jwks.json",
        "/relative/jwks.json",
        "not a url",
    ],
)
def test_local_mode_refuses_a_jwks_url_that_is_not_loopback(url: str) -> None:
    assert "loopback" in refusal(local_env(ENGAGEIQ_LOCAL_JWKS_URL=url))


def test_local_mode_requires_an_aws_endpoint() -> None:
    assert EnvVars.AWS_ENDPOINT_URL in refusal(local_env(AWS_ENDPOINT_URL=None))


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.5:5000",
        "https://dynamodb.us-east-1.amazonaws.com",
        "http://localhost.attacker.example:5000",
    ],
)
def test_local_mode_refuses_an_aws_endpoint_that_is_not_loopback(url: str) -> None:
    message = refusal(local_env(AWS_ENDPOINT_URL=url))

    assert EnvVars.AWS_ENDPOINT_URL in message
    assert "loopback" in message


def test_without_an_env_name_the_service_defaults_to_local_rules_and_refuses_cloud_settings() -> (
    None
):
    # A cloud deployment that forgot ENGAGEIQ_ENV must not start half-trusting anything.
    assert EnvVars.LOCAL_JWKS_URL in refusal(cloud_env(ENGAGEIQ_ENV=None))


# --- cloud mode ---------------------------------------------------------------------------


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_a_local_jwks_url_is_refused_outside_local_mode(env_name: str) -> None:
    message = refusal(cloud_env(env_name, ENGAGEIQ_LOCAL_JWKS_URL=LOCAL_JWKS))

    assert EnvVars.LOCAL_JWKS_URL in message


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_an_aws_endpoint_url_is_refused_outside_local_mode(env_name: str) -> None:
    message = refusal(cloud_env(env_name, AWS_ENDPOINT_URL=LOCAL_AWS))

    assert EnvVars.AWS_ENDPOINT_URL in message


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_cloud_mode_derives_the_jwks_url_from_the_pinned_issuer(env_name: str) -> None:
    settings = ServiceSettings.from_env(cloud_env(env_name, AWS_REGION="eu-west-1"))

    assert not settings.is_local
    assert settings.auth.issuer == f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}"
    assert settings.auth.jwks_url == (
        f"https://cognito-idp.eu-west-1.amazonaws.com/{POOL_ID}/.well-known/jwks.json"
    )
    assert settings.aws_endpoint_url is None


@pytest.mark.parametrize("env_name", ["production", "LOCAL", "test", ""])
def test_an_unknown_environment_name_is_refused(env_name: str) -> None:
    assert EnvVars.ENV in refusal(cloud_env(ENGAGEIQ_ENV=env_name))


# --- required variables -------------------------------------------------------------------


@pytest.mark.parametrize("name", REQUIRED)
@pytest.mark.parametrize("mode", ["local", "cloud"])
def test_a_missing_required_variable_is_named_in_the_error(name: str, mode: str) -> None:
    environ = local_env() if mode == "local" else cloud_env()
    del environ[name]

    assert name in refusal(environ)


@pytest.mark.parametrize("name", REQUIRED)
def test_a_blank_required_variable_counts_as_missing(name: str) -> None:
    assert name in refusal(cloud_env(**{name: "   "}))


def test_the_log_level_defaults_to_info_and_is_normalised() -> None:
    assert ServiceSettings.from_env(cloud_env()).log_level == "INFO"
    assert ServiceSettings.from_env(cloud_env(ENGAGEIQ_LOG_LEVEL="debug")).log_level == "DEBUG"


@pytest.mark.parametrize("value", ["abc", "10s", "ten"])
def test_a_non_numeric_tenant_status_cache_time_is_a_settings_error_naming_the_variable(
    value: str,
) -> None:
    assert EnvVars.TENANT_STATUS_CACHE_SECONDS in refusal(
        cloud_env(ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS=value)
    )


@pytest.mark.parametrize("value", ["inf", "Infinity", "1e309"])
def test_a_tenant_status_cache_time_that_would_never_expire_is_refused(value: str) -> None:
    # With an infinite cache time a suspended tenant would keep working until a restart.
    assert EnvVars.TENANT_STATUS_CACHE_SECONDS in refusal(
        cloud_env(ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS=value)
    )


def test_a_finite_tenant_status_cache_time_is_read() -> None:
    settings = ServiceSettings.from_env(cloud_env(ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS="2.5"))

    assert settings.tenant_status_cache_seconds == 2.5


# --- is_loopback_url ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:5000/x", True),
        ("http://localhost/x", True),
        ("http://[::1]/x", True),
        ("http://10.0.0.5/x", False),
        ("http://localhost.attacker.example/x", False),
        ("http://127.0.0.1.attacker.example/x", False),
        ("http://attacker.example#@127.0.0.1/", False),
        ("http://127.0.0.1:80@attacker.example/", False),
        ("", False),
    ],
)
def test_is_loopback_url(url: str, expected: bool) -> None:
    assert is_loopback_url(url) is expected


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_cloud_services_need_the_origin_secret(secret: str | None) -> None:
    assert EnvVars.ORIGIN_SECRET in refusal(cloud_env(ENGAGEIQ_ORIGIN_SECRET=secret))


def test_local_services_need_no_origin_secret() -> None:
    assert ServiceSettings.from_env(local_env()).origin_secret is None
