"""Request ids: taken from a trusted-looking inbound header or minted, echoed in responses,
and bound into every log line of the request."""

from __future__ import annotations

import os
import re
import time
from typing import Any, Final

import structlog
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from engageiq_tenancy.logs import access_log

_log = structlog.get_logger("engageiq.requests")

REQUEST_ID_HEADER: Final = "x-request-id"
_STATE_KEY: Final = "engageiq_request_id"
CALLER_STATE_KEY: Final = "engageiq_caller"
"""Where the authentication middleware leaves `(tenant_id, user_id)` of a verified token, for
the access line (also when the tenant gate then refuses the request)."""
# Only well-formed ids are propagated, so a client cannot inject text into our logs.
_ACCEPTABLE_ID: Final = re.compile(r"[A-Za-z0-9._-]{8,64}")
# A shared link's token is a secret of the tenant (decision 0113): it is never logged.
_SHARED_LINK: Final = re.compile(r"^/api/shared/[^/]+")


def logged_path(path: str) -> str:
    """`path` as access lines show it: a shared link's token replaced by `<token>`."""
    if not path.startswith("/api/shared/"):
        return path  # most paths: no regular expression on every access line
    return _SHARED_LINK.sub("/api/shared/<token>", path)


def request_id_of(scope: Scope) -> str:
    """The request's id; minted here for the few responses made before the middleware ran
    (Litestar answers an unknown path from its router, outside route middleware)."""
    state = scope.setdefault("state", {})
    value = state.get(_STATE_KEY)
    if not isinstance(value, str):
        value = state[_STATE_KEY] = new_request_id()
    return value


def new_request_id() -> str:
    """32 random hex digits, the shape uuid4().hex had, at a third of its cost."""
    return os.urandom(16).hex()


class RequestIdMiddleware:
    """Outermost middleware: every response and log line of a request shares one id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        inbound = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                inbound = value.decode("latin-1")
                break
        request_id = inbound if inbound and _ACCEPTABLE_ID.fullmatch(inbound) else new_request_id()
        scope.setdefault("state", {})[_STATE_KEY] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)

        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableScopeHeaders.from_message(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Refusals raised in middleware (401, 403, 503) are turned into responses by
            # Litestar's handler outside this middleware; log the status they will get.
            status = int(getattr(exc, "status_code", 500))
            raise
        finally:
            if scope["path"] != "/health":  # the load balancer's probes are not news
                self._log_request(
                    scope["method"],
                    logged_path(scope["path"]),
                    scope["state"],
                    request_id,
                    status,
                    started,
                )

    @staticmethod
    def _log_request(
        method: str, path: str, state: dict[str, Any], request_id: str, status: int, started: float
    ) -> None:
        # Whole hundredths by integer rounding: round(x, 2) goes through a decimal string.
        duration_ms = round((time.perf_counter() - started) * 100_000) / 100
        writer = access_log()
        if writer is None:
            _log.info("request", method=method, path=path, status=status, duration_ms=duration_ms)
            return
        writer.write(method, path, status, duration_ms, request_id, state.get(CALLER_STATE_KEY))
