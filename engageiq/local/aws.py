"""The local AWS endpoint: moto in server mode on loopback, provisioned from the resource spec
exactly as the Pulumi program provisions the cloud (same tables, indexes, TTLs, buckets and
user pool settings)."""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Final

from botocore.config import Config

from engageiq.local.state import ChangeCounter, GatedApp, RequestGate
from engageiq_tenancy.aws import new_client
from engageiq_tenancy.resources import (
    BUCKETS,
    QUEUES,
    TABLES,
    USER_POOL,
    Environment,
    QueueSpec,
    TableSpec,
)

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

LOCAL_ENV: Final[Environment] = "local"
REGION = "us-east-1"
# moto accepts any credentials; fixed ones keep every local process on the same account.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


# The local pool's password rule (the cloud pool's is in platform/engageiq_infra/identity.py).
PASSWORD_POLICY: Final = {
    "MinimumLength": 12,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": False,
}
PASSWORD_RULE: Final = (
    "at least 12 characters, with an upper-case letter, a lower-case letter and a digit"  # noqa: S105
)


class LocalAwsError(RuntimeError):
    """The local AWS endpoint could not be started or provisioned."""


@dataclass(frozen=True, slots=True)
class LocalResources:
    endpoint_url: str
    region: str
    user_pool_id: str
    user_pool_client_id: str
    tables: dict[str, str]
    buckets: dict[str, str]
    queues: dict[str, str] = field(default_factory=dict)
    """Logical queue name -> queue URL (its dead-letter queue under "<name>-dlq")."""

    @property
    def jwks_url(self) -> str:
        # moto serves the JWKS here, not at "<issuer>/.well-known/jwks.json".
        return f"{self.endpoint_url}/{self.user_pool_id}/.well-known/jwks.json"


def aws_client(service: str, endpoint_url: str) -> Any:
    return new_client(
        service,
        region=REGION,
        endpoint_url=endpoint_url,
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}),
        credentials=dict(LOCAL_CREDENTIALS),
    )


@lru_cache(maxsize=32)
def _provisioning_client(service: str, endpoint_url: str) -> Any:
    """`provision`'s and `ensure_queues`' own client for `service` at `endpoint_url`, made once
    per process: every test that asks for fresh resources provisions again, and its four new
    clients cost ~20 ms of CPU of the ~130 ms (boto3 clients are thread-safe and hold no
    state of moto's). Never handed out, so no caller's event hooks can reach another's."""
    return aws_client(service, endpoint_url)


class LocalAwsServer:
    """moto's WSGI app served by werkzeug on 127.0.0.1 only (what moto's ThreadedMotoServer
    does), behind the request gate that lets `Snapshotter` save a consistent state."""

    def __init__(
        self,
        port: int,
        host: str = "127.0.0.1",
        *,
        fast_transactions: bool = True,
        spare_work: bool = True,
    ):
        """`fast_transactions=False` keeps moto's own TransactWriteItems, `spare_work=False`
        moto's repeated work (each for a benchmark's comparison only, in a process of its
        own: the patches are moto-wide; see engageiq.local.moto_patches)."""
        self.host = host
        self.port = port
        self.fast_transactions = fast_transactions
        self.spare_work = spare_work
        self.gate = RequestGate()
        self.changes = ChangeCounter()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Every backend emptied (moto's own reset): tables, buckets, queues and user pools
        are gone until `provision` makes them again (tests and benchmarks)."""
        request = urllib.request.Request(f"{self.endpoint_url}/moto-api/reset", method="POST")  # noqa: S310 (loopback moto)
        urllib.request.urlopen(request, timeout=5).close()  # noqa: S310 (loopback moto)

    def start(self, timeout: float = 10.0) -> None:
        # moto's werkzeug server logs every request to stderr; the services log their own.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        ensure_ports_free(
            self.host,
            {self.port: "the local AWS endpoint (moto)"},
            requested=f"--aws-port {self.port}",
        )
        # Imported here: moto is heavy, and operator commands import this module for its
        # client helpers without ever starting a server.
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        from engageiq.local.moto_patches import (
            isolate_dynamodb_requests,
            patch_transact_write_items,
            spare_repeated_work,
        )

        isolate_dynamodb_requests()
        if self.spare_work:
            spare_repeated_work()
        if self.fast_transactions:
            patch_transact_write_items()
        app = GatedApp(DomainDispatcherApplication(create_backend_app), self.gate, self.changes)
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="moto-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=1):  # noqa: S310
                    return
            except OSError:
                time.sleep(0.05)
        raise LocalAwsError(f"moto did not answer on {self.endpoint_url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None


def ensure_ports_free(host: str, ports: dict[int, str], *, requested: str) -> None:
    """Raise LocalAwsError naming the first port of `ports` ({port: what}) that something
    listens on. `requested` is how the user asked for them (e.g. "--port 8000 --aws-port
    4566"), repeated in the message with a suggestion of free ones.

    The probe sets SO_REUSEADDR, as every server we start does (werkzeug, uvicorn): without it
    the TIME_WAIT connections a stopped run leaves behind for up to a minute block the bind,
    although nothing listens and the real server would start."""
    for port, what in ports.items():
        if port and not port_is_free(host, port):
            raise LocalAwsError(
                f"Port {port} on {host} is already in use, so {what} cannot start there "
                f"(requested: {requested}). Stop whatever listens on it (another "
                "`./scripts/dev`?) or choose other ports, for example: ./scripts/dev "
                f"--port {_free_port(host)} --aws-port {_free_port(host)}."
            )


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def _create_table(dynamodb: Any, spec: TableSpec, name: str) -> None:
    request: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": a, "AttributeType": "S"} for a in spec.key_attributes
        ],
        "KeySchema": [
            {"AttributeName": spec.partition_key, "KeyType": "HASH"},
            {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
        ],
        "SSESpecification": {"Enabled": True},
    }
    if spec.indexes:
        request["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ]
    dynamodb.create_table(**request)
    if spec.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
        )


def add_missing_tables(endpoint_url: str) -> list[str]:
    """Create the tables of the spec that a restored state lacks (saved by an older version,
    e.g. before the audit table, decision 0118); their names."""
    dynamodb = aws_client("dynamodb", endpoint_url)
    present = set(dynamodb.list_tables()["TableNames"])
    added: list[str] = []
    for spec in TABLES:
        name = spec.physical_name(LOCAL_ENV)
        if name not in present:
            _create_table(dynamodb, spec, name)
            added.append(name)
    return added


def add_missing_indexes(endpoint_url: str) -> list[str]:
    """Create the indexes of the spec that a restored table lacks (state saved by an older
    version, e.g. before the files table's `by_ingestion`, decision 0075); their names."""
    dynamodb = aws_client("dynamodb", endpoint_url)
    added: list[str] = []
    for spec in TABLES:
        name = spec.physical_name(LOCAL_ENV)
        table = dynamodb.describe_table(TableName=name)["Table"]
        present = {i["IndexName"] for i in table.get("GlobalSecondaryIndexes", [])}
        for index in spec.indexes:
            if index.name in present:
                continue
            dynamodb.update_table(
                TableName=name,
                AttributeDefinitions=[
                    {"AttributeName": a, "AttributeType": "S"}
                    for a in (index.partition_key, index.sort_key)
                ],
                GlobalSecondaryIndexUpdates=[
                    {
                        "Create": {
                            "IndexName": index.name,
                            "KeySchema": [
                                {"AttributeName": index.partition_key, "KeyType": "HASH"},
                                {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                            ],
                            "Projection": {"ProjectionType": "ALL"},
                        }
                    }
                ],
            )
            added.append(f"{name}/{index.name}")
    return added


def dead_letter_key(queue: QueueSpec) -> str:
    """The key of a dead-letter queue's URL in `LocalResources.queues`."""
    return f"{queue.logical_name}-dlq"


def queue_attributes(spec: QueueSpec, dead_letter_arn: str) -> dict[str, str]:
    """The SQS attributes of `spec`'s queue, as the Pulumi program sets them."""
    return {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "false",
        "VisibilityTimeout": str(spec.visibility_timeout_seconds),
        "MessageRetentionPeriod": str(spec.retention_seconds),
        "SqsManagedSseEnabled": "true",
        "RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": spec.max_receive_count}
        ),
    }


def ensure_queues(endpoint_url: str) -> dict[str, str]:
    """Create the spec's queues (each with its dead-letter queue and redrive policy) that do
    not exist yet - all of them in a fresh moto, the missing ones in a state saved before
    they were added - and return their URLs (`LocalResources.queues`). A queue a saved state
    holds with other attributes (the redrive backstop raised by decision 0141) is brought to
    the spec's, as `pulumi up` changes a deployed queue in place.

    URLs are asked of moto each time, never saved: they carry the endpoint's port, which may
    differ from the run that saved the state."""
    sqs = _provisioning_client("sqs", endpoint_url)
    urls: dict[str, str] = {}
    for spec in QUEUES:
        dead_letter = sqs.create_queue(
            QueueName=spec.dead_letter_physical_name(LOCAL_ENV),
            Attributes={
                "FifoQueue": "true",
                "MessageRetentionPeriod": str(spec.dead_letter_retention_seconds),
                "SqsManagedSseEnabled": "true",
            },
        )["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dead_letter, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        attributes = queue_attributes(spec, arn)
        try:
            # Answers with the existing queue when the attributes are the same.
            url = sqs.create_queue(QueueName=spec.physical_name(LOCAL_ENV), Attributes=attributes)[
                "QueueUrl"
            ]
        except sqs.exceptions.QueueNameExists:
            url = sqs.get_queue_url(QueueName=spec.physical_name(LOCAL_ENV))["QueueUrl"]
            # `FifoQueue` is fixed at creation (and the name says it); the rest can change.
            changeable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
            sqs.set_queue_attributes(QueueUrl=url, Attributes=changeable)
        urls[spec.logical_name] = url
        urls[dead_letter_key(spec)] = dead_letter
    return urls


def provision(endpoint_url: str) -> LocalResources:
    """Create every table, bucket and the user pool of the spec in a fresh moto."""
    dynamodb = _provisioning_client("dynamodb", endpoint_url)
    s3 = _provisioning_client("s3", endpoint_url)
    cognito = _provisioning_client("cognito-idp", endpoint_url)

    tables = {t.logical_name: t.physical_name(LOCAL_ENV) for t in TABLES}
    for spec in TABLES:
        _create_table(dynamodb, spec, tables[spec.logical_name])

    buckets = {b.logical_name: b.physical_name(LOCAL_ENV) for b in BUCKETS}
    for bucket_spec in BUCKETS:
        name = buckets[bucket_spec.logical_name]
        s3.create_bucket(Bucket=name)
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
        )
        if bucket_spec.versioned:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})

    pool = cognito.create_user_pool(
        PoolName=USER_POOL.pool_name(LOCAL_ENV),
        Schema=[
            {
                "Name": USER_POOL.tenant_attribute,
                "AttributeDataType": "String",
                "Mutable": False,
                "StringAttributeConstraints": {"MinLength": "3", "MaxLength": "32"},
            }
        ],
        Policies={"PasswordPolicy": dict(PASSWORD_POLICY)},
        UsernameAttributes=["email"],
    )["UserPool"]
    client = cognito.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName="web",
        GenerateSecret=False,
        ExplicitAuthFlows=list(USER_POOL.auth_flows),
        WriteAttributes=list(USER_POOL.client_write_attributes),
        ReadAttributes=[*USER_POOL.client_read_attributes, USER_POOL.tenant_claim],
    )["UserPoolClient"]
    return LocalResources(
        endpoint_url=endpoint_url,
        region=REGION,
        user_pool_id=pool["Id"],
        user_pool_client_id=client["ClientId"],
        tables=tables,
        buckets=buckets,
        queues=ensure_queues(endpoint_url),
    )
