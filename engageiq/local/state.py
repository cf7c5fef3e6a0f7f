"""The local AWS endpoint's state on disk, so that the local platform survives a restart.

moto keeps everything in memory and has no database (its recorder replays requests, which
does not scale and breaks on ids it generates). So the process that runs moto saves a
snapshot of moto's backends - every table, object, user pool and user - to
`<state dir>/aws-state.bin`:

- periodically (every `SNAPSHOT_INTERVAL_SECONDS`), only when a request may have changed
  something since the last one, and once more at a clean stop;
- consistently: requests run under the shared side of a `RequestGate`, the snapshot under its
  exclusive side, so it never sees half a request;
- atomically: written to a temporary file, fsync'd, then renamed over the old one, so a
  SIGKILL at any moment leaves the previous complete snapshot.

File layout: one line of JSON (the header: format version, moto version, time, and the
platform's own facts such as resource names and the demo password), then a pickle of
`{service: {account: {region: backend}}}`. A snapshot written by another format or moto
release is refused before anything is unpickled (see `IncompatibleState`); `engageiq dev
--fresh` moves it aside and starts empty. Decision: docs/decisions/0060-local-state-on-disk.md."""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

log = logging.getLogger(__name__)

STATE_FORMAT: Final = 1
"""Bump when the header or the pickled layout changes; older snapshots are then refused."""
STATE_FILE: Final = "aws-state.bin"
SNAPSHOT_INTERVAL_SECONDS: Final = 2.0

# Requests that cannot change moto's state: they do not make a new snapshot necessary.
READ_ONLY_TARGETS: Final = frozenset(
    {
        "DynamoDB_20120810.GetItem",
        "DynamoDB_20120810.BatchGetItem",
        "DynamoDB_20120810.Query",
        "DynamoDB_20120810.Scan",
        "DynamoDB_20120810.TransactGetItems",
        "DynamoDB_20120810.DescribeTable",
        "DynamoDB_20120810.ListTables",
        "DynamoDB_20120810.DescribeTimeToLive",
        "AWSCognitoIdentityProviderService.AdminGetUser",
        "AWSCognitoIdentityProviderService.ListUsers",
        "AWSCognitoIdentityProviderService.ListGroups",
        "AWSCognitoIdentityProviderService.AdminListGroupsForUser",
        "AWSCognitoIdentityProviderService.DescribeUserPool",
        "AWSCognitoIdentityProviderService.DescribeUserPoolClient",
        "AmazonSQS.GetQueueUrl",
        "AmazonSQS.GetQueueAttributes",
        "AmazonSQS.ListQueues",
    }
)
SQS_RECEIVE_TARGET: Final = "AmazonSQS.ReceiveMessage"
LONG_POLL_STEP_SECONDS: Final = 0.2
"""How often a long poll looks at its queue again (`GatedApp` serves it as short polls)."""


class IncompatibleState(RuntimeError):
    """The saved state was written by another format or moto release, or is unreadable."""


def state_file(state_dir: Path) -> Path:
    return state_dir / STATE_FILE


def _moto_version() -> str:
    import moto

    return str(moto.__version__)


class RequestGate:
    """A readers-writer lock: any number of requests at once, or one snapshot alone.

    The writer is preferred: once a snapshot waits, new requests wait behind it, so a steady
    stream of requests cannot starve it."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writer_waiting = 0
        self._writing = False

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writer_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if self._readers == 0:
                    self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._condition:
            self._writer_waiting += 1
            while self._writing or self._readers:
                self._condition.wait()
            self._writer_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


class ChangeCounter:
    """How many possibly-mutating requests moto has served (monotonic)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def bump(self) -> None:
        with self._lock:
            self.value += 1


def is_read_only(environ: dict[str, Any]) -> bool:
    method = environ.get("REQUEST_METHOD", "GET")
    if method in ("GET", "HEAD", "OPTIONS"):
        return True
    return environ.get("HTTP_X_AMZ_TARGET") in READ_ONLY_TARGETS


class GatedApp:
    """WSGI middleware around moto's app: each request runs under the gate's shared side and
    marks a change unless it is read-only. The response body is produced inside the gate too
    (moto builds it in full before returning)."""

    def __init__(self, app: Callable[..., Any], gate: RequestGate, changes: ChangeCounter):
        self.app = app
        self.gate = gate
        self.changes = changes

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("HTTP_X_AMZ_TARGET") == SQS_RECEIVE_TARGET:
            return self._receive(environ, start_response)
        with self.gate.shared():
            if not is_read_only(environ):
                self.changes.bump()
            return self._run(environ, start_response)

    def _run(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        result = self.app(environ, start_response)
        try:
            return list(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _receive(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """An SQS long poll (`WaitTimeSeconds` up to 20 s) would hold the gate's shared side
        for its whole wait, and a snapshot - with every request queued behind it - would wait
        as long. So it is served as short polls under the gate, every LONG_POLL_STEP_SECONDS,
        sleeping outside it. Only a receive that returns messages counts as a change; one a
        snapshot misses just makes its message visible again after a restart, which SQS's
        at-least-once delivery allows anyway. The JSON protocol is the one botocore uses."""
        size = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(size) or b"{}")
        deadline = time.monotonic() + float(request.get("WaitTimeSeconds") or 0)
        body = json.dumps({**request, "WaitTimeSeconds": 0}).encode()
        started: list[Any] = []

        def capture(status: str, headers: Any, exc_info: Any = None) -> Callable[..., None]:
            started[:] = [status, headers, exc_info]
            return lambda data: None

        while True:
            short = {**environ, "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
            with self.gate.shared():
                payload = b"".join(self._run(short, capture))
                received = started[0].startswith("200") and bool(
                    json.loads(payload or b"{}").get("Messages")
                )
                if received:
                    self.changes.bump()
            if received or not started[0].startswith("200") or time.monotonic() >= deadline:
                start_response(*started)
                return [payload]
            time.sleep(LONG_POLL_STEP_SECONDS)


def _private_key_reducer() -> tuple[tuple[type, ...], Callable[[Any], Any]]:
    """moto holds `cryptography` keys (Cognito's published signing key, KMS keys), which do
    not pickle; they are stored as PKCS#8 PEM and loaded back."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    key_types: tuple[type, ...] = (
        rsa.RSAPrivateKey,
        ec.EllipticCurvePrivateKey,
        ed25519.Ed25519PrivateKey,
        ed448.Ed448PrivateKey,
    )

    def reduce(key: Any) -> Any:
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return (_load_private_key, (pem,))

    return key_types, reduce


def _load_private_key(pem: bytes) -> Any:
    """Unpickling side of `_private_key_reducer` (a module-level function, so pickle can
    name it; cryptography's own loader lives in a Rust module pickle cannot import)."""
    from cryptography.hazmat.primitives import serialization

    return serialization.load_pem_private_key(pem, None)


class _MotoPickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._key_types, self._reduce_key = _private_key_reducer()

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, self._key_types):
            return self._reduce_key(obj)
        if isinstance(obj, threading.Condition):
            # moto's SQS queues wake long polls with one; it holds no state worth keeping
            # (no request waits on it across a restart), so a new one is made on load.
            return (threading.Condition, ())
        return NotImplemented


def _backend_dicts() -> Iterable[Any]:
    from moto.core.base_backend import BackendDict

    return list(BackendDict._instances)  # type: ignore[misc]


def capture_backends() -> bytes:
    """Pickle every moto backend in use. Call it with the gate held exclusively."""
    state = {
        backends.service_name: {account: dict(regional) for account, regional in backends.items()}
        for backends in _backend_dicts()
    }
    buffer = io.BytesIO()
    _MotoPickler(buffer).dump(state)
    return buffer.getvalue()


def install_backends(state: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Put unpickled backends in place of moto's (before its server answers anything)."""
    from moto import backends

    for service, accounts in state.items():
        backend_dict = backends.get_backend(service)  # type: ignore[call-overload]
        for account, regions in accounts.items():
            for region, backend in regions.items():
                backend_dict[account][region] = backend


@dataclass(frozen=True, slots=True)
class SavedState:
    header: dict[str, Any]
    """Includes "platform": what the caller stored with `save` (resource names, demo user)."""
    backends: bytes

    @property
    def platform(self) -> dict[str, Any]:
        value: dict[str, Any] = self.header.get("platform", {})
        return value


def write_state(path: Path, platform: dict[str, Any], backends: bytes) -> None:
    """Atomically replace `path`: temporary file in the same folder, fsync, rename."""
    header = {
        "format": STATE_FORMAT,
        "moto": _moto_version(),
        "writtenAt": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform,
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("wb") as out:
        os.fchmod(out.fileno(), 0o600)  # it holds the demo password and every tenant's data
        out.write(json.dumps(header).encode() + b"\n")
        out.write(backends)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)


def read_state(path: Path) -> SavedState | None:
    """The saved state, or None when there is none. Raises IncompatibleState for a file this
    version cannot load, without unpickling anything from it."""
    if not path.is_file():
        return None
    with path.open("rb") as source:
        first_line = source.readline()
        try:
            header: dict[str, Any] = json.loads(first_line)
        except ValueError:
            raise IncompatibleState(
                f"The saved local state {path} is not readable (no header)."
            ) from None
        found = (header.get("format"), header.get("moto"))
        expected = (STATE_FORMAT, _moto_version())
        if found != expected:
            raise IncompatibleState(
                f"The saved local state {path} was written by format {found[0]} with moto "
                f"{found[1]}; this version uses format {expected[0]} with moto {expected[1]} "
                "and cannot load it safely."
            )
        return SavedState(header, source.read())


def load_backends(saved: SavedState) -> None:
    try:
        state = pickle.loads(saved.backends)  # noqa: S301 - our own file, mode 0600
    except Exception as exc:  # any unpickling failure means the same thing
        raise IncompatibleState(f"The saved local state could not be loaded: {exc!r}") from exc
    install_backends(state)


class Snapshotter:
    """Saves moto's backends every `interval` seconds when something changed, in a daemon
    thread of the process that runs moto. `platform` is stored in the header each time."""

    def __init__(
        self,
        path: Path,
        gate: RequestGate,
        changes: ChangeCounter,
        platform: dict[str, Any],
        interval: float = SNAPSHOT_INTERVAL_SECONDS,
        on_error: Callable[[str], None] = log.error,
    ) -> None:
        self.path = path
        self.gate = gate
        self.changes = changes
        self.platform = platform
        self.interval = interval
        self.on_error = on_error
        self._saved_at_change = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()
        self.snapshots_written = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="moto-snapshot", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.save_if_changed()
            except Exception as exc:  # report and keep the platform running
                self.on_error(f"Could not save the local state to {self.path}: {exc!r}")

    def save_if_changed(self) -> bool:
        """Save if anything may have changed since the last save; True if it saved.

        The pickling of a large state takes seconds (about 1.5 s for 20,000 messages), and
        moto must not change meanwhile. So, where the OS can fork, the state is frozen by
        forking a child under the exclusive gate (requests wait only for the fork, a few ms)
        and the child pickles and writes its copy-on-write view, as Redis' BGSAVE does."""
        with self._write_lock:
            if self.changes.value == self._saved_at_change:
                return False
            if hasattr(os, "fork"):
                seen = self._save_in_child()
            else:  # pragma: no cover - not Linux
                with self.gate.exclusive():
                    seen = self.changes.value
                    data = capture_backends()
                write_state(self.path, self.platform, data)
            self._saved_at_change = seen
            self.snapshots_written += 1
            return True

    def _save_in_child(self) -> int:
        with self.gate.exclusive():
            seen = self.changes.value
            pid = os.fork()
            if pid == 0:  # the child: nothing of moto changes here; write and leave at once
                code = 1
                try:
                    write_state(self.path, self.platform, capture_backends())
                    code = 0
                except BaseException:
                    traceback.print_exc()
                finally:
                    os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code != 0:
            raise RuntimeError(f"the snapshot process exited with {code}")
        return seen

    def stop(self) -> None:
        """Stop the thread and save a last time (a clean stop loses nothing)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.save_if_changed()
