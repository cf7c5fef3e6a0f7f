"""One error shape for every API: `{"code", "message", "requestId"}`.

`code` is stable and machine-readable; `message` is a sentence for a person. Both come from
the one table, engageiq_tenancy.error_codes (decision 0095). Handlers raise
`ApiError(Errors.X)`; framework exceptions are translated here so nothing else leaks (no stack
traces, no framework wording)."""

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
from litestar.types import ExceptionHandlersMap

from engageiq_tenancy.cursors import InvalidCursor
from engageiq_tenancy.error_codes import DocumentedError, ErrorCode, Errors, describe_status
from engageiq_tenancy.requests import REQUEST_ID_HEADER, request_id_of

log = structlog.get_logger(__name__)


class ErrorBody(msgspec.Struct, rename="camel"):
    code: str
    message: str
    request_id: str


class DocumentedResponses(dict[int, ResponseSpec]):
    """`documented_errors`' answer: OpenAPI `responses` by status, which keeps the table
    entries each status was described from (`entries`), so that `api_contract` can merge a
    route's own codes with the shared ones of the same status instead of replacing them."""

    def __init__(self, entries: dict[int, list[DocumentedError]]) -> None:
        super().__init__(
            (
                status,
                ResponseSpec(
                    data_container=ErrorBody,
                    description=describe_status(listed),
                    generate_examples=False,
                ),
            )
            for status, listed in sorted(entries.items())
        )
        self.entries = entries


def documented_errors(*errors: ErrorCode | DocumentedError) -> DocumentedResponses:
    """OpenAPI `responses` for a route's own errors, grouped by the table's statuses: each has
    the one error shape, and its description names the stable codes with the table's
    explanation, e.g. `documented_errors(Errors.FILE_NOT_FOUND)` gives
    `{404: "`file_not_found`: no such file in your organisation."}`."""
    by_status: dict[int, list[DocumentedError]] = {}
    for error in errors:
        documented = error.documented() if isinstance(error, ErrorCode) else error
        by_status.setdefault(documented.error.status, []).append(documented)
    return DocumentedResponses(by_status)


class TokenRefused(NotAuthorizedException):
    """A 401 whose code and sentence come from a table entry (the token verifier's, usually)."""

    def __init__(self, error: ErrorCode, **detail: str | int) -> None:
        super().__init__(detail=error.sentence(**detail))
        self.code = error.code


class ApiError(Exception):
    """An error a client should see: a table entry (its status, code and sentence, with
    `detail` filled into the sentence's placeholders) and any extra response `headers`."""

    def __init__(
        self, error: ErrorCode, /, *, headers: dict[str, str] | None = None, **detail: str | int
    ) -> None:
        self._set(error, error.sentence(**detail), headers)

    def _set(self, error: ErrorCode, message: str, headers: dict[str, str] | None) -> None:
        super().__init__(message)
        self.error = error
        self.status_code = error.status
        self.code = error.code
        self.message = message
        self.headers = headers or {}

    @classmethod
    def relaying(cls, code: str, message: str) -> ApiError:
        """An operation's failure (engageiq_tenancy.operation_errors, InvalidBranding) with the
        sentence the operation wrote; its status is the table's for `code` (KeyError, so a 500,
        if the code is not in the table: tests/unit/tenancy/test_error_codes.py checks)."""
        relayed = cls.__new__(cls)
        relayed._set(Errors.with_code(code), message, None)
        return relayed


RETRY_AFTER_SECONDS: Final = 5
"""What a 503 tells clients to wait (decision 0091): about one more full round of botocore's
retries (3.5 s on average), and long enough for DynamoDB's adaptive capacity or S3's request
rate scaling to catch up with a burst, short enough that a person retrying is not kept
waiting."""


class ServiceUnavailable(ApiError):
    """503 `service_unavailable` with `Retry-After`: a service we depend on (DynamoDB, S3, SQS,
    Cognito) kept throttling or failing through every retry. The wording never names it."""

    def __init__(self, error: ErrorCode = Errors.SERVICE_UNAVAILABLE) -> None:
        super().__init__(error, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


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
    """The one error shape; `status_code`, `code` and `message` come from a table entry."""
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


# The table's entries for the framework's own refusals.
HTTP_ERRORS: Final[Mapping[int, ErrorCode]] = {
    error.status: error
    for error in (
        Errors.INVALID_REQUEST,
        Errors.UNAUTHENTICATED,
        Errors.FORBIDDEN,
        Errors.NOT_FOUND,
        Errors.METHOD_NOT_ALLOWED,
        Errors.PAYLOAD_TOO_LARGE,
        Errors.UNSUPPORTED_MEDIA_TYPE,
        Errors.RATE_LIMITED,
    )
}


def _http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    entry = HTTP_ERRORS.get(exc.status_code, Errors.HTTP_ERROR)
    code, message = entry.code, entry.message
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
        return Errors.INVALID_FIELDS.sentence(problems="; ".join(parts))
    return Errors.INVALID_BODY.message


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
    return _api_error(request, ApiError(Errors.INTERNAL_ERROR))


def _invalid_cursor(request: Request[Any, Any, Any], exc: InvalidCursor) -> Response[ErrorBody]:
    # Both services' listings decode cursors in storage code, which raises the domain error.
    return _api_error(request, ApiError(Errors.INVALID_CURSOR))


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[ErrorBody]:
    # msgspec decodes a JSON body recursively: one nested ~1,000 levels deep exhausts the
    # stack before any validation runs. No body the APIs accept nests beyond a few levels,
    # so it is the client's malformed request, not our failure (found by the review).
    log.info("request_nested_too_deeply", path=request.url.path)
    return _api_error(request, ApiError(Errors.NESTED_TOO_DEEPLY))


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    RecursionError: _too_deep,
    InvalidCursor: _invalid_cursor,
    ApiError: _api_error,
    HTTPException: _http_exception,
    NotFoundException: _http_exception,
    ClientError: _aws_failure,
    BotoCoreError: _aws_failure,
    Exception: _unexpected,
}
