"""`FaultProxy`: an HTTP proxy in front of the local AWS endpoint (moto) that answers chosen
requests with the errors AWS really sends, and passes everything else through.

Services started against it see only its URL (`ENGAGEIQ_AWS_ENDPOINT_URL`), so the faults
travel their real path: botocore parses the error, its retry policy retries it, and whatever
is left reaches our code. Decision 0091 says why a proxy rather than botocore event hooks
(hooks only reach the test's own process, not a service in a subprocess).

Each request is classified by service and operation the way AWS routes it:
- the service from the SigV4 credential scope (`Credential=AKID/<date>/<region>/<service>/...`),
  or from `X-Amz-Target`; unsigned requests (presigned S3 URLs and POSTs) count as `s3`;
- the operation from `X-Amz-Target` (`DynamoDB_20120810.PutItem`, `AmazonSQS.SendMessage`: the
  JSON protocols), `Action=` (the SQS query protocol), or the S3 REST method, path and query
  (`PUT ?partNumber&uploadId` is `UploadPart`...).

`inject(Fault(...))` adds a rule; the first rule that matches a request and still has
`times` left (and wins its `probability` draw) answers it. Error bodies follow each protocol:
JSON `{"__type", "message"}` with `x-amzn-ErrorType` (DynamoDB, SQS JSON), `<ErrorResponse>`
XML (SQS query), `<Error><Code>` XML (S3; no body for HEAD). `DROP` closes the connection
without an answer (a reset mid-request); `LOST_ANSWER` lets the request through and then
drops the answer, so the retry repeats a write that happened. Every request is recorded in
`seen`."""

from __future__ import annotations

import http.client
import json
import random
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

UNSIGNED_SERVICE: Final = "s3"
"""Presigned URLs and browser form POSTs carry no Authorization header; only S3 takes them."""


@dataclass(frozen=True, slots=True)
class AwsError:
    """An error answer: HTTP status, the AWS error code and its message."""

    status: int
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Drop:
    """Close the connection without answering (botocore sees a connection error). With
    `after_upstream`, the request is first carried out by the upstream and only its answer is
    lost: the write happened, and botocore's retry sends it a second time."""

    after_upstream: bool = False


Action = AwsError | Drop
DROP: Final = Drop()
LOST_ANSWER: Final = Drop(after_upstream=True)

# The codes each service sends when throttling or failing (AWS API references; botocore's
# standard retry mode lists every one of them as retryable).
THROTTLED: Final[dict[str, AwsError]] = {
    "dynamodb": AwsError(
        400,
        "ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was exceeded.",
    ),
    "s3": AwsError(503, "SlowDown", "Please reduce your request rate."),
    "sqs": AwsError(400, "RequestThrottled", "The request was denied due to request throttling."),
}
DYNAMODB_THROTTLING: Final = AwsError(
    400, "ThrottlingException", "Rate of requests exceeds the allowed throughput."
)
SERVER_ERROR: Final[dict[str, AwsError]] = {
    "dynamodb": AwsError(500, "InternalServerError", "Internal server error"),
    "s3": AwsError(500, "InternalError", "We encountered an internal error. Please try again."),
    "sqs": AwsError(500, "InternalFailure", "The request processing has failed."),
}
UNAVAILABLE: Final = AwsError(503, "ServiceUnavailable", "Service Unavailable")

_JSON_NAMESPACES: Final = {
    "dynamodb": "com.amazonaws.dynamodb.v20120810",
    "sqs": "com.amazonaws.sqs",
}
_TARGET_SERVICES: Final = {
    "DynamoDB": "dynamodb",
    "AmazonSQS": "sqs",
    "AWSCognitoIdentityProviderService": "cognito-idp",
    "AWSSecurityTokenServiceV20110615": "sts",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """Answer `action` to requests of `service` (and `operation`, None: any), at most `times`
    times (None: until cleared), each with `probability`, once `skip` matching requests have
    passed through (e.g. a turn's second transaction, not its first)."""

    service: str
    action: Action
    operation: str | None = None
    times: int | None = None
    probability: float = 1.0
    skip: int = 0


@dataclass(frozen=True, slots=True)
class Seen:
    """One request the proxy received: what it was and what it was answered (`injected` is
    the error code or "drop", None when it was passed through)."""

    service: str
    operation: str
    injected: str | None


@dataclass
class _Rule:
    fault: Fault
    left: int | None
    skip: int


def classify(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[str, str]:
    """(service, operation) of a request; `headers` with lower-case names. Operation names
    are the API's (`PutItem`, `UploadPart`, `SendMessage`); "" when unknown."""
    amz_target = headers.get("x-amz-target", "")
    service = _scope_service(headers.get("authorization", ""))
    if not service and amz_target:
        prefix = amz_target.split(".", 1)[0].split("_", 1)[0]
        service = _TARGET_SERVICES.get(prefix, prefix.lower())
    service = service or UNSIGNED_SERVICE
    if amz_target:
        return service, amz_target.rsplit(".", 1)[-1]
    url = urlsplit(target)
    query = parse_qs(url.query, keep_blank_values=True)
    if service == "s3":
        return service, _s3_operation(method, url.path, query)
    form = parse_qs(body.decode("utf-8", "replace")) if method == "POST" else {}
    action = (query.get("Action") or form.get("Action") or [""])[0]
    return service, action


def _scope_service(authorization: str) -> str:
    marker = "Credential="
    start = authorization.find(marker)
    if start < 0:
        return ""
    scope = authorization[start + len(marker) :].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else ""


def _s3_operation(method: str, path: str, query: dict[str, list[str]]) -> str:
    object_request = len([p for p in path.split("/") if p]) >= 2  # path style: /bucket/key
    if "uploadId" in query:
        if "partNumber" in query and method == "PUT":
            return "UploadPart"
        return {"POST": "CompleteMultipartUpload", "DELETE": "AbortMultipartUpload"}.get(
            method, "ListParts"
        )
    if "uploads" in query:
        return "CreateMultipartUpload" if method == "POST" else "ListMultipartUploads"
    if not object_request:
        if "delete" in query:
            return "DeleteObjects"
        return {"GET": "ListObjectsV2", "HEAD": "HeadBucket", "POST": "PostObject"}.get(
            method, method
        )
    return {
        "GET": "GetObject",
        "HEAD": "HeadObject",
        "PUT": "PutObject",
        "DELETE": "DeleteObject",
        "POST": "PostObject",
    }.get(method, method)


def error_answer(
    service: str, method: str, headers: dict[str, str], error: AwsError
) -> tuple[dict[str, str], bytes]:
    """The headers and body AWS sends for `error` in `service`'s protocol."""
    request_id = uuid.uuid4().hex
    if service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
            f"<RequestId>{request_id}</RequestId><HostId>fault-proxy</HostId></Error>"
        ).encode()
        answer_headers = {"Content-Type": "application/xml", "x-amz-request-id": request_id}
        # HEAD answers carry no body: botocore reads the code from the status alone.
        return answer_headers, b"" if method == "HEAD" else body
    if "x-amz-target" in headers:
        namespace = _JSON_NAMESPACES.get(service, f"com.amazonaws.{service}")
        payload = {"__type": f"{namespace}#{error.code}", "message": error.message}
        answer_headers = {
            "Content-Type": headers.get("content-type", "application/x-amz-json-1.0"),
            "x-amzn-RequestId": request_id,
            "x-amzn-ErrorType": error.code,
        }
        if service == "sqs":
            # SQS's JSON protocol keeps its query-protocol codes in this header.
            fault_side = "Receiver" if error.status >= 500 else "Sender"
            answer_headers["x-amzn-query-error"] = f"{error.code};{fault_side}"
        return answer_headers, json.dumps(payload).encode()
    fault_side = "Receiver" if error.status >= 500 else "Sender"
    body = (
        f"<ErrorResponse><Error><Type>{fault_side}</Type><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
    return {"Content-Type": "text/xml", "x-amzn-RequestId": request_id}, body


# Hop-by-hop headers are the proxy's own business on each side (RFC 9110, 7.6.1).
_HOP_BY_HOP: Final = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
     "proxy-connection", "proxy-authenticate", "proxy-authorization"}
)  # fmt: skip


@dataclass
class FaultProxy:
    """`FaultProxy(upstream).start()`; `url` is what services use as their AWS endpoint."""

    upstream: str
    host: str = "127.0.0.1"
    seed: int | None = None
    seen: list[Seen] = field(default_factory=list)
    _rules: list[_Rule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _random: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)  # noqa: S311 - fault sampling, not secrets

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return f"http://{self.host}:{self._server.server_address[1]}"

    def inject(self, *faults: Fault) -> None:
        with self._lock:
            self._rules.extend(_Rule(f, f.times, f.skip) for f in faults)

    def clear(self) -> None:
        """Remove every rule: from now on every request passes through."""
        with self._lock:
            self._rules.clear()

    def injected(self, service: str | None = None, operation: str | None = None) -> list[Seen]:
        """The requests that were answered with a fault (optionally of one service/operation)."""
        with self._lock:
            return [
                s
                for s in self.seen
                if s.injected
                and (service is None or s.service == service)
                and (operation is None or s.operation == operation)
            ]

    def requests(self, service: str, operation: str | None = None) -> list[Seen]:
        with self._lock:
            return [
                s
                for s in self.seen
                if s.service == service and (operation is None or s.operation == operation)
            ]

    def decide(self, service: str, operation: str) -> Action | None:
        """The action for one request, consuming one use of the matching rule; records it."""
        with self._lock:
            action: Action | None = None
            for rule in self._rules:
                fault = rule.fault
                if fault.service != service or fault.operation not in (None, operation):
                    continue
                if rule.left is not None and rule.left <= 0:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if fault.probability < 1.0 and self._random.random() >= fault.probability:
                    continue
                if rule.left is not None:
                    rule.left -= 1
                action = fault.action
                break
            label = None
            if isinstance(action, Drop):
                label = "lost_answer" if action.after_upstream else "drop"
            elif action is not None:
                label = action.code
            self.seen.append(Seen(service, operation, label))
            return action

    def start(self) -> FaultProxy:
        owner = self

        class Handler(_ProxyHandler):
            proxy = owner

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fault-proxy", daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class _ProxyHandler(BaseHTTPRequestHandler):
    proxy: FaultProxy
    protocol_version = "HTTP/1.1"  # keep-alive, like the real endpoints botocore pools to

    def log_message(self, format: str, *args: object) -> None:
        return

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("content-length", "0") or 0))

    def _handle(self) -> None:
        body = self._body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        service, operation = classify(self.command, self.path, headers, body)
        action = self.proxy.decide(service, operation)
        if isinstance(action, Drop):
            if action.after_upstream:
                self._exchange(body)
            self.close_connection = True
            self.connection.close()
            return
        if isinstance(action, AwsError):
            answer_headers, payload = error_answer(service, self.command, headers, action)
            self._answer(action.status, answer_headers.items(), payload, len(payload))
            return
        self._forward(body)

    def _forward(self, body: bytes) -> None:
        status, forwarded, payload = self._exchange(body)
        # HEAD keeps the object's Content-Length; every other answer gets the body's.
        length = None if self.command == "HEAD" else len(payload)
        self._answer(status, forwarded, payload, length)

    def _exchange(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        """Send the request upstream; its status, end-to-end headers and body."""
        upstream = urlsplit(self.proxy.upstream)
        connection = http.client.HTTPConnection(upstream.hostname or "", upstream.port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            headers["Content-Length"] = str(len(body))
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            forwarded = [(k, v) for k, v in response.getheaders() if k.lower() not in _HOP_BY_HOP]
            return response.status, forwarded, payload
        finally:
            connection.close()

    def _answer(
        self,
        status: int,
        headers: Iterable[tuple[str, str]],
        payload: bytes,
        length: int | None,
    ) -> None:
        self.send_response_only(status)
        for name, value in headers:
            if length is not None and name.lower() == "content-length":
                continue
            self.send_header(name, value)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle
