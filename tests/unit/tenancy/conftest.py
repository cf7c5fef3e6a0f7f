"""Fixtures shared by the tenancy unit tests. RSA key generation is slow, so keys and the
token factory live for the whole session; verifiers and caches are fresh for every test."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.tokens import AUTH, TokenFactory, new_rsa_key
from tests.unit.tenancy.helpers import FakeJwksSource


@pytest.fixture(scope="session")
def factory() -> TokenFactory:
    return TokenFactory()


@pytest.fixture(scope="session")
def other_key() -> rsa.RSAPrivateKey:
    """An RSA key the user pool never published (an attacker's)."""
    return new_rsa_key()


@pytest.fixture
def jwks_source(factory: TokenFactory) -> FakeJwksSource:
    return FakeJwksSource(factory.jwks)


@pytest.fixture
def verifier(jwks_source: FakeJwksSource) -> CognitoTokenVerifier:
    return CognitoTokenVerifier(AUTH, JwksCache(AUTH.jwks_url, fetcher=jwks_source))
