"""The chat service as a real uvicorn process (for tests of long streams, restarts and for
benchmarks): in-process test clients cannot show either."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engageiq.local.aws import LocalResources
from engageiq.local.platform import service_environment
from tests.support.service_process import CHAT_APP, service_process


def chat_environment(resources: LocalResources, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    return {**env, **service_environment(resources), "ENGAGEIQ_LOG_LEVEL": "WARNING", **extra}


@dataclass(frozen=True)
class RunningChat:
    url: str
    pid: int

    def peak_rss_mb(self) -> float:
        """The process's peak resident set size (VmHWM), in MB."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("VmHWM not found")


@contextmanager
def chat_process(
    env: Mapping[str, str], log_path: Path, port: int | None = None
) -> Iterator[RunningChat]:
    """Run `uvicorn engageiq_chat.app:create_app --factory` (1 worker) until the block ends."""
    with service_process(CHAT_APP, env, log_path, port) as running:
        yield RunningChat(running.url, running.process.pid)
