"""Benchmark: authenticated GET /api/me against unauthenticated GET /health, on one chat
service process (uvicorn, 1 worker), in the same run.

    .venv/bin/python bench/auth_overhead.py [--seconds 3] [--rounds 5]

The ratio me/health is the figure that matters (goal >= 0.7): absolute requests/s on a shared
2-core machine mean little. Rounds alternate the two endpoints so drift hits both alike."""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import run_load
from engageiq.local.aws import LocalAwsServer, provision
from engageiq.local.platform import free_port, service_environment
from engageiq.local.seed import seed_demo, sign_in
from engageiq_tenancy.settings import AuthSettings
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache, VerifiedTokenCache


def wait_ready(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def verification_cost(
    auth: AuthSettings, jwks_url: str, token: str, n: int = 2000
) -> tuple[float, float]:
    """In-process microseconds per verify(): a token seen before, and a first sight of one
    (cache of size 0, so every call does the full RS256 verification)."""

    async def per_call(verifier: CognitoTokenVerifier) -> float:
        await verifier.verify(token)
        started = time.perf_counter()
        for _ in range(n):
            await verifier.verify(token)
        return (time.perf_counter() - started) / n * 1e6

    jwks = JwksCache(jwks_url)
    cached = asyncio.run(per_call(CognitoTokenVerifier(auth, jwks)))
    cold = asyncio.run(per_call(CognitoTokenVerifier(auth, jwks, VerifiedTokenCache(0))))
    return cached, cold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--log-level",
        default="INFO",
        help="The service's log level; INFO (production) writes an access line "
        "per /api request, WARNING isolates the cost of authentication.",
    )
    args = parser.parse_args()

    aws = LocalAwsServer(free_port())
    aws.start()
    resources = provision(aws.endpoint_url)
    demo = seed_demo(resources)
    token = sign_in(aws.endpoint_url, resources.user_pool_client_id, demo.username, demo.password)
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "engageiq_chat.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        # Production log level: every /api request writes its JSON access line (to /dev/null).
        env={**os.environ, **service_environment(resources), "ENGAGEIQ_LOG_LEVEL": args.log_level},
        stdout=subprocess.DEVNULL,
        # Server on one core, load generator on the other: on a 2-core machine this keeps the
        # two from taking turns on the same core, which would blur both figures.
        preexec_fn=lambda: os.sched_setaffinity(0, {0}),
    )
    os.sched_setaffinity(0, {1})
    try:
        wait_ready(f"http://127.0.0.1:{port}/health")
        bearer = {"Authorization": f"Bearer {token}"}
        # Warm up: JWKS fetch, code paths, connection set-up.
        asyncio.run(run_load("127.0.0.1", port, "/api/me", bearer, 4, 1.0))
        health_rps: list[float] = []
        me_rps: list[float] = []
        for _ in range(args.rounds):
            for path, headers, sink in (("/health", None, health_rps), ("/api/me", bearer, me_rps)):
                result = asyncio.run(
                    run_load("127.0.0.1", port, path, headers, args.connections, args.seconds)
                )
                if result.errors:
                    raise SystemExit(f"{result.errors} non-200 answers from {path}")
                sink.append(result.rps)
        health, me = statistics.median(health_rps), statistics.median(me_rps)
        print(f"GET /health   (no auth): {health:8.0f} req/s  (median of {args.rounds} rounds)")
        print(f"GET /api/me   (RS256 ID token): {me:8.0f} req/s")
        print(f"ratio me/health: {me / health:.2f}  (goal >= 0.70)")
        auth = AuthSettings(
            resources.region,
            resources.user_pool_id,
            resources.user_pool_client_id,
            resources.jwks_url,
        )
        cached, cold = verification_cost(auth, resources.jwks_url, token)
        print(f"verify(): {cached:.1f} us for a token seen before, {cold:.1f} us for a new one")
    finally:
        server.terminate()
        server.wait()
        aws.stop()


if __name__ == "__main__":
    main()
