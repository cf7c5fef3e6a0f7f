"""The API contract's operation classes are made once per process (`_operation_class` is
cached by base class and role): every app built after the first must still publish the same
document, each route with its own required role."""

from __future__ import annotations

from typing import Any

from engageiq_tenancy.context import Role
from tests.support.chat import ChatHarness


def _roles(document: dict[str, Any]) -> dict[tuple[str, str], str | None]:
    return {
        (method, path): operation.get("x-required-role")
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_apps_built_one_after_another_publish_the_same_document(harness: ChatHarness) -> None:
    first = harness.app().openapi_schema.to_schema()
    second = harness.app().openapi_schema.to_schema()
    assert second == first
    roles = _roles(second)
    # Routes sharing Litestar's Operation class keep their own roles, not the first cached.
    assert roles["get", "/api/tenant/users"] == Role.TENANT_ADMIN.value
    assert roles["get", "/api/conversations"] == Role.MEMBER.value
    assert roles["post", "/api/chat"] == Role.MEMBER.value
    assert None in roles.values()
    for item in second["paths"].values():
        for operation in item.values():
            for status, response in operation["responses"].items():
                if status in {"429", "503"}:
                    assert list(response["headers"]) == ["Retry-After"]
