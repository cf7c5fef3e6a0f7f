"""The local AWS endpoint: moto in server mode on loopback, provisioned from the resource spec
exactly as the Pulumi program provisions the cloud (same tables, indexes, TTLs, buckets and
user pool settings)."""

from __future__ import annotations

import logging
import socket
import time
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import boto3
from botocore.config import Config

from engageiq_tenancy.resources import BUCKETS, TABLES, USER_POOL, Environment, TableSpec

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

LOCAL_ENV: Final[Environment] = "local"
REGION = "us-east-1"
# moto accepts any credentials; fixed ones keep every local process on the same account.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}


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

    @property
    def jwks_url(self) -> str:
        # moto serves the JWKS here, not at "<issuer>/.well-known/jwks.json".
        return f"{self.endpoint_url}/{self.user_pool_id}/.well-known/jwks.json"


def aws_client(service: str, endpoint_url: str) -> Any:
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service,
        region_name=REGION,
        endpoint_url=endpoint_url,
        config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}),
        **LOCAL_CREDENTIALS,
    )


class LocalAwsServer:
    """moto's ThreadedMotoServer, bound to 127.0.0.1 only."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self._server: ThreadedMotoServer | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        # moto's werkzeug server logs every request to stderr; the services log their own.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        ensure_port_free(self.host, self.port, what="the local AWS endpoint (moto)")
        # Imported here: moto is heavy, and operator commands import this module for its
        # client helpers without ever starting a server.
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()
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
            self._server.stop()
            self._server = None


def ensure_port_free(host: str, port: int, *, what: str) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            raise LocalAwsError(
                f"Port {port} on {host} is already in use, so {what} cannot start there. "
                "Stop whatever holds it (another `./scripts/dev`?) or choose other ports: "
                "./scripts/dev --port 8080 --aws-port 4600 (see ./scripts/dev --help)."
            ) from None


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


def provision(endpoint_url: str) -> LocalResources:
    """Create every table, bucket and the user pool of the spec in a fresh moto."""
    dynamodb = aws_client("dynamodb", endpoint_url)
    s3 = aws_client("s3", endpoint_url)
    cognito = aws_client("cognito-idp", endpoint_url)

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
        Policies={
            "PasswordPolicy": {
                "MinimumLength": 12,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": False,
            }
        },
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
    )
