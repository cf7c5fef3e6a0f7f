"""One error shape for every API: `{"code", "message", "requestId"}`.

`code` is stable and machine-readable; `message` is a sentence for a person. Handlers raise
`ApiError`; framework exceptions are translated here so nothing else leaks (no stack traces,
no framework wording)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from engageiq_tenancy.requests import REQUEST_ID_HEADER, request_id_of

log = structlog.get_logger(__name__)


class ErrorBody(msgspec.Struct, rename="camel"):
    code: str
    message: str
    request_id: str


def documented_errors(errors: Mapping[int, str]) -> dict[int, ResponseSpec]:
    """OpenAPI `responses` for a route's error statuses: each has the one error shape, and its
    description names the stable codes, e.g. `{404: "`not_found`: no such message."}`."""
    return {
        status: ResponseSpec(data_container=ErrorBody, description=text, generate_examples=False)
        for status, text in errors.items()
    }


class TokenRefused(NotAuthorizedException):
    """A 401 whose `code` comes from the token verifier."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(detail=message)
        self.code = code


class ApiError(Exception):
    """An error a client should see, with its HTTP status and stable code."""

    def __init__(
        self, status_code: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(
    request: Request[Any, Any, Any],
    status_code: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
) -> Response[ErrorBody]:
    request_id = request_id_of(request.scope)
    # Error responses raised inside middleware bypass RequestIdMiddleware's send wrapper,
    # so the id header is set here as well.
    return Response(
        ErrorBody(code=code, message=message, request_id=request_id),
        status_code=status_code,
        media_type=MediaType.JSON,
        headers={**(headers or {}), REQUEST_ID_HEADER: request_id},
    )


def _api_error(request: Request[Any, Any, Any], exc: ApiError) -> Response[ErrorBody]:
    return error_response(request, exc.status_code, exc.code, exc.message, exc.headers)


# Stable codes for the framework's own refusals.
_HTTP_CODES: dict[int, tuple[str, str]] = {
    400: ("invalid_request", "The request could not be understood."),
    401: ("unauthenticated", "Sign in to continue."),
    403: ("forbidden", "You do not have permission to do that."),
    404: ("not_found", "Nothing was found at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("payload_too_large", "The request body is larger than this endpoint accepts."),
    415: ("unsupported_media_type", "This endpoint does not accept that content type."),
    429: ("rate_limited", "Too many requests; slow down and try again."),
}


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    code, message = _HTTP_CODES.get(exc.status_code, ("http_error", "The request failed."))
    if isinstance(exc, TokenRefused):
        code = exc.code
    if isinstance(exc, ValidationException):
        message = _validation_message(exc)
    elif isinstance(exc, NotAuthorizedException | PermissionDeniedException) and exc.detail:
        message = exc.detail
    headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
    return error_response(request, exc.status_code, code, message, headers)


def _validation_message(exc: ValidationException) -> str:
    details = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for item in details[:3]:
        if isinstance(item, dict):
            key = item.get("key")
            text = item.get("message", "is invalid")
            parts.append(f"{key}: {text}" if key else str(text))
    if parts:
        return "The request is invalid: " + "; ".join(parts) + "."
    return "The request body or parameters are invalid."


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    log.exception("unhandled_error", path=request.url.path)
    return error_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Something went wrong on our side; it has been logged. Try again.",
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ApiError: _api_error,
    HTTPException: _http_exception,
    NotFoundException: _http_exception,
    Exception: _unexpected,
}
