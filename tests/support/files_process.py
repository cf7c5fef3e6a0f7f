"""The files service as real uvicorn processes (several instances against one moto), for the
many-instances tests: only real processes can be killed in the middle of a job."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engageiq.local.aws import LocalResources
from engageiq.local.platform import (
    NotAnswering,
    free_port,
    service_command,
    service_environment,
    wait_until_answering,
)

HOST = "127.0.0.1"


def files_environment(resources: LocalResources, **extra: str) -> dict[str, str]:
    """What `engageiq dev` gives the files service, plus `extra` (e.g. a short visibility
    timeout) and unbuffered output, so a killed instance's log is complete up to its death."""
    return {
        **os.environ,
        **service_environment(resources),
        "PYTHONUNBUFFERED": "1",
        "ENGAGEIQ_LOG_LEVEL": "INFO",
        **extra,
    }


@dataclass
class FilesInstance:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def events(self, name: str) -> list[dict[str, Any]]:
        """This instance's JSON log lines whose `msg` is `name`, oldest first."""
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("msg") == name:
                found.append(entry)
        return found

    def job_in_hand(self) -> str | None:
        """The file id of the job this instance started and has not finished, if any."""
        done = {e["file_id"] for e in self.events("ingestion_job_done")}
        started = [e["file_id"] for e in self.events("ingestion_job_started")]
        open_jobs = [f for f in started if f not in done]
        return open_jobs[-1] if open_jobs else None

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        """kill -9: no shutdown, no cleanup, messages in hand are never deleted."""
        self.process.kill()
        self.process.wait()


@contextmanager
def files_instance(name: str, env: Mapping[str, str], log_path: Path) -> Iterator[FilesInstance]:
    port = free_port()
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            service_command("engageiq_files.app:create_app", port),
            env=dict(env),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://{HOST}:{port}"
        try:
            try:
                wait_until_answering(f"{url}/health", process=process)
            except NotAnswering as exc:
                raise RuntimeError(f"{exc}:\n{log_path.read_text()[-3000:]}") from None
            yield FilesInstance(name, url, process, log_path)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)  # a frozen one could not stop
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextmanager
def files_instances(
    count: int, env: Mapping[str, str], logs: Path
) -> Iterator[list[FilesInstance]]:
    """`count` files instances sharing one moto, queue and table, started together."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(files_instance(f"files-{n}", env, logs / f"files-{n}.log"))
            for n in range(count)
        ]
