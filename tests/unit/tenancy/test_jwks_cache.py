"""JwksCache: one fetch serves many verifications, key rotation is picked up, the refetch
penalty box holds against floods of unknown kids, the blocking fetch runs off the event loop,
and a JWKS outage degrades as designed."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.tokens import (
    FIRST_FETCH_RETRY_SECONDS,
    CognitoTokenVerifier,
    JwksCache,
    TokenError,
    fetch_jwks,
)
from tests.support.tokens import AUTH, TokenFactory, public_jwk
from tests.unit.tenancy.helpers import FakeClock, FakeJwksSource, run

PENALTY = 30.0
MAX_AGE = 3600.0


def make_cache(source: FakeJwksSource, clock: FakeClock) -> JwksCache:
    return JwksCache(
        AUTH.jwks_url,
        fetcher=source,
        max_age_seconds=MAX_AGE,
        min_refetch_seconds=PENALTY,
        clock=clock,
    )


def key_outcome(cache: JwksCache, kid: str) -> str:
    """ "found", or the TokenError code for `kid`."""

    async def go() -> str:
        try:
            await cache.key(kid)
        except TokenError as exc:
            return exc.code
        return "found"

    return run(go)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def rotated_factory(other_key: rsa.RSAPrivateKey) -> TokenFactory:
    """The same pool after Cognito rotated in a new signing key."""
    return TokenFactory(key=other_key, kid="test-key-2")


def test_many_verifications_cost_one_fetch(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    verifier = CognitoTokenVerifier(AUTH, make_cache(jwks_source, clock))
    tokens = [factory.mint(factory.claims(f"tenant-{i}")) for i in range(20)]

    async def go() -> list[TenantContext]:
        return [await verifier.verify(token) for token in tokens]

    contexts = run(go)

    assert [c.tenant_id for c in contexts] == [f"tenant-{i}" for i in range(20)]
    assert jwks_source.calls == 1
    assert jwks_source.urls == [AUTH.jwks_url]


def test_concurrent_first_verifications_share_one_fetch(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    verifier = CognitoTokenVerifier(AUTH, make_cache(jwks_source, clock))
    tokens = [factory.mint(factory.claims(f"tenant-{i}")) for i in range(20)]
    tenants: list[str] = []

    async def one(token: str) -> None:
        tenants.append((await verifier.verify(token)).tenant_id)

    async def go() -> None:
        async with anyio.create_task_group() as tg:
            for token in tokens:
                tg.start_soon(one, token)

    run(go)

    assert sorted(tenants) == sorted(f"tenant-{i}" for i in range(20))
    assert jwks_source.calls == 1


def test_an_unknown_kid_after_the_penalty_window_refetches_and_finds_a_rotated_key(
    factory: TokenFactory, rotated_factory: TokenFactory, clock: FakeClock
) -> None:
    source = FakeJwksSource(factory.jwks)
    verifier = CognitoTokenVerifier(AUTH, make_cache(source, clock))

    async def go() -> TenantContext:
        await verifier.verify(factory.mint())
        # Cognito publishes a new key and starts signing with it.
        source.document = {"keys": [*factory.jwks["keys"], *rotated_factory.jwks["keys"]]}
        clock.advance(PENALTY)
        return await verifier.verify(rotated_factory.mint(rotated_factory.claims("globex")))

    assert run(go).tenant_id == "globex"
    assert source.calls == 2


def test_unknown_kids_refetch_at_most_once_per_penalty_window(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    cache = make_cache(jwks_source, clock)
    assert key_outcome(cache, factory.kid) == "found"
    calls_per_window: list[int] = []

    for window in range(3):
        clock.advance(PENALTY)
        before = jwks_source.calls
        # A flood of forged kids spread over the window: one every second, 30 in 29 s.
        for n in range(int(PENALTY)):
            assert key_outcome(cache, f"forged-{window}-{n}") == "invalid_token"
            if n < PENALTY - 1:
                clock.advance(1)
        calls_per_window.append(jwks_source.calls - before)

    assert calls_per_window == [1, 1, 1]


def test_an_unknown_kid_inside_the_penalty_window_does_not_refetch(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    cache = make_cache(jwks_source, clock)
    assert key_outcome(cache, factory.kid) == "found"

    clock.advance(PENALTY - 1)
    outcomes = [key_outcome(cache, f"forged-{n}") for n in range(50)]

    assert set(outcomes) == {"invalid_token"}
    assert jwks_source.calls == 1


def test_a_rotated_key_is_refused_until_the_penalty_window_has_passed(
    factory: TokenFactory, rotated_factory: TokenFactory, clock: FakeClock
) -> None:
    source = FakeJwksSource(factory.jwks)
    cache = make_cache(source, clock)
    assert key_outcome(cache, factory.kid) == "found"
    source.document = rotated_factory.jwks

    clock.advance(PENALTY - 1)
    inside = key_outcome(cache, rotated_factory.kid)
    clock.advance(1)
    after = key_outcome(cache, rotated_factory.kid)

    assert (inside, after) == ("invalid_token", "found")
    assert source.calls == 2


def test_known_keys_are_refetched_once_the_cache_is_older_than_max_age(
    factory: TokenFactory, rotated_factory: TokenFactory, clock: FakeClock
) -> None:
    source = FakeJwksSource(factory.jwks)
    cache = make_cache(source, clock)
    assert key_outcome(cache, factory.kid) == "found"

    clock.advance(MAX_AGE - 1)
    assert key_outcome(cache, factory.kid) == "found"
    assert source.calls == 1

    # The pool withdrew the old key; once the cache is stale, the old key stops verifying.
    source.document = rotated_factory.jwks
    clock.advance(1)

    assert key_outcome(cache, factory.kid) == "invalid_token"
    assert source.calls == 2


def test_the_fetch_runs_in_a_worker_thread_not_on_the_event_loop(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    verifier = CognitoTokenVerifier(AUTH, make_cache(jwks_source, clock))
    loop_threads: list[int] = []

    async def go() -> None:
        loop_threads.append(threading.get_ident())
        await verifier.verify(factory.mint())

    run(go)

    assert jwks_source.calls == 1
    assert jwks_source.threads[0] != loop_threads[0]


def test_the_event_loop_keeps_running_while_a_fetch_blocks(
    factory: TokenFactory, clock: FakeClock
) -> None:
    # The fetcher blocks its thread until a task on the event loop releases it. If the fetch
    # ran on the loop, that task could never run and the fetch would fail (after 10 s).
    released = threading.Event()

    def blocking_fetch(url: str) -> dict[str, Any]:
        if not released.wait(timeout=10):
            raise TimeoutError("the event loop was blocked by the JWKS fetch")
        return factory.jwks

    cache = JwksCache(AUTH.jwks_url, fetcher=blocking_fetch, clock=clock)
    verifier = CognitoTokenVerifier(AUTH, cache)
    results: list[str] = []

    async def verify() -> None:
        results.append((await verifier.verify(factory.mint())).tenant_id)

    async def release() -> None:
        results.append("loop-ran")
        released.set()

    async def go() -> None:
        async with anyio.create_task_group() as tg:
            tg.start_soon(verify)
            await anyio.lowlevel.checkpoint()
            tg.start_soon(release)

    run(go)

    assert results == ["loop-ran", "acme"]


def test_a_failing_refetch_keeps_serving_the_known_keys(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    cache = make_cache(jwks_source, clock)
    assert key_outcome(cache, factory.kid) == "found"
    jwks_source.error = OSError("connection refused")

    clock.advance(MAX_AGE)  # stale: the next lookup must try to refetch
    stale_lookup = key_outcome(cache, factory.kid)
    clock.advance(PENALTY)
    unknown_kid_lookup = key_outcome(cache, "rotated-kid")

    assert jwks_source.calls == 3
    assert (stale_lookup, unknown_kid_lookup) == ("found", "invalid_token")
    assert key_outcome(cache, factory.kid) == "found"


def test_a_failing_refetch_also_starts_a_penalty_window(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    cache = make_cache(jwks_source, clock)
    assert key_outcome(cache, factory.kid) == "found"
    jwks_source.error = OSError("connection refused")
    clock.advance(PENALTY)
    assert key_outcome(cache, "forged-1") == "invalid_token"
    calls_after_failure = jwks_source.calls

    for n in range(20):
        key_outcome(cache, f"forged-2-{n}")

    assert calls_after_failure == 2
    assert jwks_source.calls == 2


@pytest.mark.parametrize(
    "failure",
    [OSError("connection refused"), TimeoutError("timed out"), ValueError("not JSON")],
    ids=["oserror", "timeout", "valueerror"],
)
def test_a_failing_first_fetch_is_auth_unavailable(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock, failure: Exception
) -> None:
    jwks_source.error = failure
    verifier = CognitoTokenVerifier(AUTH, make_cache(jwks_source, clock))

    async def go() -> None:
        await verifier.verify(factory.mint())

    with pytest.raises(TokenError) as caught:
        run(go)

    assert caught.value.code == "auth_unavailable"


def test_a_failing_first_fetch_is_not_retried_before_the_penalty_window(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    jwks_source.error = OSError("connection refused")
    verifier = CognitoTokenVerifier(AUTH, make_cache(jwks_source, clock))

    async def attempt() -> str:
        try:
            await verifier.verify(factory.mint())
        except TokenError as exc:
            return exc.code
        return "verified"

    assert [run(attempt) for _ in range(5)] == ["auth_unavailable"] * 5
    assert jwks_source.calls == 1
    jwks_source.error = None
    clock.advance(PENALTY)
    assert run(attempt) == "verified"
    assert jwks_source.calls == 2


@pytest.mark.parametrize(
    "document",
    [{}, {"keys": "nope"}, {"keys": None}],
    ids=["no-keys", "keys-not-a-list", "keys-null"],
)
def test_a_first_jwks_without_a_keys_list_is_auth_unavailable(
    factory: TokenFactory, clock: FakeClock, document: dict[str, Any]
) -> None:
    cache = make_cache(FakeJwksSource(document), clock)

    assert key_outcome(cache, factory.kid) == "auth_unavailable"


def test_a_first_fetch_that_failed_is_retried_when_the_jwks_is_back(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    cache = make_cache(jwks_source, clock)
    jwks_source.error = OSError("connection refused")
    assert key_outcome(cache, factory.kid) == "auth_unavailable"

    jwks_source.error = None
    clock.advance(PENALTY)

    assert key_outcome(cache, factory.kid) == "found"


def test_entries_of_a_jwks_that_are_not_rsa_signing_keys_are_skipped(
    factory: TokenFactory, other_key: rsa.RSAPrivateKey, clock: FakeClock
) -> None:
    document = {
        "keys": [
            "not-an-object",
            {"kty": "RSA"},  # no kid
            {**public_jwk(other_key, "ec-labelled"), "kty": "EC"},
            public_jwk(other_key, "for-encryption", use="enc"),
            public_jwk(other_key, "for-rs512", alg="RS512"),
            *factory.jwks["keys"],
        ]
    }
    cache = make_cache(FakeJwksSource(document), clock)

    outcomes = {
        kid: key_outcome(cache, kid)
        for kid in ["ec-labelled", "for-encryption", "for-rs512", factory.kid]
    }

    assert outcomes == {
        "ec-labelled": "invalid_token",
        "for-encryption": "invalid_token",
        "for-rs512": "invalid_token",
        factory.kid: "found",
    }


# --- the real fetcher over HTTP -----------------------------------------------------------


class _JwksServer:
    """A tiny JWKS endpoint on 127.0.0.1, in a thread."""

    def __init__(self, routes: dict[str, bytes]) -> None:
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                body = routes.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}{path}"


@pytest.fixture
def jwks_server(factory: TokenFactory) -> Iterator[_JwksServer]:
    server = _JwksServer(
        {
            f"/{AUTH.user_pool_id}/.well-known/jwks.json": json.dumps(factory.jwks).encode(),
            "/array.json": b"[]",
        }
    )
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)


def test_the_real_fetcher_loads_a_jwks_over_http(
    factory: TokenFactory, jwks_server: _JwksServer
) -> None:
    path = f"/{AUTH.user_pool_id}/.well-known/jwks.json"
    verifier = CognitoTokenVerifier(AUTH, JwksCache(jwks_server.url(path)))

    async def go() -> list[TenantContext]:
        return [await verifier.verify(factory.mint(factory.claims(t))) for t in ("acme", "beta")]

    assert [c.tenant_id for c in run(go)] == ["acme", "beta"]
    assert jwks_server.requests == [path]


def test_the_real_fetcher_refuses_a_document_that_is_not_an_object(
    jwks_server: _JwksServer,
) -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        fetch_jwks(jwks_server.url("/array.json"))


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://127.0.0.1/jwks.json", "/relative/jwks.json"]
)
def test_the_real_fetcher_only_speaks_http(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        fetch_jwks(url)


def test_a_failed_first_fetch_is_tried_again_after_the_retry_after_not_the_whole_window(
    factory: TokenFactory, jwks_source: FakeJwksSource, clock: FakeClock
) -> None:
    """Found by bench/faults.py: one transient failure of the first fetch refused every
    sign-in for 30 s, while the 503 told clients to come back in 5."""
    cache = make_cache(jwks_source, clock)
    jwks_source.error = OSError("connection reset")
    assert key_outcome(cache, factory.kid) == "auth_unavailable"
    jwks_source.error = None
    clock.advance(FIRST_FETCH_RETRY_SECONDS)
    assert key_outcome(cache, factory.kid) == "found"


def test_fetch_jwks_retries_a_dropped_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    answers: list[Exception | bytes] = [ConnectionResetError("reset"), b'{"keys": []}']

    @contextlib.contextmanager
    def urlopen(url: str, timeout: float) -> Iterator[io.BytesIO]:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        yield io.BytesIO(answer)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    assert fetch_jwks("http://127.0.0.1:1/jwks.json") == {"keys": []}
    assert answers == []
