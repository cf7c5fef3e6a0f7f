"""Hand-made tokens and fakes for the tenancy tests.

PyJWT refuses to mint some of the tokens an attacker would send (`alg: none` with a kid, HS256
keyed with an RSA public key), so these are assembled byte by byte here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

T = TypeVar("T")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_json(value: object) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def unsigned_token(header: dict[str, Any], claims: dict[str, Any]) -> str:
    """`header.payload.` - a JWS with an empty signature, as `alg: none` tokens are sent."""
    return f"{b64url_json(header)}.{b64url_json(claims)}."


def hmac_token(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """A JWS whose signature is HMAC-SHA256 over the signing input with `secret`."""
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def rs256_token(header: dict[str, Any], claims: dict[str, Any], key: rsa.RSAPrivateKey) -> str:
    """A correctly RS256-signed JWS with exactly `header` (PyJWT validates headers it encodes)."""
    signing_input = f"{b64url_json(header)}.{b64url_json(claims)}"
    signature = key.sign(signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64url(signature)}"


def public_pem(key: rsa.RSAPrivateKey, fmt: serialization.PublicFormat) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, fmt)


def run(fn: Callable[[], Awaitable[T]]) -> T:
    """Run one coroutine function on a fresh event loop (the library is anyio-based)."""
    return anyio.run(fn)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeJwksSource:
    """A JWKS fetcher that records each call (URL and thread) and can be told to fail."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.error: Exception | None = None
        self.urls: list[str] = []
        self.threads: list[int] = []
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        return len(self.urls)

    def __call__(self, url: str) -> dict[str, Any]:
        with self._lock:
            self.urls.append(url)
            self.threads.append(threading.get_ident())
        if self.error is not None:
            raise self.error
        return self.document
