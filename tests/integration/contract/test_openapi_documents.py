"""The OpenAPI documents tell the truth about what the services answer: the error shape and
statuses every route shares (one definition, engageiq_tenancy.api_contract), `Retry-After` on
429 and 503, the multipart upload body, the chat event stream and the roles routes require."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from engageiq_chat.turns.events import STREAM_EVENTS
from engageiq_files.catalog.records import FILE_ID_PATTERN, new_file_id
from engageiq_tenancy.context import Role
from tests.integration.contract.conftest import SERVICES, TENANT_A, ContractPlatform
from tests.support.chat import parse_sse

ERROR_REF = "#/components/schemas/ErrorBody"


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_every_error_answer_has_the_one_error_shape(
    contract_platform: ContractPlatform, service: str
) -> None:
    document = contract_platform.document(service)
    assert document["components"]["schemas"]["ErrorBody"]["required"] == [
        "code",
        "message",
        "requestId",
    ]
    for method, path, spec in _operations(document):
        statuses = {int(s) for s in spec["responses"]}
        expected = {400, 503} if not spec.get("security") else {400, 401, 403, 503}
        assert expected <= statuses, f"{method} {path}: {sorted(statuses)}"
        for status, response in spec["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": ERROR_REF}, f"{method} {path} {status}"
                assert "`" in response["description"], f"{method} {path} {status} names no code"
            if status in {"429", "503"}:
                assert "Retry-After" in response["headers"], f"{method} {path} {status}"


@pytest.mark.parametrize("service", SERVICES)
def test_request_bodies_that_refuse_unknown_fields_say_so(
    contract_platform: ContractPlatform, service: str
) -> None:
    """Regression (schemathesis): structs with `forbid_unknown_fields` answer 400 to extra
    fields, and the documents used to allow them."""
    document = contract_platform.document(service)
    schemas = document["components"]["schemas"]
    for method, path, spec in _operations(document):
        content = spec.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            name = content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            assert schemas[name]["additionalProperties"] is False, f"{method} {path}"


def test_the_upload_body_is_multipart_with_a_file(contract_platform: ContractPlatform) -> None:
    spec = contract_platform.document("files")["paths"]["/api/upload-file"]["post"]
    body = spec["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"]
    assert body["properties"]["file"]["format"] == "binary"
    assert {"413", "415"} <= set(spec["responses"])


def test_the_chat_stream_documents_every_event_it_sends(
    contract_platform: ContractPlatform,
) -> None:
    spec = contract_platform.document("chat")["paths"]["/api/chat"]["post"]
    stream = spec["responses"]["200"]["content"]["text/event-stream"]
    documented = {
        item["properties"]["event"]["const"]: item["properties"]["data"]["contentSchema"]
        for item in stream["itemSchema"]["oneOf"]
    }
    assert set(documented) == set(STREAM_EVENTS)
    for name, struct in STREAM_EVENTS.items():
        assert documented[name]["title"] == struct.__name__
    # A real turn's events are all documented ones, with the documented fields.
    response = contract_platform.clients["chat"].post(
        "/api/chat",
        json={"message": "What does the Pro plan cost?"},
        headers=contract_platform.headers(TENANT_A, Role.MEMBER),
    )
    events, _ = parse_sse(response.text)
    assert events[0].event == "meta"
    assert events[-1].event in {"done", "error"}
    for event in events:
        msgspec.convert(event.data, STREAM_EVENTS[event.event])
        assert set(event.data) <= set(documented[event.event]["properties"])


@pytest.mark.parametrize("service", SERVICES)
def test_admin_routes_say_which_role_they_need(
    contract_platform: ContractPlatform, service: str
) -> None:
    document = contract_platform.document(service)
    admin = {
        (method, path)
        for method, path, spec in _operations(document)
        if spec.get("x-required-role") == Role.TENANT_ADMIN.value
    }
    if service == "chat":
        assert ("patch", "/api/tenant") in admin
        assert {p for _, p in admin} >= {"/api/tenant/users", "/api/tenant/users/{user_id}"}
    else:
        assert admin == {
            ("post", "/api/collections"),
            ("patch", "/api/collections/{collection_id}"),
            ("delete", "/api/collections/{collection_id}"),
        }


def test_file_ids_are_documented_apart_from_the_fixed_words_beside_them(
    contract_platform: ContractPlatform,
) -> None:
    """Regression (schemathesis, 500 examples): `GET /api/files/{file_id}` with `docs` answered
    the Swagger page, as the document let any string be a file id. File ids are hex; the
    document now says so, and no fixed word beside them matches."""
    paths = contract_platform.document("files")["paths"]
    pattern = re.compile(FILE_ID_PATTERN)
    for path, item in paths.items():
        for spec in item.values():
            for parameter in spec.get("parameters", []):
                if parameter["name"] == "file_id":
                    assert parameter["schema"]["pattern"] == FILE_ID_PATTERN, path
    assert pattern.match(new_file_id())
    for word in ("docs", "search", "uploads"):
        assert f"/api/files/{word}" in paths or word == "docs"
        assert not pattern.match(word)
