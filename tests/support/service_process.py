"""A service as its own uvicorn process, killable with SIGKILL: what a crashed or replaced
instance looks like (the faults suite's kill tests)."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engageiq.local.platform import NotAnswering, free_port, service_command, wait_until_answering

FILES_APP = "engageiq_files.app:create_app"
CHAT_APP = "engageiq_chat.app:create_app"
STARTUP_SECONDS = 90.0


@dataclass
class RunningService:
    url: str
    process: subprocess.Popen[bytes]

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no clean-up, nothing flushed."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def service_process(
    app: str,
    env: Mapping[str, str],
    log_path: Path,
    port: int | None = None,
    *,
    ready_path: str = "/health",
) -> Iterator[RunningService]:
    """Run `app` (1 worker, on `port` or a free one) until the block ends or `kill()`. The one
    launcher of the tests' service processes (chat, files instances, the faults suite, the
    benchmarks' edge); it is up once `ready_path` answers 2xx."""
    port = port or free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            service_command(app, port), env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
        url = f"http://127.0.0.1:{port}"
        try:
            try:
                # Generous: a restart on a loaded 2-core CI machine can take tens of seconds.
                wait_until_answering(f"{url}{ready_path}", timeout=STARTUP_SECONDS, process=process)
            except NotAnswering as exc:
                raise RuntimeError(f"{exc}:\n{log_path.read_text()[-3000:]}") from None
            yield RunningService(url, process)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)  # a frozen (SIGSTOP) one could not stop
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
