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
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.loadgen import run_load
from engageiq.local.aws import LocalAwsServer, provision
from engageiq.local.platform import (
    free_port,
    service_command,
    service_environment,
    wait_until_answering,
)
from engageiq.local.seed import seed_demo, sign_in
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.settings import AuthSettings
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache, VerifiedTokenCache
from engageiq_tenancy.user_access import AccessChange


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


def gate_cost(n: int = 20_000) -> tuple[float, float]:
    """In-process microseconds per TenantGate.check() on a cached tenant record: with no access
    changes (the common case), and with 1,000 users removed in the last hour."""
    caller = TenantContext("acme", "u-1", "rep", frozenset({Role.MEMBER}), int(time.time()))

    async def per_call(record: GateRecord) -> float:
        gate = TenantGate(lambda _: record, cache_seconds=3600)
        await gate.check(caller)
        started = time.perf_counter()
        for _ in range(n):
            await gate.check(caller)
        return (time.perf_counter() - started) / n * 1e6

    removed = {f"gone-{i}": AccessChange(0, frozenset()) for i in range(1000)}
    return asyncio.run(per_call(GateRecord("active"))), asyncio.run(
        per_call(GateRecord("active", removed))
    )


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
        service_command("engageiq_chat.app:create_app", port, "--log-level", "warning"),
        # The service's JSON lines go to /dev/null; at INFO, one access line per /api request.
        env={**os.environ, **service_environment(resources), "ENGAGEIQ_LOG_LEVEL": args.log_level},
        stdout=subprocess.DEVNULL,
        # Server on one core, load generator on the other: on a 2-core machine this keeps the
        # two from taking turns on the same core, which would blur both figures.
        preexec_fn=lambda: os.sched_setaffinity(0, {0}),
    )
    os.sched_setaffinity(0, {1})
    try:
        wait_until_answering(f"http://127.0.0.1:{port}/health")
        bearer = {"Authorization": f"Bearer {token}"}
        # Warm up: JWKS fetch, code paths, connection set-up.
        asyncio.run(run_load("127.0.0.1", port, "/api/me", bearer, 4, 1.0))
        server_process = psutil.Process(server.pid)
        figures: dict[str, list[tuple[float, float, float]]] = {"/health": [], "/api/me": []}
        for _ in range(args.rounds):
            for path, headers in (("/health", None), ("/api/me", bearer)):
                cpu_before = sum(server_process.cpu_times()[:2])
                result = asyncio.run(
                    run_load("127.0.0.1", port, path, headers, args.connections, args.seconds)
                )
                cpu = sum(server_process.cpu_times()[:2]) - cpu_before
                if result.errors:
                    raise SystemExit(f"{result.errors} non-200 answers from {path}")
                # (requests/s, server CPU microseconds per request, server core utilisation)
                figures[path].append(
                    (result.rps, cpu / result.requests * 1e6, cpu / result.seconds)
                )

        def median(path: str, column: int) -> float:
            return statistics.median(row[column] for row in figures[path])

        print(
            f"{args.rounds} rounds of {args.seconds:.0f} s each, {args.connections} connections,"
            f" service log level {args.log_level}"
        )
        for path, label in (
            ("/health", "GET /health (no auth)"),
            ("/api/me", "GET /api/me (RS256 ID token)"),
        ):
            print(
                f"  {label:<30} {median(path, 0):8.0f} req/s   "
                f"{median(path, 1):6.1f} us server CPU per request   "
                f"server core busy {median(path, 2):4.0%}"
            )
        by_throughput = median("/api/me", 0) / median("/health", 0)
        by_cpu = median("/health", 1) / median("/api/me", 1)
        print(f"ratio me/health by requests/s:         {by_throughput:.2f}")
        # When the load generator, not the server, is the bottleneck, requests/s flatters the
        # slower endpoint; server CPU per request is the server's own capacity ratio.
        print(f"ratio me/health by server CPU/request: {by_cpu:.2f}  (goal >= 0.70)")
        auth = AuthSettings(
            resources.region,
            resources.user_pool_id,
            resources.user_pool_client_id,
            resources.jwks_url,
        )
        cached, cold = verification_cost(auth, resources.jwks_url, token)
        print(f"verify(): {cached:.1f} us for a token seen before, {cold:.1f} us for a new one")
        quiet, busy = gate_cost()
        print(
            f"tenant gate check(): {quiet:.2f} us with no access changes, "
            f"{busy:.2f} us with 1,000 removed users on record"
        )
    finally:
        server.terminate()
        server.wait()
        aws.stop()


if __name__ == "__main__":
    main()
