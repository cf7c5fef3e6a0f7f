"""The local platform as users start it: `engageiq dev` in a subprocess, on free ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engageiq.local.platform import free_port

STARTUP_TIMEOUT = 60.0


@dataclass
class DevPlatform:
    process: subprocess.Popen[str]
    state_dir: Path
    outputs: dict[str, Any]

    @property
    def web_url(self) -> str:
        return str(self.outputs["webUrl"])


def start_dev(state_dir: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "engageiq.cli", "dev", "--state-dir", str(state_dir), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Suspensions must show at once in tests; the caching itself has unit tests.
        env={**os.environ, "PYTHONUNBUFFERED": "1", "ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS": "0"},
    )


def wait_for_outputs(process: subprocess.Popen[str], state_dir: Path) -> dict[str, Any]:
    outputs = state_dir / "outputs.json"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not outputs.is_file():
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"engageiq dev exited with {process.returncode}:\n{output}")
        if time.monotonic() > deadline:
            process.kill()
            raise AssertionError("engageiq dev was not ready in time")
        time.sleep(0.1)
    data: dict[str, Any] = json.loads(outputs.read_text())
    return data


def stop_dev(process: subprocess.Popen[str], timeout: float = 20.0) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        return process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


@pytest.fixture(scope="session")
def dev_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevPlatform]:
    state_dir = tmp_path_factory.mktemp("engageiq-local")
    process = start_dev(state_dir, "--port", str(free_port()), "--aws-port", str(free_port()))
    try:
        yield DevPlatform(process, state_dir, wait_for_outputs(process, state_dir))
    finally:
        stop_dev(process)
