"""botocore failures that reach a route: the services' passing trouble (throttling, 5xx, broken
connections, after botocore's retries) is a 503 `service_unavailable` with Retry-After and no
AWS wording; a mistake in the request to AWS stays a logged 500."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)
from litestar import Litestar, get
from litestar.testing import TestClient

from engageiq_tenancy.errors import EXCEPTION_HANDLERS, RETRY_AFTER_SECONDS, is_transient_aws_error


def client_error(code: str, status: int, message: str = "AWS internal wording") -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "PutItem")  # type: ignore[arg-type]


TRANSIENT: list[Exception] = [
    client_error("ProvisionedThroughputExceededException", 400),
    client_error("ThrottlingException", 400),
    client_error("SlowDown", 503),
    client_error("RequestThrottled", 400),
    client_error("InternalServerError", 500),
    client_error("ServiceUnavailable", 503),
    client_error("SomethingNew", 502),
    EndpointConnectionError(endpoint_url="http://dynamodb"),
    ConnectionClosedError(endpoint_url="http://dynamodb"),
    ReadTimeoutError(endpoint_url="http://dynamodb"),
]
OUR_BUGS: list[Exception] = [
    client_error("ValidationException", 400),
    client_error("AccessDeniedException", 400),
    client_error("ResourceNotFoundException", 400),
    NoCredentialsError(),
]


def answer(exc: Exception) -> tuple[int, dict[str, str], dict[str, str]]:
    @get("/fail", sync_to_thread=False)
    def fail() -> None:
        raise exc

    app = Litestar([fail], exception_handlers=EXCEPTION_HANDLERS)
    with TestClient(app) as client:
        response = client.get("/fail")
        return response.status_code, dict(response.headers), response.json()


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: type(e).__name__ + str(e)[:30])
def test_transient_aws_failures_are_503_with_retry_after(exc: Exception) -> None:
    assert is_transient_aws_error(exc)
    status, headers, body = answer(exc)
    assert status == 503
    assert headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert body["code"] == "service_unavailable"
    assert set(body) == {"code", "message", "requestId"}
    # Never AWS's wording, service names or codes.
    for leaked in ("AWS", "Throttl", "SlowDown", "dynamodb", "Dynamo", "S3", "endpoint"):
        assert leaked.lower() not in body["message"].lower()


@pytest.mark.parametrize("exc", OUR_BUGS, ids=lambda e: type(e).__name__ + str(e)[:30])
def test_other_aws_failures_stay_internal_errors(exc: Exception) -> None:
    assert not is_transient_aws_error(exc)
    status, headers, body = answer(exc)
    assert (status, body["code"]) == (500, "internal_error")
    assert "retry-after" not in headers
    assert "AWS internal wording" not in body["message"]


def test_every_botocore_error_has_a_handler() -> None:
    assert {ClientError, BotoCoreError} <= set(EXCEPTION_HANDLERS)
