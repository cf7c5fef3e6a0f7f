"""`engageiq dev`: moto, both services and the edge, as one platform on loopback.

moto runs in this process, and this process saves its state under the state directory
(`engageiq.local.state`), so tenants, users, conversations and files survive a restart; the
services and the edge run as uvicorn subprocesses with the environment the Pulumi program
gives them in the cloud, plus the two local-only variables (moto's endpoint and JWKS). Each
service may run as several replicas (`--replicas N`, named `files-1`, `files-2`...), which the
edge takes in turn (engageiq/local/replicas.py). The platform watches those subprocesses and
restarts one that exits (`LocalPlatform.watch`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any, Final

from engageiq.local.aws import (
    LOCAL_CREDENTIALS,
    LOCAL_ENV,
    LocalAwsError,
    LocalAwsServer,
    LocalResources,
    add_missing_indexes,
    add_missing_tables,
    dead_letter_key,
    ensure_ports_free,
    ensure_queues,
    provision,
)
from engageiq.local.edge import EDGE_ORIGINS_ENV, EDGE_WEB_ROOT_ENV
from engageiq.local.paths import outputs_file, repo_root, starting_file
from engageiq.local.replicas import replica_name
from engageiq.local.seed import SeededUser, seed_demo
from engageiq.local.state import (
    IncompatibleState,
    SavedState,
    Snapshotter,
    load_backends,
    read_state,
    state_file,
)
from engageiq.local.web import WEB_AWS_ENDPOINT_ENV, WEB_CLIENT_CONFIG_ENV, web_client_config
from engageiq_tenancy.logs import uvicorn_log_config
from engageiq_tenancy.resources import BUCKETS, OUTPUT_KEYS, QUEUES, SERVICES, TABLES, EnvVars

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class DevPorts:
    edge: int = 8000
    aws: int = 4566
    chat: int = 0  # 0: any free port
    files: int = 0


LOG_RUNS_KEPT = 5
"""Each run's logs are kept: `<name>.log` is the current run, `<name>.1.log` the previous..."""
CRASH_WINDOW_SECONDS = 60.0
MAX_CRASHES_IN_WINDOW = 3
"""A process that exits this many times within the window is not restarted again."""


@dataclass
class RunningProcess:
    name: str
    """`chat`, `files` or `edge`; with several replicas, `chat-1`, `chat-2`..."""
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]
    url: str
    command: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    exits: list[float] = field(default_factory=list)
    """monotonic times of the unexpected exits seen by `LocalPlatform.watch`."""
    service: str | None = None
    """The service this process is a replica of (None: the edge)."""
    retired: bool = False
    """Left stopped by `LocalPlatform.watch` after exiting too often while another replica of
    its service still runs; the edge finds it refusing connections and skips it."""

    def log_tail(self, lines: int = 20) -> str:
        self.log_file.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


class PlatformFailed(RuntimeError):
    """A process keeps exiting and no replica of its service is left: the platform stops
    rather than restart it forever."""


MAX_REPLICAS: Final = 8
"""Each replica is a whole service process (about 150 MB here): more would not fit a laptop."""


def rotate_logs(logs_dir: Path, names: list[str], keep: int = LOG_RUNS_KEPT) -> None:
    """Shift `<name>.log` to `<name>.1.log` (and so on), keeping the last `keep` runs."""
    for name in names:
        logs_dir.joinpath(f"{name}.{keep}.log").unlink(missing_ok=True)
        for n in range(keep - 1, 0, -1):
            older = logs_dir / f"{name}.{n}.log"
            if older.exists():
                older.rename(logs_dir / f"{name}.{n + 1}.log")
        current = logs_dir / f"{name}.log"
        if current.exists():
            current.rename(logs_dir / f"{name}.1.log")


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
    write their own JSON access lines, so uvicorn's are off; pass `--log-config` in `extra`
    to make uvicorn's own lines JSON too."""
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
    env |= {q.env_var: resources.queues[q.logical_name] for q in QUEUES}
    env |= {q.dead_letter_env_var: resources.queues[dead_letter_key(q)] for q in QUEUES}
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
    outputs |= {q.output_key: resources.queues[q.logical_name] for q in QUEUES}
    outputs |= {q.dead_letter_output_key: resources.queues[dead_letter_key(q)] for q in QUEUES}
    return outputs


def _popen(command: list[str], env: dict[str, str], log_file: IO[bytes]) -> subprocess.Popen[bytes]:
    """Start `command` so that it ends when this process ends, even by SIGKILL (child.py)."""
    guarded = [sys.executable, "-m", "engageiq.local.child", str(os.getpid()), "--", *command]
    return subprocess.Popen(  # our own argv
        guarded,
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
        # Its own process group: Ctrl-C reaches us once, and we stop the children in order.
        start_new_session=True,
    )


def _platform_facts(resources: LocalResources, demo: SeededUser) -> dict[str, Any]:
    """What the saved state needs besides moto's backends (ids moto generated, the demo
    user's password): stored in its header, read back by `_restore_facts`."""
    return {
        "userPoolId": resources.user_pool_id,
        "userPoolClientId": resources.user_pool_client_id,
        "region": resources.region,
        "tables": resources.tables,
        "buckets": resources.buckets,
        "demo": {"tenantId": demo.tenant_id, "username": demo.username, "password": demo.password},
    }


def _restore_facts(saved: SavedState, endpoint_url: str) -> tuple[LocalResources, SeededUser]:
    facts = saved.platform
    expected_tables = {t.logical_name: t.physical_name(LOCAL_ENV) for t in TABLES}
    expected_buckets = {b.logical_name: b.physical_name(LOCAL_ENV) for b in BUCKETS}
    saved_tables: dict[str, str] = facts.get("tables", {})
    # A state saved before a table was added is fine: `add_missing_tables` creates it.
    same_tables = saved_tables.items() <= expected_tables.items()
    if not same_tables or facts.get("buckets") != expected_buckets:
        raise IncompatibleState(
            "The saved local state has other tables or buckets than this version's resource "
            f"spec (saved: {sorted(facts.get('tables', {}).values())})."
        )
    resources = LocalResources(
        endpoint_url=endpoint_url,
        region=facts["region"],
        user_pool_id=facts["userPoolId"],
        user_pool_client_id=facts["userPoolClientId"],
        tables=expected_tables,
        buckets=expected_buckets,
    )
    demo = facts["demo"]
    return resources, SeededUser(demo["tenantId"], demo["username"], demo["password"])


def set_aside_state(state_dir: Path) -> Path | None:
    """`--fresh`: move the saved state to `aws-state.bin.previous` (one kept, in case)."""
    path = state_file(state_dir)
    if not path.exists():
        return None
    previous = path.with_name(path.name + ".previous")
    path.replace(previous)
    return previous


@dataclass
class LocalPlatform:
    state_dir: Path
    ports: DevPorts = field(default_factory=DevPorts)
    processes: list[RunningProcess] = field(default_factory=list)
    aws: LocalAwsServer | None = None
    # Only the run that wrote outputs.json removes it: a second `engageiq dev` that fails to
    # start must not take the running one's outputs with it.
    wrote_outputs: bool = False
    fresh: bool = False
    """Start empty: the saved state is moved aside (`set_aside_state`), not loaded."""
    persist: bool = True
    """Save moto's state under state_dir (False: in memory only, as tests may want)."""
    report: Callable[[str], None] = print
    """Where the platform tells the person running it what happened (exits, restarts)."""
    replicas: int = 1
    """Processes per service, 1 to MAX_REPLICAS, behind the edge's round-robin."""
    snapshotter: Snapshotter | None = None
    restored: bool = False
    """True when this run loaded the saved state instead of provisioning a new one."""
    outputs: dict[str, str] = field(default_factory=dict)
    """The stack's outputs with local values, once started (`build_outputs`)."""

    def start(self) -> dict[str, str]:
        """Bring everything up; returns the outputs (also written to outputs.json).

        Raises LocalAwsError (port taken, another run on this state, a process not ready, or
        a saved state this version cannot load, with the `--fresh` advice)."""
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise LocalAwsError(
                f"--replicas must be between 1 and {MAX_REPLICAS} (each replica is a whole "
                f"service process); {self.replicas} was given."
            )
        ensure_ports_free(
            HOST,
            {
                self.ports.edge: "the web entry point (edge)",
                self.ports.aws: "the local AWS endpoint (moto)",
                self.ports.chat: "the chat service",
                self.ports.files: "the files service",
            },
            requested=f"--port {self.ports.edge} --aws-port {self.ports.aws}",
        )
        self._refuse_if_running()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        starting_file(self.state_dir).write_text(f"{os.getpid()}\n")
        logs_dir = self.state_dir / "logs"
        logs_dir.mkdir(exist_ok=True)
        rotate_logs(logs_dir, [*self._process_names(), "edge"])
        outputs_file(self.state_dir).unlink(missing_ok=True)  # stale: its platform is gone

        saved = self._saved_state()
        self.aws = LocalAwsServer(self.ports.aws)
        if saved is not None:
            self._load(saved)
        self.aws.start()
        if saved is not None:
            try:
                resources, demo = _restore_facts(saved, self.aws.endpoint_url)
            except IncompatibleState as exc:
                raise self._incompatible(exc) from None
            add_missing_tables(self.aws.endpoint_url)
            add_missing_indexes(self.aws.endpoint_url)
            # Queue URLs carry this run's port; a state saved before the queue gets it now.
            resources = replace(resources, queues=ensure_queues(self.aws.endpoint_url))
            self.restored = True
        else:
            resources = provision(self.aws.endpoint_url)
            demo = seed_demo(resources)
        if self.persist:
            self.snapshotter = Snapshotter(
                state_file(self.state_dir),
                self.aws.gate,
                self.aws.changes,
                _platform_facts(resources, demo),
                on_error=self.report,
            )
            # A new state is saved at once, so even a SIGKILL right after start keeps it.
            self.snapshotter.save_if_changed()
            self.snapshotter.start()

        env = service_environment(resources)
        origins: dict[str, list[str]] = {}
        for service in SERVICES:
            origins[service] = []
            for index in range(self.replicas):
                # A port given in DevPorts is the first replica's; the others take free ones.
                port = (getattr(self.ports, service) if index == 0 else 0) or free_port()
                origins[service].append(f"http://{HOST}:{port}")
                self._spawn(
                    replica_name(service, index, self.replicas),
                    f"engageiq_{service}.app:create_app",
                    port,
                    env,
                    service=service,
                )
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

        self.outputs = build_outputs(resources, web_url, demo)
        self._write_outputs()
        return self.outputs

    def _process_names(self) -> list[str]:
        return [replica_name(s, n, self.replicas) for s in SERVICES for n in range(self.replicas)]

    def _write_outputs(self) -> None:
        """outputs.json: the stack's outputs, and `localProcesses` (each process's name,
        service, url and pid; rewritten when a process is restarted, as its pid changes)."""
        path = outputs_file(self.state_dir)
        processes: dict[str, dict[str, Any]] = {
            "engageiq-dev": {"pid": os.getpid(), "runs": "moto and the process watch"}
        }
        for running in self.processes:
            processes[running.name] = {
                "service": running.service,
                "url": running.url.removesuffix("/health").rstrip("/"),
                "pid": None if running.retired else running.process.pid,
                "log": str(running.log_path),
            }
        written = path.with_name(path.name + ".new")
        written.write_text(
            json.dumps({**self.outputs, "localProcesses": processes}, indent=2) + "\n"
        )
        written.chmod(0o600)  # it holds the demo password
        written.replace(path)  # a reader never sees half a file
        self.wrote_outputs = True
        starting_file(self.state_dir).unlink(missing_ok=True)

    def _saved_state(self) -> SavedState | None:
        if not self.persist:
            return None
        if self.fresh:
            set_aside_state(self.state_dir)
            return None
        try:
            return read_state(state_file(self.state_dir))
        except IncompatibleState as exc:
            raise self._incompatible(exc) from None

    def _load(self, saved: SavedState) -> None:
        try:
            load_backends(saved)
        except IncompatibleState as exc:
            raise self._incompatible(exc) from None

    def _incompatible(self, exc: IncompatibleState) -> LocalAwsError:
        return LocalAwsError(
            f"{exc} Nothing was changed. To start empty, run `./scripts/dev --fresh` (the old "
            f"state is kept as {state_file(self.state_dir)}.previous); to use it, run the "
            "version that wrote it and export its tenants (`engageiq tenants export`)."
        )

    def _spawn(
        self, name: str, app: str, port: int, env: dict[str, str], service: str | None = None
    ) -> None:
        log_path = self.state_dir / "logs" / f"{name}.log"
        log_config = self.state_dir / "logs" / f".{name}-logging.json"
        log_config.write_text(json.dumps(uvicorn_log_config(name)))
        command = service_command(app, port, "--log-config", str(log_config))
        full_env = {**os.environ, **env}
        path = "/" if name == "edge" else "/health"
        log_file = log_path.open("ab")
        self.processes.append(
            RunningProcess(
                name,
                _popen(command, full_env, log_file),
                log_path,
                log_file,
                f"http://{HOST}:{port}{path}",
                command,
                full_env,
                service=service,
            )
        )

    def watch(self) -> None:
        """Check each process once: report one that exited (with its last log lines) and
        start it again. One that exited MAX_CRASHES_IN_WINDOW times within
        CRASH_WINDOW_SECONDS is left stopped if another replica of its service still runs
        (reported; the edge skips it), else PlatformFailed is raised. Called about twice a
        second by `engageiq dev` (decision 0081)."""
        for running in self.processes:
            if running.retired:
                continue
            code = running.process.poll()
            if code is None:
                continue
            now = time.monotonic()
            running.exits = [t for t in running.exits if now - t < CRASH_WINDOW_SECONDS] + [now]
            tail = running.log_tail(10)
            running.log_file.close()
            if len(running.exits) >= MAX_CRASHES_IN_WINDOW:
                serving = self._other_live_replicas(running)
                if serving:
                    running.retired = True
                    self.report(
                        f"The {running.name} process exited {len(running.exits)} times within "
                        f"{CRASH_WINDOW_SECONDS:.0f} s (last exit code {code}); it is left "
                        f"stopped and out of rotation, {', '.join(serving)} still serving. "
                        f"Restart `engageiq dev` to run it again. Its log is "
                        f"{running.log_path}; the last lines:\n{tail}"
                    )
                    self._write_outputs_if_written()
                    continue
                raise PlatformFailed(
                    f"The {running.name} process exited {len(running.exits)} times within "
                    f"{CRASH_WINDOW_SECONDS:.0f} s (last exit code {code}); stopping the "
                    f"platform. Its log is {running.log_path}; the last lines:\n{tail}"
                )
            self.report(
                f"The {running.name} process exited with code {code}; restarting it. "
                f"Last lines of {running.log_path}:\n{tail}"
            )
            log_file = running.log_path.open("ab")
            running.process = _popen(running.command, running.env, log_file)
            running.log_file = log_file
            self._write_outputs_if_written()

    def _other_live_replicas(self, running: RunningProcess) -> list[str]:
        """The names of the other replicas of `running`'s service that are still in use."""
        if running.service is None:
            return []
        return [
            other.name
            for other in self.processes
            if other is not running and other.service == running.service and not other.retired
        ]

    def _write_outputs_if_written(self) -> None:
        if self.wrote_outputs:
            self._write_outputs()

    def _wait_until_ready(self, timeout: float = 60.0) -> None:
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
        """Stop the processes, then moto after a last save of its state."""
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
        if self.snapshotter is not None:
            try:
                self.snapshotter.stop()
            except Exception as exc:  # still stop moto; say what was lost
                self.report(f"The last save of the local state failed: {exc!r}")
            self.snapshotter = None
        if self.aws is not None:
            self.aws.stop()
            self.aws = None
        if self.wrote_outputs:
            outputs_file(self.state_dir).unlink(missing_ok=True)
            self.wrote_outputs = False
        if _starting_pid(self.state_dir) == os.getpid():
            starting_file(self.state_dir).unlink(missing_ok=True)  # a start that failed

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


STARTING_WAIT_SECONDS: Final = 180.0
"""How long a reader of the outputs waits for a platform that is still starting."""


def read_outputs(state_dir: Path, wait_seconds: float = STARTING_WAIT_SECONDS) -> dict[str, Any]:
    """The running local platform's outputs.json. While an `engageiq dev` on `state_dir` is
    still starting (its services answer before it writes the outputs), waits for them, up
    to `wait_seconds`. Raises LocalAwsError if no platform is running or starting there."""
    path = outputs_file(state_dir)
    deadline = time.monotonic() + wait_seconds
    while not path.is_file():
        starting = _starting_pid(state_dir)
        if starting is None or not _alive(starting) or time.monotonic() > deadline:
            raise LocalAwsError(
                f"No local platform is running ({path} does not exist). Start it with "
                "`./scripts/dev`; if it runs with another state directory, name it with "
                "--state-dir or ENGAGEIQ_STATE_DIR."
            )
        time.sleep(0.2)
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _starting_pid(state_dir: Path) -> int | None:
    try:
        return int(starting_file(state_dir).read_text())
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True
