"""Structured logs: JSON lines with the request's ids, and tracebacks without local variables
(which hold bearer tokens)."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from engageiq_tenancy.logs import AccessLog


def run_logging(code: str) -> list[dict[str, object]]:
    """Logs go to the process's stdout, so they are read from a child process."""
    script = textwrap.dedent("""
        import structlog
        from engageiq_tenancy.logs import configure_logging
        configure_logging("chat", "INFO")
        log = structlog.get_logger("test")
    """) + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ},
    )
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_lines_are_json_with_bound_ids() -> None:
    lines = run_logging("""
        structlog.contextvars.bind_contextvars(request_id="r-1", tenant_id="acme", user_id="u")
        log.info("request", status=200)
    """)
    assert len(lines) == 1
    line = lines[0]
    assert {
        k: line[k]
        for k in ("msg", "request_id", "tenant_id", "user_id", "service", "level", "status")
    } == {
        "msg": "request",
        "request_id": "r-1",
        "tenant_id": "acme",
        "user_id": "u",
        "service": "chat",
        "level": "info",
        "status": 200,
    }


def test_tracebacks_never_carry_local_variables() -> None:
    lines = run_logging("""
        def handler(authorization: str) -> None:
            raise RuntimeError("boom")
        try:
            handler("Bearer secret-token-value")
        except RuntimeError:
            log.exception("unhandled_error")
    """)
    assert len(lines) == 1
    assert lines[0]["exception"]
    assert "secret-token-value" not in json.dumps(lines[0])


def test_refused_requests_are_logged_with_the_status_they_get(tmp_path: Path) -> None:
    """A 401 raised by the authentication middleware is logged as 401, not 500."""
    script = tmp_path / "app.py"
    script.write_text(
        textwrap.dedent("""
        from litestar.testing import TestClient
        from engageiq_tenancy.service import TenancyPlugin, create_service_app
        from engageiq_tenancy.settings import AuthSettings, ServiceSettings
        from engageiq_tenancy.tenant_gate import GateRecord, TenantGate
        settings = ServiceSettings(
            env="local", aws_endpoint_url="http://127.0.0.1:1", tables={"tenants": "t"},
            auth=AuthSettings("us-east-1", "us-east-1_x", "c", "http://127.0.0.1:1/jwks"),
        )
        app = create_service_app(TenancyPlugin("chat", settings, tenant_gate=TenantGate(
            lambda _: GateRecord("active"))))
        with TestClient(app) as client:
            assert client.get("/api/me").status_code == 401
    """)
    )
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=True
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("msg") == "request"]
    assert [(a["path"], a["status"]) for a in access] == [("/api/me", 401)]


def test_standard_library_lines_are_json_too() -> None:
    # uvicorn, botocore and httpx log through the standard library, not structlog.
    lines = run_logging("""
        import logging
        logging.getLogger("uvicorn.error").info("Started server process [%d]", 42)
        logging.getLogger("botocore.credentials").warning("Found credentials in env")
        logging.getLogger("httpx").info("HTTP Request: GET / 200")  # quiet below WARNING
        try:
            1 / 0
        except ZeroDivisionError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    """)
    assert [(line["logger"], line["msg"], line["level"]) for line in lines] == [
        ("uvicorn.error", "Started server process [42]", "info"),
        ("botocore.credentials", "Found credentials in env", "warning"),
        ("uvicorn.error", "Exception in ASGI application", "error"),
    ]
    assert all(line["service"] == "chat" for line in lines)
    assert "ZeroDivisionError" in json.dumps(lines[2]["exception"])


def test_uvicorn_log_config_makes_every_line_json() -> None:
    # What `engageiq dev` passes as `uvicorn --log-config`: lines from before the app loads.
    script = textwrap.dedent("""
        import json, logging.config
        from engageiq_tenancy.logs import uvicorn_log_config
        logging.config.dictConfig(uvicorn_log_config("edge"))
        logging.getLogger("uvicorn.error").info("Uvicorn running")
        logging.getLogger("httpx").warning("HTTP Request failed")
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    raw = [line for line in result.stdout.splitlines() if line]
    assert len(raw) == 2
    lines = [json.loads(line) for line in raw]
    assert [(line["logger"], line["service"]) for line in lines] == [
        ("uvicorn.error", "edge"),
        ("httpx", "edge"),
    ]


def test_access_line_has_the_fields_of_a_structlog_line() -> None:
    """The access line skips structlog's chain (decision 0101) but reads the same."""
    lines = run_logging("""
        from engageiq_tenancy.logs import access_log
        writer = access_log()
        assert writer is not None
        writer.write("GET", "/api/me", 200, 1.5, "r-1", ("acme", "u"))
        writer.write("GET", "/api/me", 401, 0.5, "r-2", None)
        log.info("request", status=200)
    """)
    assert len(lines) == 3
    signed_in, anonymous, reference = lines
    assert set(signed_in) == {
        "method", "path", "status", "duration_ms", "request_id", "tenant_id", "user_id",
        "service", "level", "timestamp", "msg",
    }  # fmt: skip
    assert signed_in["msg"] == reference["msg"] == "request"
    assert signed_in["level"] == reference["level"] == "info"
    assert signed_in["service"] == "chat"
    assert (signed_in["tenant_id"], signed_in["user_id"]) == ("acme", "u")
    assert "tenant_id" not in anonymous
    # The same timestamp form as structlog's TimeStamper(fmt="iso", utc=True).
    ours, theirs = str(signed_in["timestamp"]), str(reference["timestamp"])
    assert len(ours) == len(theirs)
    assert ours.endswith("Z")
    assert ours[:10] == theirs[:10]


def test_uvicorns_own_access_line_never_shows_a_links_token_or_a_query() -> None:
    """The services write their own access line (the token replaced, no query); uvicorn's,
    with the raw path, is dropped however uvicorn was configured (`--log-config` or not)."""
    access = """
        import logging
        logging.getLogger("uvicorn.access").info(
            '%s - "%s %s HTTP/%s" %d', "127.0.0.1:0", "GET",
            "/api/shared/aSaVRiUEyqqZSEvmbTOI-YBDqThA9bPZyUCXw7QoaxU?q=acme+merger", "1.1", 200
        )
        logging.getLogger("uvicorn.error").info("still shown")
    """
    after_app = run_logging(access)
    script = textwrap.dedent("""
        import logging.config
        from engageiq_tenancy.logs import uvicorn_log_config
        logging.config.dictConfig(uvicorn_log_config("chat"))
    """) + textwrap.dedent(access)
    before_app = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert [line["msg"] for line in after_app] == ["still shown"]
    assert "still shown" in before_app
    for output in (json.dumps(after_app), before_app):
        assert "aSaVRiUEyqqZSEvmbTOI" not in output
        assert "merger" not in output


def test_access_lines_of_one_event_loop_pass_go_out_in_one_write() -> None:
    """Held by `AccessLog` itself, not by stdout's buffer, which `PYTHONUNBUFFERED=1` (set in
    the images) turns off: one system call per pass, not per request (decision 0127)."""

    class Stream(io.BytesIO):
        writes = 0

        def write(self, data: Any) -> int:
            self.writes += 1
            return super().write(data)

    stream = Stream()
    writer = AccessLog("chat", stream)

    async def one_pass() -> int:
        for n in range(5):
            writer.write("GET", "/api/me", 200, 1.0, f"r-{n}", ("acme", "u"))
        held = stream.writes
        await asyncio.sleep(0)  # the pass ends; the flush runs
        return held

    assert asyncio.run(one_pass()) == 0
    assert stream.writes == 1
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == [f"r-{n}" for n in range(5)]
    writer.write("GET", "/api/me", 200, 1.0, "r-5", None)  # no event loop: written at once
    assert stream.writes == 2


def test_access_lines_still_go_out_after_a_loop_stopped_before_its_flush() -> None:
    """A loop stopped (and closed) before the pass that would write its held line leaves that
    line behind: the next loop's lines must still go out, the held one first, rather than
    wait behind a flush that will never run (and pile up until the process exits)."""
    stream = io.BytesIO()
    writer = AccessLog("chat", stream)

    async def write_as_the_loop_stops(request_id: str) -> None:
        asyncio.get_running_loop().stop()  # this pass is the loop's last
        writer.write("GET", "/api/me", 200, 1.0, request_id, None)

    first = asyncio.new_event_loop()
    try:
        first.run_until_complete(write_as_the_loop_stops("r-1"))
    finally:
        first.close()
    assert stream.getvalue() == b""  # held: its flush was due in a pass that never ran

    async def write_and_finish_the_pass(request_id: str) -> None:
        writer.write("GET", "/api/me", 200, 1.0, request_id, None)
        await asyncio.sleep(0)  # the pass that wrote the line ends

    asyncio.run(write_and_finish_the_pass("r-2"))

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [line["request_id"] for line in lines] == ["r-1", "r-2"]
