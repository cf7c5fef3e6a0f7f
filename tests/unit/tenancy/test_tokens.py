"""CognitoTokenVerifier against every "Tokens" line of the security checklist.

Each refusal is a TokenError with a stable code: "token_expired" for an expired token,
"invalid_token" for everything else a client sent."""

from __future__ import annotations

import time
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import assume, given
from hypothesis import strategies as st
from jwt import PyJWK

from engageiq_tenancy.context import Role, TenantContext, group_name, roles_from_groups
from engageiq_tenancy.tenant_ids import TENANT_ID_PATTERN, InvalidTenantId, is_valid_tenant_id
from engageiq_tenancy.tokens import (
    CognitoTokenVerifier,
    JwksCache,
    TokenError,
    VerifiedTokenCache,
)
from tests.support.tokens import AUTH, TokenFactory, public_jwk
from tests.unit.tenancy.helpers import (
    FakeClock,
    FakeJwksSource,
    b64url,
    b64url_json,
    hmac_token,
    rs256_token,
    run,
    unsigned_token,
)

OTHER_POOL_ID = "us-east-1_ffffffffffffffffffffffffffffffff"


def verify(verifier: CognitoTokenVerifier, token: str) -> TenantContext:
    async def go() -> TenantContext:
        return await verifier.verify(token)

    return run(go)


def refusal(verifier: CognitoTokenVerifier, token: str) -> TokenError:
    with pytest.raises(TokenError) as caught:
        verify(verifier, token)
    return caught.value


# --- the valid case -----------------------------------------------------------------------


def test_a_valid_id_token_yields_the_callers_tenant_context(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    claims = factory.claims("acme")

    context = verify(verifier, factory.mint(claims))

    assert context == TenantContext(
        tenant_id="acme",
        user_id=claims["sub"],
        username="user-of-acme",
        roles=frozenset({Role.MEMBER}),
        issued_at=claims["iat"],
        session=str(claims["auth_time"]),
    )


def test_a_sign_in_is_named_by_origin_jti_kept_through_refreshes(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    # Cognito keeps `origin_jti` through refreshes (moto's tokens only have `auth_time`).
    origin = "0b6c4f5e-9d1a-4e2b-8c3d-7f6a5b4c3d2e"
    first = verify(verifier, factory.mint(factory.claims("acme", origin_jti=origin)))
    refreshed = factory.claims(
        "acme", sub=first.user_id, origin_jti=origin, iat=first.issued_at + 1
    )

    assert first.session == origin
    assert verify(verifier, factory.mint(refreshed)).session == origin
    assert verify(verifier, factory.mint(factory.claims("acme", auth_time=None))).session == ""


def test_a_tenant_admin_group_grants_admin_and_member(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    token = factory.mint(factory.claims("acme", cognito__groups=["acme--tenant_admin"]))

    assert verify(verifier, token).roles == {Role.TENANT_ADMIN, Role.MEMBER}


def test_a_token_within_the_clock_skew_leeway_is_accepted(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    # exp two seconds ago: inside the 5 s leeway for clock skew between Cognito and us.
    now = int(time.time())
    token = factory.mint(factory.claims("acme", iat=now - 3600, exp=now - 2))

    assert verify(verifier, token).tenant_id == "acme"


# --- no token / malformed -----------------------------------------------------------------


def test_an_empty_token_is_refused(verifier: CognitoTokenVerifier) -> None:
    assert refusal(verifier, "").code == "invalid_token"


@pytest.mark.parametrize(
    "token",
    [
        "not-a-jwt",
        "a.b",
        "a.b.c",
        "....",
        "!!!!.????.####",
        f"{b64url(b'not json')}.{b64url_json({'sub': 'x'})}.c2ln",
        f"{b64url_json(['RS256'])}.{b64url_json({'sub': 'x'})}.c2ln",
        f"{b64url_json({'alg': 'RSA-OAEP', 'enc': 'A256GCM', 'kid': 'test-key-1'})}.a.b.c.d",
        f"{b64url_json({'alg': 'RS256', 'kid': 'test-key-1'})}..c2ln",
        # Deeply nested JSON makes json.loads raise RecursionError, not ValueError.
        f"{b64url(b'[' * 700)}.a.b",
        f"{b64url(b'[' * 5000)}.a.b",
    ],
    ids=[
        "no-dots",
        "two-segments",
        "junk-segments",
        "empty-segments",
        "non-base64",
        "header-not-json",
        "header-not-object",
        "jwe-shaped",
        "empty-payload",
        "nested-header-within-size",
        "nested-header-oversized",
    ],
)
def test_a_malformed_token_is_refused(verifier: CognitoTokenVerifier, token: str) -> None:
    assert refusal(verifier, token).code == "invalid_token"


def test_a_well_formed_header_with_a_garbage_payload_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    header = b64url_json({"alg": "RS256", "kid": factory.kid})
    token = f"{header}.{b64url(b'garbage')}.{b64url(b'signature')}"

    assert refusal(verifier, token).code == "invalid_token"


# --- algorithm confusion ------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
def test_an_unsigned_alg_none_token_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, alg: str
) -> None:
    token = unsigned_token({"alg": alg, "kid": factory.kid, "typ": "JWT"}, factory.claims())

    assert refusal(verifier, token).code == "invalid_token"


def test_an_rs256_header_with_an_empty_signature_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    token = unsigned_token({"alg": "RS256", "kid": factory.kid}, factory.claims())

    assert refusal(verifier, token).code == "invalid_token"


@pytest.mark.parametrize(
    "pem_format",
    [serialization.PublicFormat.SubjectPublicKeyInfo, serialization.PublicFormat.PKCS1],
    ids=["spki-pem", "pkcs1-pem"],
)
@pytest.mark.parametrize("header_alg", ["HS256", "RS256"])
def test_an_hmac_token_keyed_with_the_public_key_is_refused(
    verifier: CognitoTokenVerifier,
    factory: TokenFactory,
    pem_format: serialization.PublicFormat,
    header_alg: str,
) -> None:
    # The classic key-confusion attack: the public key is public, so an HMAC "signed" with it
    # verifies if the verifier lets the token choose HS256 and feeds it the RSA key bytes.
    # The RS256 header variant checks the HMAC bytes are not accepted as an RSA signature.
    secret = factory.key.public_key().public_bytes(serialization.Encoding.PEM, pem_format)
    token = hmac_token({"alg": header_alg, "kid": factory.kid}, factory.claims(), secret)

    assert refusal(verifier, token).code == "invalid_token"


@pytest.mark.parametrize("alg", ["RS384", "RS512", "PS256", "ES256"])
def test_a_token_of_another_asymmetric_algorithm_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, alg: str
) -> None:
    header = {"alg": alg, "kid": factory.kid}
    token = f"{b64url_json(header)}.{b64url_json(factory.claims())}.{b64url(b'sig')}"

    assert refusal(verifier, token).code == "invalid_token"


# --- keys and signatures ------------------------------------------------------------------


def test_a_token_naming_an_unknown_kid_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, other_key: rsa.RSAPrivateKey
) -> None:
    token = factory.mint(key=other_key, kid="attacker-key")

    assert refusal(verifier, token).code == "invalid_token"


@pytest.mark.parametrize(
    "kid",
    [None, "", 7, ["test-key-1"], {"kid": "test-key-1"}],
    ids=["absent", "empty", "int", "list", "object"],
)
def test_a_token_without_a_usable_kid_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, kid: object
) -> None:
    # Correctly signed with the pool's key: only the header's kid is wrong.
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT"}
    if kid is not None:
        header["kid"] = kid
    token = rs256_token(header, factory.claims(), factory.key)

    assert refusal(verifier, token).code == "invalid_token"


@pytest.mark.parametrize(
    "crit", [["exp"], ["b64"], [], "exp", [1]], ids=["unknown", "b64", "empty", "string", "int"]
)
def test_a_token_with_a_crit_header_the_verifier_does_not_understand_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, crit: object
) -> None:
    # RFC 7515 4.1.11: a critical extension the recipient does not understand invalidates it.
    header = {"alg": "RS256", "kid": factory.kid, "crit": crit}
    token = rs256_token(header, factory.claims(), factory.key)

    assert refusal(verifier, token).code == "invalid_token"


def test_a_hand_signed_token_with_a_plain_header_is_accepted(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    # The control for the two hand-crafted header tests above: the crafting itself is sound.
    token = rs256_token({"alg": "RS256", "kid": factory.kid}, factory.claims(), factory.key)

    assert verify(verifier, token).tenant_id == "acme"


def test_a_token_signed_with_another_key_under_the_pools_kid_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, other_key: rsa.RSAPrivateKey
) -> None:
    token = factory.mint(key=other_key, kid=factory.kid)

    assert refusal(verifier, token).code == "invalid_token"


def test_a_token_whose_payload_was_altered_after_signing_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    header, _, signature = factory.mint(factory.claims("acme")).split(".")
    forged_payload = b64url_json(factory.claims("globex"))

    assert refusal(verifier, f"{header}.{forged_payload}.{signature}").code == "invalid_token"


def test_a_key_embedded_in_the_token_header_is_not_trusted(
    verifier: CognitoTokenVerifier, factory: TokenFactory, other_key: rsa.RSAPrivateKey
) -> None:
    # RFC 8725 3.10: the verifier chooses the key; a `jwk`/`jku` in the header is ignored.
    attacker_jwk = public_jwk(other_key, factory.kid)
    token = factory.mint(
        key=other_key,
        headers={"jwk": attacker_jwk, "jku": "https://attacker.example/jwks.json"},
    )

    assert refusal(verifier, token).code == "invalid_token"


@pytest.mark.parametrize(
    "jwk_overrides",
    [{"alg": "RS512"}, {"alg": "PS256"}, {"alg": "HS256"}, {"use": "enc"}],
    ids=["alg-RS512", "alg-PS256", "alg-HS256", "use-enc"],
)
def test_a_jwk_not_meant_for_rs256_signatures_is_never_used(
    factory: TokenFactory, jwk_overrides: dict[str, str]
) -> None:
    jwks = {"keys": [public_jwk(factory.key, factory.kid, **jwk_overrides)]}
    verifier = CognitoTokenVerifier(AUTH, JwksCache(AUTH.jwks_url, fetcher=FakeJwksSource(jwks)))

    assert refusal(verifier, factory.mint()).code == "invalid_token"


def test_a_jwk_without_alg_and_use_is_used_as_an_rs256_signing_key(
    factory: TokenFactory,
) -> None:
    # The counterpart of the test above: the same key, with no contrary alg/use, verifies.
    jwk = public_jwk(factory.key, factory.kid)
    del jwk["alg"], jwk["use"]
    verifier = CognitoTokenVerifier(
        AUTH, JwksCache(AUTH.jwks_url, fetcher=FakeJwksSource({"keys": [jwk]}))
    )

    assert verify(verifier, factory.mint()).tenant_id == "acme"


# --- time claims --------------------------------------------------------------------------


def test_an_expired_token_is_refused_as_expired(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    now = int(time.time())
    token = factory.mint(factory.claims(iat=now - 7200, exp=now - 60))

    assert refusal(verifier, token).code == "token_expired"


def test_a_token_without_exp_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    assert refusal(verifier, factory.mint(factory.claims(exp=None))).code == "invalid_token"


@pytest.mark.parametrize("claim", ["iat", "iss", "sub", "token_use"])
def test_a_token_missing_a_required_claim_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, claim: str
) -> None:
    claims = factory.claims()
    del claims[claim]

    assert refusal(verifier, factory.mint(claims)).code == "invalid_token"


def test_a_token_whose_nbf_is_in_the_future_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    token = factory.mint(factory.claims(nbf=int(time.time()) + 600))

    assert refusal(verifier, token).code == "invalid_token"


def test_a_token_issued_in_the_future_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    now = int(time.time())
    token = factory.mint(factory.claims(iat=now + 600, exp=now + 4200))

    assert refusal(verifier, token).code == "invalid_token"


# --- issuer, audience, token_use ----------------------------------------------------------


@pytest.mark.parametrize(
    "issuer",
    [
        f"https://cognito-idp.us-east-1.amazonaws.com/{OTHER_POOL_ID}",
        f"https://cognito-idp.eu-west-1.amazonaws.com/{AUTH.user_pool_id}",
        f"{AUTH.issuer}/",
        AUTH.issuer[:-1],
        f"{AUTH.issuer}x",
        AUTH.issuer.replace("https://", "http://"),
        AUTH.issuer.upper(),
        f"http://127.0.0.1:5000/{AUTH.user_pool_id}",
        [AUTH.issuer],
    ],
    ids=[
        "other-pool",
        "other-region",
        "trailing-slash",
        "prefix",
        "suffix",
        "http",
        "uppercase",
        "moto-style",
        "list",
    ],
)
def test_a_token_from_another_issuer_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, issuer: object
) -> None:
    # Hand-signed: PyJWT will not encode a non-string iss.
    header = {"alg": "RS256", "kid": factory.kid}
    token = rs256_token(header, factory.claims(iss=issuer), factory.key)

    assert refusal(verifier, token).code == "invalid_token"


@pytest.mark.parametrize(
    "audience",
    ["otherclient0123456789", f"{AUTH.client_id}x", AUTH.client_id[:-1], None],
    ids=["other-client", "suffix", "prefix", "absent"],
)
def test_a_token_for_another_audience_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, audience: str | None
) -> None:
    assert refusal(verifier, factory.mint(factory.claims(aud=audience))).code == "invalid_token"


@pytest.mark.parametrize("keep_tenant_claim", [False, True], ids=["plain", "with-tenant-claim"])
def test_an_access_token_is_refused_where_an_id_token_is_expected(
    verifier: CognitoTokenVerifier, factory: TokenFactory, keep_tenant_claim: bool
) -> None:
    # Cognito access tokens: token_use=access and client_id instead of aud. A pre-token
    # generation Lambda could add the tenant claim; token_use alone must still refuse it.
    claims = factory.claims(
        "acme",
        token_use="access",
        aud=None,
        client_id=AUTH.client_id,
        scope="aws.cognito.signin.user.admin",
        **({} if keep_tenant_claim else {"custom__tenant_id": None}),
    )

    assert refusal(verifier, factory.mint(claims)).code == "invalid_token"


@pytest.mark.parametrize("token_use", ["access", "refresh", "ID", ""])
def test_a_token_with_another_token_use_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, token_use: str
) -> None:
    assert refusal(verifier, factory.mint(factory.claims(token_use=token_use))).code == (
        "invalid_token"
    )


# --- tenant claim -------------------------------------------------------------------------


def test_a_token_without_a_tenant_claim_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    claims = factory.claims(custom__tenant_id=None)
    assert "custom:tenant_id" not in claims

    assert refusal(verifier, factory.mint(claims)).code == "invalid_token"


@pytest.mark.parametrize(
    "tenant_id",
    [
        "a#b",
        "UPPER",
        "Acme",
        "x",
        "a--b",
        "",
        "acme ",
        " acme",
        "acme\n",
        "../acme",
        "acme/x",
        "-acme",
        "acme-",
        "a" * 33,
        "acme\x00",
        "acmé",
        42,
        ["acme"],
        {"id": "acme"},
        True,
    ],
)
def test_a_token_with_a_malformed_tenant_id_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, tenant_id: object
) -> None:
    token = factory.mint(factory.claims("acme", custom__tenant_id=tenant_id))

    assert refusal(verifier, token).code == "invalid_token"


@pytest.mark.parametrize("sub", ["a#b", "../x", "x" * 65, "user id", 12345])
def test_a_token_with_a_malformed_subject_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory, sub: object
) -> None:
    assert refusal(verifier, factory.mint(factory.claims(sub=sub))).code == "invalid_token"


# --- groups -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "groups",
    [
        ["globex--member", "globex--tenant_admin"],
        ["acme-x--tenant_admin", "acmex--tenant_admin", "acm--tenant_admin"],
        ["tenant_admin", "member", "admin", "acme-tenant_admin", "acme_tenant_admin"],
        ["acme---tenant_admin", "acme--TENANT_ADMIN", "acme--tenant_admin ", "acme--owner"],
        ["--tenant_admin", "ACME--tenant_admin"],
        "acme--tenant_admin",
        [],
    ],
    ids=[
        "other-tenant",
        "look-alike-tenants",
        "unscoped",
        "near-misses",
        "no-tenant",
        "string-not-list",
        "empty",
    ],
)
def test_groups_not_of_the_callers_tenant_grant_no_role(
    verifier: CognitoTokenVerifier, factory: TokenFactory, groups: object
) -> None:
    token = factory.mint(factory.claims("acme", cognito__groups=groups))

    assert verify(verifier, token).roles == frozenset()


def test_groups_of_another_tenant_do_not_add_to_the_roles_held_in_ones_own(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    token = factory.mint(
        factory.claims("acme", cognito__groups=["acme--member", "globex--tenant_admin"])
    )

    context = verify(verifier, token)

    assert context.roles == {Role.MEMBER}
    assert not context.has_role(Role.TENANT_ADMIN)


# --- the verified-token cache -------------------------------------------------------------


class CountingJwks(JwksCache):
    """Counts key lookups: a lookup happens exactly when a token is really verified."""

    def __init__(self, source: FakeJwksSource) -> None:
        super().__init__(AUTH.jwks_url, fetcher=source)
        self.lookups = 0

    async def key(self, kid: str) -> PyJWK:
        self.lookups += 1
        return await super().key(kid)


def verify_all(verifier: CognitoTokenVerifier, *tokens: str) -> list[TenantContext]:
    async def go() -> list[TenantContext]:
        return [await verifier.verify(token) for token in tokens]

    return run(go)


def test_a_repeated_token_is_verified_once_within_its_lifetime(
    factory: TokenFactory, jwks_source: FakeJwksSource
) -> None:
    jwks = CountingJwks(jwks_source)
    verifier = CognitoTokenVerifier(AUTH, jwks, VerifiedTokenCache())
    token = factory.mint()

    first, second = verify_all(verifier, token, token)

    assert first == second
    assert jwks.lookups == 1


def test_a_cached_token_is_verified_again_once_its_exp_has_passed(
    factory: TokenFactory, jwks_source: FakeJwksSource
) -> None:
    jwks = CountingJwks(jwks_source)
    claims = factory.claims()
    cache_clock = FakeClock(now=claims["exp"] - 1)
    verifier = CognitoTokenVerifier(AUTH, jwks, VerifiedTokenCache(clock=cache_clock))
    token = factory.mint(claims)

    verify_all(verifier, token, token)
    lookups_before_exp = jwks.lookups
    cache_clock.now = claims["exp"]
    verify_all(verifier, token)

    assert (lookups_before_exp, jwks.lookups) == (1, 2)


def test_a_token_accepted_only_by_the_leeway_is_never_served_from_the_cache(
    factory: TokenFactory, jwks_source: FakeJwksSource
) -> None:
    jwks = CountingJwks(jwks_source)
    verifier = CognitoTokenVerifier(AUTH, jwks, VerifiedTokenCache())
    now = int(time.time())
    token = factory.mint(factory.claims(iat=now - 3600, exp=now - 2))

    verify_all(verifier, token, token)

    assert jwks.lookups == 2


def test_a_token_differing_from_a_cached_one_in_its_signature_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    token = factory.mint()
    verify(verifier, token)
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    forged = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"

    assert refusal(verifier, forged).code == "invalid_token"


def test_a_token_differing_from_a_cached_one_in_its_claims_is_refused(
    verifier: CognitoTokenVerifier, factory: TokenFactory
) -> None:
    token = factory.mint(factory.claims("acme"))
    verify(verifier, token)
    header, _, signature = token.split(".")
    forged = f"{header}.{b64url_json(factory.claims('globex'))}.{signature}"

    assert refusal(verifier, forged).code == "invalid_token"


def test_the_verified_token_cache_serves_an_entry_only_before_its_expiry(
    factory: TokenFactory,
) -> None:
    clock = FakeClock(now=100.0)
    cache = VerifiedTokenCache(clock=clock)
    context = TenantContext("acme", "user-1", "someone", frozenset({Role.MEMBER}))
    cache.put("token", 200.0, context)

    clock.now = 199.9
    before = cache.get("token")
    clock.now = 200.0
    at_expiry = cache.get("token")

    assert (before, at_expiry) == (context, None)


def test_the_verified_token_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    cache = VerifiedTokenCache(max_entries=2, clock=FakeClock(now=0.0))
    contexts = {
        name: TenantContext(name, "user-1", "someone", frozenset({Role.MEMBER}))
        for name in ("aaa", "bbb", "ccc")
    }
    cache.put("token-a", 10.0, contexts["aaa"])
    cache.put("token-b", 10.0, contexts["bbb"])
    cache.get("token-a")
    cache.put("token-c", 10.0, contexts["ccc"])

    assert [cache.get(t) for t in ("token-a", "token-b", "token-c")] == [
        contexts["aaa"],
        None,
        contexts["ccc"],
    ]


# --- group names, as properties -----------------------------------------------------------

_tenant_ids = st.from_regex(TENANT_ID_PATTERN, fullmatch=True).filter(is_valid_tenant_id)
_roles = st.sampled_from(list(Role))


@given(_tenant_ids, _tenant_ids, st.lists(_roles, max_size=2))
def test_no_group_of_one_tenant_grants_a_role_in_another(
    tenant: str, other: str, roles: list[Role]
) -> None:
    assume(tenant != other)

    assert roles_from_groups(tenant, [group_name(other, role) for role in roles]) == frozenset()


@given(_tenant_ids, _roles)
def test_a_tenants_own_group_grants_its_role(tenant: str, role: Role) -> None:
    assert role in roles_from_groups(tenant, [group_name(tenant, role)])


@pytest.mark.parametrize("tenant_id", ["a--b", "a#b", "UPPER", "x"])
def test_no_group_name_is_made_for_an_invalid_tenant_id(tenant_id: str) -> None:
    with pytest.raises(InvalidTenantId):
        group_name(tenant_id, Role.MEMBER)
