"""Cognito ID token verification.

The checks, in order (after aws-jwt-verify's list):
1. a compact JWS with a header naming `kid` and `alg` = RS256 (nothing else is accepted);
2. the key is in the pool's JWKS, is RSA, and its own `alg`/`use` (when present) are RS256/sig
   (keys that are not are never loaded);
3. the RS256 signature verifies;
4. `exp`, `iat`, `iss`, `sub`, `token_use` are present; `exp` is in the future, `nbf` (if any)
   is not, `iss` is exactly the one pool's issuer;
5. `token_use` is `id` - see docs/decisions/0003-id-tokens-carry-the-tenant.md;
6. `aud` is the web app's client id;
7. `custom:tenant_id` is present and is a valid tenant id.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import time
import urllib.error
import urllib.request
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

import anyio
import jwt
from jwt import PyJWK

from engageiq_tenancy.context import TenantContext, roles_from_groups
from engageiq_tenancy.error_codes import ErrorCode, Errors
from engageiq_tenancy.resources import USER_POOL
from engageiq_tenancy.settings import AuthSettings
from engageiq_tenancy.sso import has_federated_identity
from engageiq_tenancy.tenant_ids import OBJECT_ID_PATTERN, USER_ID_PATTERN, is_valid_tenant_id

ALGORITHM: Final = "RS256"
EXPECTED_TOKEN_USE: Final = "id"  # noqa: S105 - a claim value
LEEWAY_SECONDS: Final = 5  # clock skew between Cognito and us
# A Cognito JOSE header is about 60 characters; anything near this is not one of ours.
MAX_HEADER_CHARS: Final = 1024


class TokenError(Exception):
    """A token was refused: `error` is its table entry, `detail` fills its sentence, and
    `code` and `message` are what clients see."""

    def __init__(self, error: ErrorCode, **detail: str) -> None:
        self.error = error
        self.detail = detail
        self.code = error.code
        self.message = error.sentence(**detail)
        super().__init__(self.message)


def _invalid(reason: str) -> TokenError:
    return TokenError(Errors.INVALID_TOKEN, reason=reason)


JwksFetcher = Callable[[str], dict[str, Any]]


JWKS_FETCH_ATTEMPTS: Final = 3
"""Attempts per JWKS fetch: a dropped connection or a 5xx from the key endpoint is retried
at once (0.1 s, then 0.2 s apart) rather than refusing every sign-in for a window."""
FIRST_FETCH_RETRY_SECONDS: Final = 5.0
"""While no key was ever loaded, a failed fetch is tried again after this (the Retry-After
the 503 `auth_unavailable` gives), not after the whole refetch window."""


def _transient(exc: Exception) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500 or exc.code == 429
    return isinstance(exc, OSError | http.client.HTTPException)


def fetch_jwks(url: str) -> dict[str, Any]:
    """Blocking fetch of a JWKS document, with `JWKS_FETCH_ATTEMPTS` attempts on transient
    failures; JwksCache runs it in a worker thread."""
    if not url.startswith(("https://", "http://")):
        raise ValueError("JWKS URL must be http(s)")
    for attempt in range(JWKS_FETCH_ATTEMPTS):
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - checked above
                document = json.load(response)
            break
        except Exception as exc:
            if attempt == JWKS_FETCH_ATTEMPTS - 1 or not _transient(exc):
                raise
            time.sleep(0.1 * 2**attempt)
    if not isinstance(document, dict):
        raise ValueError("JWKS is not a JSON object")
    return document


class JwksCache:
    """The pool's signing keys, refreshed at most every `min_refetch_seconds`.

    An unknown `kid` triggers a refetch (Cognito rotates keys), but never more often than the
    penalty box allows: a flood of forged tokens with random kids costs one fetch, not many.
    """

    def __init__(
        self,
        url: str,
        *,
        fetcher: JwksFetcher = fetch_jwks,
        max_age_seconds: float = 3600.0,
        min_refetch_seconds: float = 30.0,
        first_retry_seconds: float = FIRST_FETCH_RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._url = url
        self._fetcher = fetcher
        self._max_age = max_age_seconds
        self._min_refetch = min_refetch_seconds
        self._first_retry = first_retry_seconds
        self._clock = clock
        self._keys: dict[str, PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = anyio.Lock()
        self.fetch_count = 0

    async def key(self, kid: str) -> PyJWK:
        if self._is_fresh() and kid in self._keys:
            return self._keys[kid]
        async with self._lock:
            # Another request may have refreshed the keys while we waited for the lock.
            if (kid not in self._keys or not self._is_fresh()) and self._may_refetch():
                await self._refresh()
        if kid in self._keys:
            return self._keys[kid]
        if self._fetched_at is None:
            raise TokenError(Errors.AUTH_UNAVAILABLE)
        raise _invalid("The token was signed with a key this service does not know.")

    def _is_fresh(self) -> bool:
        return self._fetched_at is not None and self._clock() - self._fetched_at < self._max_age

    def _may_refetch(self) -> bool:
        # Failed attempts count too: during an outage, one fetch per window, not one per request.
        # Without any key every sign-in is refused, so that window is shorter.
        window = self._min_refetch if self._keys else min(self._min_refetch, self._first_retry)
        return self._attempted_at is None or self._clock() - self._attempted_at >= window

    async def _refresh(self) -> None:
        # urllib blocks; keep it off the event loop so open streams keep flowing.
        self._attempted_at = self._clock()
        try:
            document = await anyio.to_thread.run_sync(self._fetcher, self._url)
            keys = _signing_keys(document)
        except Exception as exc:
            if self._keys:
                # Keep serving with the keys we have; Cognito keys rotate rarely.
                self._fetched_at = self._clock()
                return
            raise TokenError(Errors.AUTH_UNAVAILABLE) from exc
        self.fetch_count += 1
        self._fetched_at = self._clock()
        self._keys = keys


def _signing_keys(document: dict[str, Any]) -> dict[str, PyJWK]:
    """The RS256 signing keys of a JWKS, by kid. A key whose own `alg` or `use` says it is
    for something else is left out, so it can never verify a token."""
    raw_keys = document.get("keys")
    if not isinstance(raw_keys, list):
        raise ValueError("JWKS has no 'keys' list")
    keys: dict[str, PyJWK] = {}
    for raw in raw_keys:
        if not isinstance(raw, dict) or not isinstance(raw.get("kid"), str):
            continue
        if raw.get("kty") != "RSA" or raw.get("alg", ALGORITHM) != ALGORITHM:
            continue
        if raw.get("use", "sig") != "sig":
            continue
        keys[raw["kid"]] = PyJWK(raw, algorithm=ALGORITHM)
    return keys


def _unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header only. jwt.get_unverified_header would decode (and character-check) the
    whole token, which jwt.decode then does again; this keeps verification to one full pass."""
    segment = token.split(".", 1)[0]
    if len(segment) > MAX_HEADER_CHARS:
        raise _invalid("The token is not a well-formed JWT.")
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (binascii.Error, ValueError, RecursionError):
        # RecursionError: a deeply nested JSON header, which is malformed for a JOSE header.
        raise _invalid("The token is not a well-formed JWT.") from None
    if not isinstance(header, dict):
        raise _invalid("The token is not a well-formed JWT.")
    return header


def _session_of(claims: dict[str, Any]) -> str:
    """The sign-in a token comes from (`TenantContext.session`): Cognito's `origin_jti`, the
    same for every token refreshed from one sign-in, else `auth_time` (moto's tokens, which
    have no `origin_jti`); "" when neither is usable."""
    origin = claims.get("origin_jti")
    if isinstance(origin, str) and OBJECT_ID_PATTERN.fullmatch(origin):
        return origin
    auth_time = claims.get("auth_time")
    if isinstance(auth_time, int) and not isinstance(auth_time, bool) and auth_time > 0:
        return str(auth_time)
    return ""


class VerifiedTokenCache:
    """Tokens already verified, so a browser's repeated requests with the same token skip RS256.

    Keyed by the exact token bytes; an entry is served only until the token's own `exp`, so a
    hit is never more permissive than verifying again. Bounded (LRU) so forged tokens cannot
    grow it: only tokens that verified are ever added."""

    def __init__(self, max_entries: int = 10_000, clock: Callable[[], float] = time.time) -> None:
        self._entries: OrderedDict[str, tuple[float, TenantContext]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock

    def get(self, token: str) -> TenantContext | None:
        entry = self._entries.get(token)
        if entry is None:
            return None
        expires_at, tenant = entry
        if self._clock() >= expires_at:
            del self._entries[token]
            return None
        self._entries.move_to_end(token)
        return tenant

    def put(self, token: str, expires_at: float, tenant: TenantContext) -> None:
        self._entries[token] = (expires_at, tenant)
        self._entries.move_to_end(token)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)


class CognitoTokenVerifier:
    """Turns a bearer token into a TenantContext, or raises TokenError."""

    def __init__(
        self,
        settings: AuthSettings,
        jwks: JwksCache | None = None,
        cache: VerifiedTokenCache | None = None,
    ) -> None:
        self._settings = settings
        self._issuer = settings.issuer
        self._jwks = jwks or JwksCache(settings.jwks_url)
        self._cache = cache if cache is not None else VerifiedTokenCache()

    async def verify(self, token: str) -> TenantContext:
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        tenant, expires_at = await self._verify(token)
        self._cache.put(token, expires_at, tenant)
        return tenant

    async def _verify(self, token: str) -> tuple[TenantContext, float]:
        header = _unverified_header(token)
        if header.get("alg") != ALGORITHM:
            raise _invalid("The token's signing algorithm is not accepted.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise _invalid("The token does not name its signing key.")
        key = await self._jwks.key(kid)
        claims = self._decode(token, key)
        # No leeway on the cached copy's lifetime: a hit is never valid past `exp` itself.
        return self._context(claims), float(claims["exp"])

    def _decode(self, token: str, key: PyJWK) -> dict[str, Any]:
        try:
            return jwt.decode(
                token,
                key=key.key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                leeway=LEEWAY_SECONDS,
                options={
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                    # Checked below, after token_use, so an access token gets the right message.
                    "verify_aud": False,
                },
            )
        except jwt.ExpiredSignatureError:
            raise TokenError(Errors.TOKEN_EXPIRED) from None
        except jwt.ImmatureSignatureError:
            raise _invalid("The token is not valid yet.") from None
        except jwt.InvalidIssuerError:
            raise _invalid("The token was issued by another user pool.") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _invalid(f"The token has no '{exc.claim}' claim.") from None
        except jwt.InvalidSignatureError:
            raise _invalid("The token's signature does not verify.") from None
        except jwt.InvalidTokenError:
            raise _invalid("The token could not be verified.") from None

    def _context(self, claims: dict[str, Any]) -> TenantContext:
        if claims.get("token_use") != EXPECTED_TOKEN_USE:
            raise _invalid("An ID token is required; this is a different kind of token.")
        if claims.get("aud") != self._settings.client_id:
            raise _invalid("The token was issued to a different application.")
        tenant_id = claims.get(USER_POOL.tenant_claim)
        if tenant_id is None:
            raise _invalid("The token does not name a tenant.")
        if not is_valid_tenant_id(tenant_id):
            raise _invalid("The token names a tenant id that is not valid.")
        user_id = claims["sub"]
        if not isinstance(user_id, str) or USER_ID_PATTERN.fullmatch(user_id) is None:
            raise _invalid("The token's subject is not valid.")
        # With email as the username attribute, cognito:username is an opaque id; show the email.
        username = claims.get("email") or claims.get("cognito:username") or user_id
        return TenantContext(
            tenant_id=tenant_id,
            user_id=user_id,
            username=str(username),
            roles=roles_from_groups(tenant_id, claims.get("cognito:groups")),
            issued_at=int(claims["iat"]),
            federated=has_federated_identity(claims),
            session=_session_of(claims),
        )
