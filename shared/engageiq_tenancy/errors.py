"""One error shape for every API: `{"code", "message", "requestId"}`.

`code` is stable and machine-readable; `message` is a sentence for a person. Handlers raise
`ApiError`; framework exceptions are translated here so nothing else leaks (no stack traces,
no framework wording)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import msgspec
import structlog
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as AwsConnectionError
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


RETRY_AFTER_SECONDS: Final = 5
"""What a 503 tells clients to wait (decision 0091): about one more full round of botocore's
retries (3.5 s on average), and long enough for DynamoDB's adaptive capacity or S3's request
rate scaling to catch up with a burst, short enough that a person retrying is not kept
waiting."""


class ServiceUnavailable(ApiError):
    """503 `service_unavailable` with `Retry-After`: a service we depend on (DynamoDB, S3, SQS,
    Cognito) kept throttling or failing through every retry. The wording never names it."""

    def __init__(
        self,
        message: str = "The service is busy or briefly unavailable, and your request was not "
        "completed. Try again in a few seconds.",
    ) -> None:
        super().__init__(
            503, "service_unavailable", message, {"Retry-After": str(RETRY_AFTER_SECONDS)}
        )


# The codes botocore's standard retry mode retries as throttling or transient (botocore
# `retries/standard.py`), and DynamoDB's transaction conflict, which it documents as retryable.
TRANSIENT_AWS_CODES: Final = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "RequestTimeout",
        "RequestTimeoutException",
        "InternalServerError",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "TransactionConflictException",
    }
)


def is_transient_aws_error(exc: BaseException) -> bool:
    """Whether a botocore failure is the service's passing trouble (throttling, a 5xx, a
    broken or timed-out connection) rather than a mistake in the request (validation, access
    denied, missing resource). botocore raises it only after its own retries."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return error.get("Code", "") in TRANSIENT_AWS_CODES or status >= 500 or status == 429
    # ConnectionError: endpoint unreachable, connect timeout; HTTPClientError: the connection
    # closed or reset, read timeouts.
    return isinstance(exc, AwsConnectionError | HTTPClientError)


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


def _aws_failure(
    request: Request[Any, Any, Any], exc: ClientError | BotoCoreError
) -> Response[ErrorBody]:
    """A botocore error no handler dealt with: the service's passing trouble is a 503 (never a
    500, never AWS's wording); anything else is our bug, logged as one."""
    if not is_transient_aws_error(exc):
        return _unexpected(request, exc)
    code = exc.response.get("Error", {}).get("Code", "") if isinstance(exc, ClientError) else ""
    log.warning(
        "dependency_unavailable", path=request.url.path, error=type(exc).__name__, code=code
    )
    return _api_error(request, ServiceUnavailable())


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    log.exception("unhandled_error", path=request.url.path)
    return error_response(
        request,
        HTTP_500_INTERNAL_SERVER_ERROR,
        "internal_error",
        "Something went wrong on our side; it has been logged. Try again.",
    )


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[ErrorBody]:
    # msgspec decodes a JSON body recursively: one nested ~1,000 levels deep exhausts the
    # stack before any validation runs. No body the APIs accept nests beyond a few levels,
    # so it is the client's malformed request, not our failure (found by the review).
    log.info("request_nested_too_deeply", path=request.url.path)
    return error_response(
        request, 400, "invalid_request", "The request body is nested too deeply to read."
    )


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    RecursionError: _too_deep,
    ApiError: _api_error,
    HTTPException: _http_exception,
    NotFoundException: _http_exception,
    ClientError: _aws_failure,
    BotoCoreError: _aws_failure,
    Exception: _unexpected,
}
