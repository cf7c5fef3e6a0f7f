"""`engageiq dev`: moto, both services and the edge, as one platform on loopback.

moto runs in this process (so its state lives exactly as long as the command); the services
and the edge run as uvicorn subprocesses with the environment the Pulumi program gives them in
the cloud, plus the two local-only variables (moto's endpoint and JWKS)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from engageiq.local.aws import (
    LOCAL_CREDENTIALS,
    LOCAL_ENV,
    LocalAwsError,
    LocalAwsServer,
    LocalResources,
    ensure_port_free,
    provision,
)
from engageiq.local.edge import EDGE_ORIGINS_ENV, EDGE_WEB_ROOT_ENV
from engageiq.local.paths import outputs_file, repo_root
from engageiq.local.seed import SeededUser, seed_demo
from engageiq.local.web import WEB_AWS_ENDPOINT_ENV, WEB_CLIENT_CONFIG_ENV, web_client_config
from engageiq_tenancy.resources import BUCKETS, OUTPUT_KEYS, SERVICES, TABLES, EnvVars

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class DevPorts:
    edge: int = 8000
    aws: int = 4566
    chat: int = 0  # 0: any free port
    files: int = 0


@dataclass
class RunningProcess:
    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    url: str

    def log_tail(self, lines: int = 20) -> str:
        self.log_file.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


class NotAnswering(RuntimeError):
    """A local server did not answer in time, or its process exited first."""


def wait_until_answering(
    url: str, timeout: float = 30.0, process: subprocess.Popen[Any] | None = None
) -> None:
    """Poll `url` until it answers, or raise NotAnswering (timeout, or `process` exited)."""
    deadline = time.monotonic() + timeout
    while True:
        if process is not None and process.poll() is not None:
            raise NotAnswering(f"the process serving {url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback URLs only
                return
        except OSError:
            if time.monotonic() > deadline:
                raise NotAnswering(f"{url} did not answer within {timeout:.0f} s") from None
            time.sleep(0.1)


def service_command(app: str, port: int, *extra: str) -> list[str]:
    """How every local process serves an app: uvicorn, one worker, on loopback. The services
    write their own JSON access lines, so uvicorn's are off."""
    return [
        sys.executable, "-m", "uvicorn", app, "--factory", "--host", HOST, "--port", str(port),
        "--no-access-log", "--timeout-graceful-shutdown", "5", *extra,
    ]  # fmt: skip


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def service_environment(resources: LocalResources) -> dict[str, str]:
    """What the Pulumi program sets on each cloud service, with local values."""
    env = {
        EnvVars.ENV: LOCAL_ENV,
        EnvVars.REGION: resources.region,
        EnvVars.USER_POOL_ID: resources.user_pool_id,
        EnvVars.USER_POOL_CLIENT_ID: resources.user_pool_client_id,
        # Local only (ServiceSettings refuses both outside ENGAGEIQ_ENV=local):
        EnvVars.AWS_ENDPOINT_URL: resources.endpoint_url,
        EnvVars.LOCAL_JWKS_URL: resources.jwks_url,
        "AWS_ACCESS_KEY_ID": LOCAL_CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": LOCAL_CREDENTIALS["aws_secret_access_key"],
    }
    env |= {t.env_var: resources.tables[t.logical_name] for t in TABLES}
    env |= {b.env_var: resources.buckets[b.logical_name] for b in BUCKETS}
    return env


def build_outputs(resources: LocalResources, web_url: str, demo: SeededUser) -> dict[str, str]:
    k = OUTPUT_KEYS
    outputs = {
        k.web_url: web_url,
        k.api_url: f"{web_url}/api",
        k.region: resources.region,
        k.user_pool_id: resources.user_pool_id,
        k.user_pool_client_id: resources.user_pool_client_id,
        k.aws_endpoint_url: resources.endpoint_url,
        k.demo_tenant_id: demo.tenant_id,
        k.demo_username: demo.username,
        k.demo_password: demo.password,
    }
    outputs |= {k.tables[name]: physical for name, physical in resources.tables.items()}
    outputs |= {k.buckets[name]: physical for name, physical in resources.buckets.items()}
    return outputs


@dataclass
class LocalPlatform:
    state_dir: Path
    ports: DevPorts = field(default_factory=DevPorts)
    processes: list[RunningProcess] = field(default_factory=list)
    aws: LocalAwsServer | None = None
    # Only the run that wrote outputs.json removes it: a second `engageiq dev` that fails to
    # start must not take the running one's outputs with it.
    wrote_outputs: bool = False

    def start(self) -> dict[str, str]:
        """Bring everything up; returns the outputs (also written to outputs.json)."""
        for port, what in (
            (self.ports.edge, "the web entry point (edge)"),
            (self.ports.aws, "the local AWS endpoint (moto)"),
            (self.ports.chat, "the chat service"),
            (self.ports.files, "the files service"),
        ):
            if port:
                ensure_port_free(HOST, port, what=what)
        self._refuse_if_running()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "logs").mkdir(exist_ok=True)
        outputs_file(self.state_dir).unlink(missing_ok=True)  # stale: its platform is gone

        self.aws = LocalAwsServer(self.ports.aws)
        self.aws.start()
        resources = provision(self.aws.endpoint_url)
        demo = seed_demo(resources)

        env = service_environment(resources)
        origins: dict[str, str] = {}
        for service in SERVICES:
            port = getattr(self.ports, service) or free_port()
            origins[service] = f"http://{HOST}:{port}"
            self._spawn(service, f"engageiq_{service}.app:create_app", port, env)
        web_url = f"http://{HOST}:{self.ports.edge}"
        self._spawn(
            "edge",
            "engageiq.local.edge:create_app",
            self.ports.edge,
            {
                EDGE_ORIGINS_ENV: json.dumps(origins),
                EDGE_WEB_ROOT_ENV: str(repo_root() / "web" / "dist"),
                WEB_CLIENT_CONFIG_ENV: json.dumps(web_client_config(resources)),
                WEB_AWS_ENDPOINT_ENV: resources.endpoint_url,
            },
        )
        self._wait_until_ready()

        outputs = build_outputs(resources, web_url, demo)
        path = outputs_file(self.state_dir)
        path.write_text(json.dumps(outputs, indent=2) + "\n")
        self.wrote_outputs = True
        path.chmod(0o600)  # it holds the demo password
        return outputs

    def _spawn(self, name: str, app: str, port: int, env: dict[str, str]) -> None:
        log_path = self.state_dir / "logs" / f"{name}.log"
        log_file = log_path.open("wb")
        process = subprocess.Popen(
            service_command(app, port),
            env={**os.environ, **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches us once, and we stop the children in order.
            start_new_session=True,
        )
        path = "/" if name == "edge" else "/health"
        self.processes.append(
            RunningProcess(name, process, log_path, log_file, f"http://{HOST}:{port}{path}")
        )

    def _wait_until_ready(self, timeout: float = 30.0) -> None:
        # The processes start together; waiting for each in turn costs nothing extra.
        deadline = time.monotonic() + timeout
        for running in self.processes:
            try:
                wait_until_answering(
                    running.url, max(0.1, deadline - time.monotonic()), running.process
                )
            except NotAnswering as exc:
                raise LocalAwsError(
                    f"The {running.name} process is not ready: {exc} "
                    f"(log: {running.log_path}):\n{running.log_tail()}"
                ) from None

    def stop(self) -> None:
        for running in reversed(self.processes):
            if running.process.poll() is None:
                running.process.send_signal(signal.SIGTERM)
        for running in self.processes:
            try:
                running.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                running.process.kill()
                running.process.wait()
            running.log_file.close()
        self.processes.clear()
        if self.aws is not None:
            self.aws.stop()
            self.aws = None
        if self.wrote_outputs:
            outputs_file(self.state_dir).unlink(missing_ok=True)
            self.wrote_outputs = False

    def _refuse_if_running(self) -> None:
        path = outputs_file(self.state_dir)
        if not path.is_file():
            return
        web_url = json.loads(path.read_text()).get("webUrl", "")
        try:
            wait_until_answering(web_url, timeout=0)
        except (NotAnswering, ValueError):
            return
        raise LocalAwsError(
            f"Another `engageiq dev` is running at {web_url} with the state in {self.state_dir}. "
            "Stop it first (Ctrl-C in its terminal), or give this one its own --state-dir."
        )


@contextmanager
def running_platform(state_dir: Path, ports: DevPorts) -> Iterator[dict[str, str]]:
    platform = LocalPlatform(state_dir, ports)
    try:
        yield platform.start()
    finally:
        platform.stop()


def read_outputs(state_dir: Path) -> dict[str, Any]:
    path = outputs_file(state_dir)
    if not path.is_file():
        raise LocalAwsError(
            f"No local platform is running ({path} does not exist). Start it with `engageiq dev`."
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data
