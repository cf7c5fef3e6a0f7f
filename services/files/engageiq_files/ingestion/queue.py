"""`IngestionQueue`: the files service's side of the SQS FIFO ingestion queue (decision 0076).

A job is `{"tenantId", "fileId"}` and nothing else: the consumer reads everything else from
the catalog, as that tenant. The message group is the tenant id, so SQS hands out one job of
a tenant at a time across every instance (one tenant's index builds never race), while
different tenants are worked on in parallel. A job that failed `MAX_ATTEMPTS` times is moved
to the dead-letter queue by the consumer itself (`dead_letter`, decision 0141); SQS's redrive
policy is the backstop. Blocking (boto3); async callers run it in a worker thread."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import msgspec

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import InvalidObjectId, object_id
from engageiq_tenancy.resources import INGESTION
from engageiq_tenancy.tenant_ids import is_valid_tenant_id

MAX_VISIBILITY_SECONDS: Final = 43_200
"""SQS's upper bound for a visibility timeout (12 h)."""


class IngestionJob(msgspec.Struct, rename="camel", frozen=True, forbid_unknown_fields=True):
    tenant_id: str
    file_id: str


_decoder = msgspec.json.Decoder(IngestionJob)


def decode_job(body: str) -> IngestionJob | None:
    """The job in a message body, or None for anything this service never writes (a body
    that is not a job, a tenant id no tenant could have, a file id that is not an id)."""
    try:
        job = _decoder.decode(body)
        object_id(job.file_id)
    except (msgspec.DecodeError, InvalidObjectId):
        return None
    return job if is_valid_tenant_id(job.tenant_id) else None


@dataclass(frozen=True, slots=True)
class ReceivedJob:
    """One received message: its job (None if unreadable), the receipt handle that deletes or
    delays it, how many times SQS has handed it out (1 on the first receive), and its SQS
    message id (which deduplicates its move to the dead-letter queue)."""

    job: IngestionJob | None
    receipt_handle: str
    receive_count: int
    message_id: str = ""


class IngestionQueue:
    def __init__(self, sqs: Any, url: str, dead_letter_url: str | None = None) -> None:
        self._sqs = sqs
        self._url = url
        self._dead_letter_url = dead_letter_url

    @property
    def url(self) -> str:
        return self._url

    def send(self, tenant: TenantContext, file_id: str, deduplication_id: str) -> None:
        """Queue the ingestion of `file_id` for `tenant`. `deduplication_id` makes a retried
        send of the same job (botocore retries, a second `complete`) a no-op for SQS's
        5-minute window; a deliberate second job (a sweep) passes another one."""
        body = msgspec.json.encode(IngestionJob(tenant.tenant_id, file_id)).decode()
        self._sqs.send_message(
            QueueUrl=self._url,
            MessageBody=body,
            MessageGroupId=tenant.tenant_id,
            MessageDeduplicationId=deduplication_id[:128],
        )

    def receive(self, visibility_seconds: int, wait_seconds: int) -> list[ReceivedJob]:
        """At most one job (long poll of `wait_seconds`), hidden from every other consumer for
        `visibility_seconds` unless deleted. One at a time: a job waiting in a batch would
        use up its visibility timeout while another runs."""
        response = self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=1,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=visibility_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        return [
            ReceivedJob(
                decode_job(message["Body"]),
                message["ReceiptHandle"],
                int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1")),
                message.get("MessageId", ""),
            )
            for message in response.get("Messages", [])
        ]

    def delete(self, received: ReceivedJob) -> None:
        self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=received.receipt_handle)

    def dead_letter(self, received: ReceivedJob) -> None:
        """Move a job that failed `MAX_ATTEMPTS` times to the dead-letter queue (where the
        alarm and an operator find it, `docs/operations.md`), then delete it here: a copy
        first, so a failure in between leaves the job in the queue rather than nowhere; a
        second move of the same message is dropped by SQS (same deduplication id, 5 minutes).

        Raises ValueError for an unreadable message or a queue built without a dead-letter
        URL; boto3's errors as they come."""
        if received.job is None or self._dead_letter_url is None:
            raise ValueError("only a job of a queue with a dead-letter URL can be dead-lettered")
        self._sqs.send_message(
            QueueUrl=self._dead_letter_url,
            MessageBody=msgspec.json.encode(received.job).decode(),
            MessageGroupId=received.job.tenant_id,
            MessageDeduplicationId=(received.message_id or received.receipt_handle)[:128],
        )
        self.delete(received)

    def retry_later(self, received: ReceivedJob, delay_seconds: int) -> None:
        """Leave the job in the queue and hand it out again in `delay_seconds` (the backoff).
        Until then the tenant's later jobs wait too: they share its message group."""
        self._sqs.change_message_visibility(
            QueueUrl=self._url,
            ReceiptHandle=received.receipt_handle,
            VisibilityTimeout=max(0, min(delay_seconds, MAX_VISIBILITY_SECONDS)),
        )

    def idle(self) -> bool:
        """True when no job is waiting, delayed or being worked on (tests and benchmarks wait
        for it; SQS's counts are approximate in the cloud).

        Two reads, both empty: a job whose hidden time (a retry's backoff) runs out while one
        read counts can be missed by it. Moto counts `ApproximateNumberOfMessages` before
        `...NotVisible`, each against the clock, so a job still hidden at the first count and
        visible by the second is in neither; found when a test's wait returned while a
        retried job was in flight. It cannot be missed by the next read too: once visible it
        stays counted until received, and a receive moves it between counts at once."""
        return self._read_idle() and self._read_idle()

    def _read_idle(self) -> bool:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self._url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return all(int(value) == 0 for value in attributes.values())


def resolve_url(sqs: Any, configured: str | None, queue_name: str) -> str:
    """The queue's URL: the configured one (the Pulumi program and `engageiq dev` set
    `INGESTION.env_var`), else asked of SQS by the spec's name (tests in process)."""
    if configured:
        return configured
    url: str = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    return url


MAX_ATTEMPTS: Final = INGESTION.max_attempts
"""Failed attempts of one job before the consumer gives up and dead-letters it (0141)."""
MAX_RECEIVES: Final = INGESTION.max_receive_count
"""Receives of one job before SQS moves it to the dead-letter queue (the redrive policy, the
backstop for a job whose failures could not be counted)."""
