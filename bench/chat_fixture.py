"""What both chat benchmarks start: moto provisioned from the spec, the demo tenant and a
signed-in user (a real moto Cognito token), and the chat service as a uvicorn process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engageiq.local.aws import LocalResources, provision
from engageiq.local.platform import free_port
from engageiq.local.seed import seed_demo, sign_in

# The benchmark scripts put the repository root on sys.path before importing this module.
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BenchPlatform:
    resources: LocalResources
    token: str
    aws_pid: int
    """moto's process (its CPU competes with the service's on the same cores)."""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MOTO_MAIN = """
import sys, time
from pathlib import Path
from engageiq.local.aws import LocalAwsServer
from engageiq.local.state import Snapshotter
server = LocalAwsServer(int(sys.argv[1]), fast_transactions=sys.argv[2] == "fast")
server.start()
if len(sys.argv) > 3:  # save the state as `engageiq dev` does
    Snapshotter(Path(sys.argv[3]), server.gate, server.changes, {}).start()
print("ready", flush=True)
time.sleep(24 * 3600)
"""


@contextmanager
def local_platform(
    *, fast_transactions: bool = True, state_file: Path | None = None
) -> Iterator[BenchPlatform]:
    """moto in its own process, so its CPU never competes with the load client's.
    `fast_transactions=False`: moto's own TransactWriteItems, for comparison; `state_file`:
    save the state there every 2 s, as `engageiq dev` does."""
    port = free_port()
    mode = "fast" if fast_transactions else "moto"
    aws = subprocess.Popen(
        [
            sys.executable,
            "-c",
            MOTO_MAIN,
            str(port),
            mode,
            *([str(state_file)] if state_file else []),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert aws.stdout is not None
        if aws.stdout.readline().strip() != b"ready":
            raise RuntimeError("moto did not start")
        endpoint = f"http://127.0.0.1:{port}"
        resources = provision(endpoint)
        demo = seed_demo(resources)
        token = sign_in(endpoint, resources.user_pool_client_id, demo.username, demo.password)
        yield BenchPlatform(resources, token, aws.pid)
    finally:
        aws.terminate()
        aws.wait(timeout=10)


@contextmanager
def messages_server_process(port: int, *args: str) -> Iterator[str]:
    """tests.support.messages_server as a process (its sleeping threads off our GIL)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.support.messages_server", "--port", str(port), *args],
        cwd=ROOT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
