"""The files service answers every request path it cannot map to a route or a file with a 4xx
in the `{code, message, requestId}` shape, never a 500: each route, with each hostile segment
(tests/support/hostile_paths.py) as each path parameter, sent as uvicorn hands it over."""

from __future__ import annotations

import anyio

from tests.support.hostile_paths import (
    asgi_raw,
    docs_page,
    hostile_requests,
    in_error_shape,
)
from tests.unit.files.support import FilesClient


def test_hostile_paths_are_4xx_in_the_error_shape(files_client: FilesClient) -> None:
    app = files_client.client.app
    headers = files_client.headers("acme")
    requests = hostile_requests(app)
    wrong = []
    for method, raw_path in requests:
        answer = anyio.run(asgi_raw, app, method, raw_path, headers)
        if not 400 <= answer.status < 500 or not (in_error_shape(answer) or docs_page(raw_path)):
            wrong.append(f"{method} {raw_path[:80]!r}: {answer.status} {answer.body[:120]!r}")
    assert wrong == []
    assert len(requests) > 500  # every route was tried
