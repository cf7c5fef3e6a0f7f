"""Inputs the new-user review of issue 15 found answering 500: each must be a coded 4xx."""

from __future__ import annotations

from litestar import Litestar, post
from litestar.params import JSONBody
from litestar.testing import TestClient

from engageiq_tenancy.errors import EXCEPTION_HANDLERS


@post("/echo")
async def echo(data: JSONBody[dict[str, object]]) -> dict[str, object]:
    return data


def test_a_json_body_nested_a_thousand_levels_deep_is_a_400_not_a_500() -> None:
    app = Litestar([echo], exception_handlers=EXCEPTION_HANDLERS)
    body = '{"message":"hi","x":' + "[" * 1000 + "]" * 1000 + "}"
    with TestClient(app) as client:
        response = client.post("/echo", content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_request"
        # The service keeps answering.
        ok = client.post("/echo", json={"message": "hi"})
        assert ok.status_code == 201
