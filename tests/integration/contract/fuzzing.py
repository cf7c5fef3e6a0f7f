"""Sending schemathesis cases to the in-process services and checking their answers.

Schemathesis generates each case from the OpenAPI document a service serves; the case is sent
through the same Litestar test client as every other contract test (the apps' lifespans run
once, in that client), with a real token, and the answer is checked by schemathesis against
the document (status documented, body and headers match their schemas, no 5xx)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import TestClient
from schemathesis import Case

# Checks that need schemathesis' own runner state (stateful history, per-run bookkeeping);
# the status, schema, header and server-error checks all run.
STATEFUL_ONLY_CHECKS = frozenset({"use_after_free", "ensure_resource_availability"})


SENT: Counter[str] = Counter()
"""Requests the fuzzers sent, by status class (`2xx`, `4xx`); each test clears it."""


def _file_part(name: str, value: Any) -> tuple[str, Any]:
    """A multipart part as httpx takes it; negative cases put numbers or objects where a file
    belongs, which requests (schemathesis' own transport) sends as their text, and so do we."""
    filename, content, *rest = value if isinstance(value, tuple) else (name, value)
    if not isinstance(content, bytes | str):
        content = str(content).encode()
    return name, (str(filename), content, *rest)


def send(client: TestClient[Litestar], case: Case[Any], headers: dict[str, str]) -> httpx.Response:
    """`case` as an HTTP request to `client`, authenticated with `headers`."""
    kwargs: dict[str, Any] = case.as_transport_kwargs(
        base_url=str(client.base_url).rstrip("/"), headers=headers
    )
    request: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers"),
        "params": kwargs.get("params"),
        "cookies": kwargs.get("cookies") or None,
    }
    if kwargs.get("json") is not None or "json" in kwargs:
        request["json"] = kwargs["json"]
    if kwargs.get("files"):
        request["files"] = [_file_part(name, value) for name, value in kwargs["files"]]
        if isinstance(kwargs.get("data"), dict):
            request["data"] = kwargs["data"]
    elif isinstance(kwargs.get("data"), bytes | str):
        request["content"] = kwargs["data"]
    elif isinstance(kwargs.get("data"), dict):
        request["data"] = kwargs["data"]
    response = client.request(**request)
    SENT[f"{response.status_code // 100}xx"] += 1
    # Multipart bodies are streamed; schemathesis reads the sent body for its report.
    response.request.read()
    return response
