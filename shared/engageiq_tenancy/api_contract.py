"""The answers every operation of an EngageIQ service can give beyond its own: one definition of
the shared error statuses, applied to both services' OpenAPI documents.

Why here and not on each route: these refusals come from the middleware and the framework
(token checks, the tenant gate, body limits, parameter validation, AWS being unavailable), so
they apply to every authenticated route alike, including routes added later. A route declares
only its own errors with `documented_errors` (404 `file_not_found`, 409 `last_admin`, ...).
See docs/decisions/0086-openapi-documents-are-the-contract.md."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import msgspec
from litestar import Litestar

# Litestar 2 keeps its msgspec schema plugin private; subclassing it keeps every other rule of
# its schemas (tests/integration/contract asserts the result, so an upgrade that moves it fails).
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)
from litestar.routes import HTTPRoute

from engageiq_tenancy.auth import PUBLIC_OPT_KEY, requires_member, requires_tenant_admin
from engageiq_tenancy.context import Role
from engageiq_tenancy.error_codes import RETRY_AFTER_DOC, DocumentedError, ErrorCode, Errors
from engageiq_tenancy.errors import DocumentedResponses, documented_errors

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

RETRY_AFTER: Final = "Retry-After"
RETRY_AFTER_STATUSES: Final = frozenset({"429", "503"})
"""Statuses whose answers carry `Retry-After` (seconds to wait before trying again)."""

SERVICE_UNAVAILABLE: Final = (
    Errors.SERVICE_UNAVAILABLE,
    Errors.STORAGE_UNAVAILABLE,
    Errors.AUTH_UNAVAILABLE,
    Errors.USER_DIRECTORY_UNAVAILABLE.documented(doc=RETRY_AFTER_DOC),
)
_UNAUTHENTICATED: Final = (
    Errors.MISSING_TOKEN,
    Errors.INVALID_TOKEN,
    Errors.TOKEN_EXPIRED,
    Errors.TOKEN_REVOKED.documented(doc="sign in again (`WWW-Authenticate: Bearer`)"),
)
_FORBIDDEN: Final = (
    Errors.FORBIDDEN.documented(note="no role, or not the role this route needs"),
    Errors.TENANT_SUSPENDED,
    Errors.TENANT_UNAVAILABLE,
    Errors.DIRECT_ACCESS_REFUSED.documented(note="cloud: not through the web address"),
)
_INVALID: Final = (
    Errors.INVALID_REQUEST.documented(note="a parameter or the body does not match this document"),
    Errors.DUPLICATE_AUTHORIZATION.documented(note="several Authorization headers"),
)
_AUDITED: Final = Errors.AUDIT_UNAVAILABLE.documented(
    note="the sign-in of a session's first request, or this route's action, could not be "
    "recorded in the audit log (decision 0119)"
)
_TOO_LARGE: Final = (
    Errors.PAYLOAD_TOO_LARGE.documented(doc="the body is larger than this route accepts"),
)


def _is_public(handler: HTTPRouteHandler) -> bool:
    return bool(handler.opt.get(PUBLIC_OPT_KEY)) or not handler.resolve_security()


def _takes_body(handler: HTTPRouteHandler) -> bool:
    # A handler may take `request` for its headers alone (the audit log's, decision 0119):
    # only a method with a body reads one from it (the streamed upload).
    return "data" in handler.parsed_fn_signature.parameters or (
        "request" in handler.parsed_fn_signature.parameters
        and bool(handler.http_methods & {"POST", "PUT", "PATCH"})
    )


def shared_errors(handler: HTTPRouteHandler) -> DocumentedResponses:
    """The error answers `handler` shares with every route like it: 400, 401, 403, 413 (routes
    with a body) and 503 for authenticated routes; 400 and 503 for public ones (they read
    DynamoDB too). Every authenticated route reads the tenant record (the tenant gate), so
    every one can meet an AWS outage."""
    errors: list[ErrorCode | DocumentedError] = [*_INVALID, *SERVICE_UNAVAILABLE]
    if not _is_public(handler):
        errors += [*_UNAUTHENTICATED, *_FORBIDDEN, _AUDITED]
        if _takes_body(handler):
            errors += _TOO_LARGE
    return documented_errors(*errors)


def _merged(
    shared: DocumentedResponses, own: Mapping[int, ResponseSpec]
) -> dict[int, ResponseSpec]:
    entries = own.entries if isinstance(own, DocumentedResponses) else {}
    merged: dict[int, ResponseSpec] = {**shared, **own}
    for status in shared.keys() & entries.keys():
        merged[status] = documented_errors(*entries[status], *shared.entries[status])[status]
    return merged


def _with_retry_after(response: OpenAPIResponse | Reference) -> None:
    if isinstance(response, OpenAPIResponse):
        response.headers = {
            **(response.headers or {}),
            RETRY_AFTER: OpenAPIHeader(
                schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
                description="Seconds to wait before trying again.",
                required=True,
            ),
        }


def required_role(handler: HTTPRouteHandler) -> Role | None:
    """The role a route's guards demand (None: any role in the tenant, or public)."""
    guards = handler.resolve_guards()
    if requires_tenant_admin in guards:
        return Role.TENANT_ADMIN
    if requires_member in guards:
        return Role.MEMBER
    return None


_OPERATION_CLASSES: dict[tuple[type[Operation], Role | None], type[Operation]] = {}


def _operation_class(base: type[Operation], role: Role | None) -> type[Operation]:
    """`base` (Litestar's, or a route's own, e.g. the multipart upload's) finished with the
    `Retry-After` header on every 429 and 503 answer (ResponseSpec cannot declare headers) and
    `x-required-role`, the role its guards demand, which the BOLA probe reads.

    Made once per process for each (base, role): the class is a pure function of the two (a
    handful of pairs), and building a dataclass compiles its methods, ~0.6 ms. Built per
    route, it was 25 ms of the chat app's ~195 ms start-up (`bench/app_startup.py`), paid by
    every app a test builds and every service instance that starts. Two threads building
    apps at once may each make the class; either is right, and the first stored stays."""
    made = _OPERATION_CLASSES.get((base, role))
    if made is None:
        made = _OPERATION_CLASSES.setdefault((base, role), _contract_operation(base, role))
    return made


def _contract_operation(base: type[Operation], role: Role | None) -> type[Operation]:
    @dataclass
    class ContractOperation(base):  # type: ignore[valid-type,misc]
        required_role: str | None = field(default=None, metadata={"alias": "x-required-role"})

        def __post_init__(self) -> None:
            parent = getattr(super(), "__post_init__", None)
            if parent is not None:
                parent()
            self.required_role = role.value if role else None
            for status, response in (self.responses or {}).items():
                if status in RETRY_AFTER_STATUSES:
                    _with_retry_after(response)

    ContractOperation.__name__ = ContractOperation.__qualname__ = f"Contract{base.__name__}"
    return ContractOperation


class StrictStructSchemaPlugin(StructSchemaPlugin):
    """Litestar's msgspec schemas, plus `additionalProperties: false` for request structs with
    `forbid_unknown_fields=True`: the server refuses unknown fields (400 `invalid_request`), so
    the document must not allow them (schemathesis found the lie)."""

    def to_openapi_schema(
        self, field_definition: FieldDefinition, schema_creator: SchemaCreator
    ) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        if isinstance(info, msgspec.inspect.StructType) and info.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


def apply_api_contract(app: Litestar) -> None:
    """Add the shared errors to every documented route of `app` before its OpenAPI document is
    first built. Where a route documents a shared status itself (its own 403 `forbidden`,
    say), the status lists the route's codes first, then the shared ones it did not name: the
    middleware can still answer them."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if not handler.resolve_include_in_schema():
                continue
            handler.responses = _merged(shared_errors(handler), handler.responses or {})
            handler.operation_class = _operation_class(
                handler.operation_class, required_role(handler)
            )
