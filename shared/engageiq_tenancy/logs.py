"""Structured JSON logs. Every line carries `request_id`, and `tenant_id`/`user_id` once the
caller is verified (bound as contextvars by the middlewares)."""

from __future__ import annotations

import asyncio
import atexit
import logging
import sys
import time
from typing import Any, BinaryIO, Final

import orjson
import structlog
import structlog.tracebacks
from structlog.typing import EventDict, WrappedLogger


def configure_logging(service: str, level: str = "INFO") -> None:
    """structlog for our own lines, and the same JSON for every standard-library logger
    (uvicorn, botocore, httpx...): one JSON object per line on stdout, nothing else."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(json_formatter(service))
    logging.basicConfig(handlers=[handler], level=level, force=True)
    # uvicorn installs its own plain-text handlers when no --log-config is given.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    silence_uvicorn_access()
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)

    def add_service(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    # One writer per process, set where logging is configured.
    global _access_log
    at_info = logging.getLevelName(level) <= logging.INFO
    if _access_log is not None:
        _access_log.flush()  # configured again (tests): what the old writer holds goes out
    _access_log = AccessLog(service, sys.stdout.buffer) if at_info else None
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_service,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Tracebacks without local variables: locals hold bearer tokens and request bodies.
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.EventRenamer("msg"),
            # orjson and a bytes logger: a log line costs a third of stdlib json's.
            structlog.processors.JSONRenderer(serializer=orjson.dumps),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.BytesLoggerFactory(sys.stdout.buffer),
        cache_logger_on_first_use=True,
    )


class AccessLog:
    """The one line per API request (`msg: "request"`), written without structlog's processor
    chain: the same JSON fields as a structlog line with the request's bound ids, at a third of
    the cost (bench/auth_overhead.py: the chain was ~25 us of an authenticated request's ~90 us
    of its own; docs/decisions/0101). Only this fixed-shape line takes the short cut.

    Lines are held here and written together, in one `write` system call, once the event-loop
    pass that produced them is done (decision 0127). The buffer must be ours: the images run
    with `PYTHONUNBUFFERED=1`, which makes `sys.stdout.buffer` write every line through at once,
    so relying on its buffer cost one system call per request. Lines still held at exit are
    written by `flush` from this module's `atexit` hook."""

    def __init__(self, service: str, stream: BinaryIO) -> None:
        self._service = service
        self._stream = stream
        self._held: list[bytes] = []
        self._flush_due_on: asyncio.AbstractEventLoop | None = None

    def write(
        self,
        method: str,
        path: str,
        status: int,
        duration_ms: float,
        request_id: str,
        caller: tuple[str, str] | None,
        /,
    ) -> None:
        """Hold one access line; `caller` is `(tenant_id, user_id)` once a token verified.
        (Positional: this runs on every request, and keywords cost more to pass.)"""
        line: dict[str, Any] = {
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "request_id": request_id,
        }
        if caller is not None:
            line["tenant_id"], line["user_id"] = caller
        line["service"] = self._service
        line["level"] = "info"
        line["timestamp"] = _utc_timestamp(time.time())
        line["msg"] = "request"
        self._held.append(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()  # no event loop (a script, a test): at once
            return
        # Compared by loop, not by "lines are held": a loop stopped before the pass that was
        # to flush never runs it, and the lines would then wait for the process to exit.
        if loop is self._flush_due_on:
            return  # a flush is already due at the end of this pass
        self._flush_due_on = loop
        loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write the held lines (whole lines, in order) in one call. Safe to call at any time."""
        self._flush_due_on = None
        if not self._held:
            return
        # Swapped, not cleared after the join: a line held meanwhile waits for the next flush.
        held, self._held = self._held, []
        try:
            self._stream.write(b"".join(held))
            self._stream.flush()
        except (OSError, ValueError):
            # stdout closed or gone (the process is ending): a log line is not worth a crash.
            pass


_second: tuple[int, str] = (0, "")
"""The last whole second formatted (`_utc_timestamp`): requests of one second share it."""


def _utc_timestamp(moment: float) -> str:
    """structlog's `TimeStamper(fmt="iso", utc=True)` form: 2026-12-06T01:05:51.270392Z."""
    global _second
    whole = int(moment)
    if _second[0] != whole:
        # strftime and gmtime once a second, not on every access line (decision 0124).
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{_second[1]}.{int((moment - whole) * 1_000_000):06d}Z"


_access_log: AccessLog | None = None


@atexit.register
def _flush_access_log() -> None:
    # A clean exit (uvicorn's shutdown, SIGTERM) writes the lines of the last event-loop pass;
    # the loop may be closed before its scheduled flush runs.
    if _access_log is not None:
        _access_log.flush()


def access_log() -> AccessLog | None:
    """The access-line writer, or None when INFO lines are off or logging is not configured
    (then the caller logs through structlog, which decides)."""
    return _access_log


def _foreign_chain(service: str) -> list[Any]:
    """What a standard-library record (uvicorn, botocore, httpx...) goes through before it is
    rendered: the same fields as our own lines, plus the logger's name."""

    def add_service(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return [
        structlog.contextvars.merge_contextvars,
        add_service,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.stdlib.ExtraAdder(),
    ]


def json_formatter(service: str = "engageiq") -> logging.Formatter:
    """A logging.Formatter writing each standard-library record as one JSON object per line,
    with the fields our structlog lines have (`msg`, `level`, `timestamp`, `service`) and
    `logger`. Used by `configure_logging` and, by name, in `uvicorn_log_config`."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_foreign_chain(service),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            # Drop uvicorn's ANSI-coloured duplicate of the message.
            _drop_keys("color_message"),
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            structlog.processors.EventRenamer("msg"),
            structlog.processors.JSONRenderer(),
        ],
    )


def _drop_keys(*keys: str) -> Any:
    def drop(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
        for key in keys:
            event.pop(key, None)
        return event

    return drop


def silence_uvicorn_access() -> None:
    """Drop uvicorn's own access line, whatever uvicorn was started with: the services write
    theirs (`AccessLog`, with the request's ids), and uvicorn's holds the raw path and query,
    a shared link's token and a user's search words included (decision 0113)."""
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    access.disabled = True


# Loggers that are chatty at INFO and say nothing the services' own lines do not.
QUIET_LOGGERS: Final = ("botocore", "boto3", "urllib3", "httpx", "httpcore")


def uvicorn_log_config(service: str, level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for `uvicorn --log-config`: every record, uvicorn's own
    included and from before the app is loaded, as JSON lines on stdout."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "engageiq_tenancy.logs.json_formatter", "service": service}},
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            # Never shown: see `silence_uvicorn_access`.
            "uvicorn.access": {"handlers": [], "propagate": False},
            **{name: {"level": "WARNING"} for name in QUIET_LOGGERS},
        },
    }
