"""Benchmark: what building one service app costs, the start-up every service instance pays
and every test that builds its own app pays again: the chat and the files app, each built
against a local AWS endpoint (moto, in process) with the keyword arguments the tests pass,
and the two parts of it that are ours to make cheaper: `apply_api_contract` (decision 0086)
and the boto3 clients of the services' plugins.

    .venv/bin/python bench/app_startup.py [--rounds 25]

Figures are medians of this process's CPU time (`time.process_time`, all threads; moto's
server thread is idle while the apps are built), in milliseconds; the first build of each
app warms imports and is not counted."""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq.local.aws import LOCAL_CREDENTIALS, LocalAwsServer, provision
from engageiq.local.platform import free_port, service_environment
from engageiq_files.app import create_app as create_files_app
from engageiq_files.config import FilesSettings
from engageiq_tenancy import aws, service
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.chat import ChatHarness
from tests.support.tokens import TokenFactory


def cpu_ms(build: Callable[[], Any], rounds: int) -> float:
    """Median CPU milliseconds of `build()`, after one uncounted call."""
    build()
    times: list[float] = []
    for _ in range(rounds):
        started = time.process_time()
        build()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def timed(module: Any, name: str, spent: list[float]) -> None:
    """Wrap `module.name` so that each call's CPU seconds are added to `spent`."""
    original = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.process_time() - started)

    setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()
    os.environ["AWS_ACCESS_KEY_ID"] = LOCAL_CREDENTIALS["aws_access_key_id"]
    os.environ["AWS_SECRET_ACCESS_KEY"] = LOCAL_CREDENTIALS["aws_secret_access_key"]
    os.environ.pop("ANTHROPIC_API_KEY", None)
    server = LocalAwsServer(free_port())
    server.start()
    try:
        resources = provision(server.endpoint_url)
        tokens = TokenFactory()
        harness = ChatHarness(resources, tokens=tokens)
        settings = ServiceSettings.from_env(service_environment(resources))
        verifier = CognitoTokenVerifier(tokens.auth, JwksCache("x", fetcher=lambda _: tokens.jwks))

        def files_app() -> Any:
            return create_files_app(
                settings,
                files_settings=FilesSettings(),
                verifier=verifier,
                tenant_gate=TenantGate(lambda tenant: GateRecord("active"), cache_seconds=0),
            )

        contract: list[float] = []
        clients: list[float] = []
        timed(service, "apply_api_contract", contract)
        timed(aws, "new_client", clients)
        for name, build in (("chat", harness.app), ("files", files_app)):
            contract.clear()
            clients.clear()
            total = cpu_ms(build, args.rounds)
            builds = args.rounds + 1
            print(
                f"{name:6s} app {total:6.1f} ms CPU; of it apply_api_contract "
                f"{sum(contract) / builds * 1000:5.1f} ms, "
                f"{len(clients) / builds:.0f} boto3 clients {sum(clients) / builds * 1000:5.1f} ms"
            )
        print(f"one dynamodb client {cpu_ms(lambda: aws.client('dynamodb', settings), 50):.1f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
