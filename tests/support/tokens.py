"""Tokens shaped exactly like Cognito's ID tokens, signed with keys the tests control."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from engageiq_tenancy.settings import AuthSettings

AUTH = AuthSettings(
    region="us-east-1",
    user_pool_id="us-east-1_0123456789abcdef0123456789abcdef",
    client_id="webclient0123456789",
)


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "alg": "RS256", "use": "sig", **extra}


@dataclass
class TokenFactory:
    """Mints ID tokens for one user pool; `claims` overrides (None removes a claim)."""

    auth: AuthSettings = AUTH
    key: rsa.RSAPrivateKey = field(default_factory=new_rsa_key)
    kid: str = "test-key-1"

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.key, self.kid)]}

    def claims(self, tenant_id: str = "acme", **overrides: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(uuid.uuid4()),
            "iss": self.auth.issuer,
            "aud": self.auth.client_id,
            "token_use": "id",
            "iat": now,
            "auth_time": now,
            "exp": now + 3600,
            "cognito:username": f"user-of-{tenant_id}",
            "custom:tenant_id": tenant_id,
            "cognito:groups": [f"{tenant_id}--member"],
        }
        for name, value in overrides.items():
            name = name.replace("__", ":").replace("_colon_", ":")
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def mint(
        self,
        claims: dict[str, Any] | None = None,
        *,
        key: Any = None,
        kid: str | None = None,
        algorithm: str = "RS256",
        headers: dict[str, Any] | None = None,
    ) -> str:
        return jwt.encode(
            claims if claims is not None else self.claims(),
            key if key is not None else self.key,
            algorithm=algorithm,
            headers={"kid": kid or self.kid, **(headers or {})},
        )
