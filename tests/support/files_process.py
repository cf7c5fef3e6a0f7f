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
from engageiq.local.platform import service_environment
from tests.support.service_process import FILES_APP, service_process


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
    with service_process(FILES_APP, env, log_path) as running:
        yield FilesInstance(name, running.url, running.process, log_path)


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
