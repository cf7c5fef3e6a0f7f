"""The fault proxy answers each service's real error shapes, which botocore parses and its
standard retry mode retries; everything else passes through unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from engageiq.local.aws import LOCAL_CREDENTIALS, LocalResources
from engageiq_tenancy.aws import CLIENT_CONFIG
from tests.support.fault_proxy import DROP, SERVER_ERROR, THROTTLED, UNAVAILABLE, Fault, FaultProxy

NO_RETRIES = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, s3={"addressing_style": "path"}
)


@pytest.fixture
def proxy(local_resources: LocalResources) -> Iterator[FaultProxy]:
    running = FaultProxy(local_resources.endpoint_url, seed=7).start()
    yield running
    running.stop()


def client(service: str, proxy: FaultProxy, config: Config = NO_RETRIES) -> Any:
    return boto3.session.Session().client(  # type: ignore[call-overload]
        service, region_name="us-east-1", endpoint_url=proxy.url, config=config, **LOCAL_CREDENTIALS
    )


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = exc.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_dynamodb_throttling_and_5xx_have_the_real_shapes(
    proxy: FaultProxy, local_resources: LocalResources
) -> None:
    dynamodb = client("dynamodb", proxy)
    table = local_resources.tables["files"]
    key = {"pk": {"S": "acme#FILES"}, "sk": {"S": "FILE#1"}}
    for error in (THROTTLED["dynamodb"], SERVER_ERROR["dynamodb"], UNAVAILABLE):
        proxy.inject(Fault("dynamodb", error, operation="GetItem", times=1))
        with pytest.raises(ClientError) as refused:
            dynamodb.get_item(TableName=table, Key=key)
        assert error_code(refused) == (error.code, error.status)
    assert "Item" not in dynamodb.get_item(TableName=table, Key=key)  # rules used up: passes
    assert [s.injected for s in proxy.injected("dynamodb", "GetItem")] == [
        "ProvisionedThroughputExceededException",
        "InternalServerError",
        "ServiceUnavailable",
    ]


def test_s3_slowdown_on_one_operation_only(
    proxy: FaultProxy, local_resources: LocalResources
) -> None:
    s3 = client("s3", proxy)
    bucket = local_resources.buckets["uploads"]
    proxy.inject(Fault("s3", THROTTLED["s3"], operation="UploadPart"))
    s3.put_object(Bucket=bucket, Key="tenants/acme/files/x", Body=b"hello")
    assert s3.head_object(Bucket=bucket, Key="tenants/acme/files/x")["ContentLength"] == 5
    upload = s3.create_multipart_upload(Bucket=bucket, Key="tenants/acme/files/y")["UploadId"]
    with pytest.raises(ClientError) as refused:
        s3.upload_part(
            Bucket=bucket, Key="tenants/acme/files/y", UploadId=upload, PartNumber=1, Body=b"x"
        )
    assert error_code(refused) == ("SlowDown", 503)
    s3.abort_multipart_upload(Bucket=bucket, Key="tenants/acme/files/y", UploadId=upload)
    assert [s.operation for s in proxy.requests("s3")] == [
        "PutObject", "HeadObject", "CreateMultipartUpload", "UploadPart", "AbortMultipartUpload"
    ]  # fmt: skip


def test_sqs_throttling_on_a_queue_created_for_the_test(proxy: FaultProxy) -> None:
    sqs = client("sqs", proxy)
    queue = sqs.create_queue(QueueName="faults-test")["QueueUrl"]
    proxy.inject(Fault("sqs", THROTTLED["sqs"], operation="SendMessage", times=1))
    with pytest.raises(ClientError) as refused:
        sqs.send_message(QueueUrl=queue, MessageBody="job")
    assert error_code(refused) == ("RequestThrottled", 400)
    sqs.send_message(QueueUrl=queue, MessageBody="job")
    received = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", [])
    assert [m["Body"] for m in received] == ["job"]  # the throttled send stored nothing


def test_a_dropped_connection_is_a_connection_error(
    proxy: FaultProxy, local_resources: LocalResources
) -> None:
    dynamodb = client("dynamodb", proxy)
    proxy.inject(Fault("dynamodb", DROP, times=1))
    with pytest.raises(ConnectionClosedError):
        dynamodb.describe_table(TableName=local_resources.tables["files"])


@pytest.mark.parametrize("service", ["dynamodb", "s3", "sqs"])
def test_the_shared_client_config_retries_a_burst_of_faults(
    proxy: FaultProxy, local_resources: LocalResources, service: str
) -> None:
    """Three faults in a row (throttling, a 5xx, a dropped connection) are invisible behind the
    services' one retry policy."""
    aws = client(service, proxy, CLIENT_CONFIG)
    operation = {"dynamodb": "DescribeTable", "s3": "HeadBucket", "sqs": "ListQueues"}[service]
    for action in (THROTTLED[service], SERVER_ERROR[service], DROP):
        proxy.inject(Fault(service, action, operation=operation, times=1))
    if service == "dynamodb":
        aws.describe_table(TableName=local_resources.tables["files"])
    elif service == "s3":
        aws.head_bucket(Bucket=local_resources.buckets["uploads"])
    else:
        aws.list_queues()
    attempts = proxy.requests(service, operation)
    assert [a.injected is not None for a in attempts] == [True, True, True, False]
