"""Queues: the SQS FIFO queues of the resource spec (`QUEUES`), each with its dead-letter
queue, encryption, redrive policy and a queue policy that lets only its service write to it.

The consumer of the ingestion queue trusts the tenant id in each message (decision 0076),
which is safe only while nobody but the files service can send one: the queue policy denies
`sqs:SendMessage` to every other principal, whatever their IAM policies allow, and denies
any request that is not over TLS."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from engageiq_infra.policies import document
from engageiq_tenancy.resources import QUEUES, SERVICE_DATA, Environment, QueueSpec


@dataclass(frozen=True, slots=True)
class QueuesArgs:
    environment: Environment


@dataclass(frozen=True, slots=True)
class DeployedQueue:
    queue: aws.sqs.Queue
    dead_letter: aws.sqs.Queue


def writer_of(spec: QueueSpec) -> str:
    """The one service whose role sends to `spec`'s queue (SERVICE_DATA names it)."""
    writers = [s for s, access in SERVICE_DATA.items() if spec in access.queues]
    if len(writers) != 1:
        raise ValueError(f"queue {spec.logical_name} needs exactly one service, not {writers}")
    return writers[0]


class Queues(pulumi.ComponentResource):
    queues: dict[str, DeployedQueue]

    def __init__(
        self, name: str, args: QueuesArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("engageiq:platform:Queues", name, None, opts)
        self._name = name
        self._args = args
        self.queues = {spec.logical_name: self._queue(spec) for spec in QUEUES}
        self.register_outputs(
            {
                key: value
                for spec in QUEUES
                for key, value in (
                    (spec.output_key, self.queues[spec.logical_name].queue.url),
                    (spec.dead_letter_output_key, self.queues[spec.logical_name].dead_letter.url),
                )
            }
        )

    def _queue(self, spec: QueueSpec) -> DeployedQueue:
        env = self._args.environment
        child = pulumi.ResourceOptions(parent=self)
        tags = {"engageiq:queue": spec.logical_name}
        dead_letter = aws.sqs.Queue(
            f"{self._name}-{spec.logical_name}-dlq",
            name=spec.dead_letter_physical_name(env),
            fifo_queue=True,
            message_retention_seconds=spec.dead_letter_retention_seconds,
            sqs_managed_sse_enabled=True,
            tags={**tags, "engageiq:role": "dead-letter"},
            opts=child,
        )
        queue = aws.sqs.Queue(
            f"{self._name}-{spec.logical_name}",
            name=spec.physical_name(env),
            fifo_queue=True,
            # Deduplicated by the sender's explicit id, never by content (decision 0076).
            content_based_deduplication=False,
            visibility_timeout_seconds=spec.visibility_timeout_seconds,
            message_retention_seconds=spec.retention_seconds,
            sqs_managed_sse_enabled=True,
            redrive_policy=dead_letter.arn.apply(
                lambda arn: json.dumps(
                    {"deadLetterTargetArn": arn, "maxReceiveCount": spec.max_receive_count}
                )
            ),
            tags=tags,
            opts=child,
        )
        aws.sqs.RedriveAllowPolicy(
            f"{self._name}-{spec.logical_name}-dlq-sources",
            queue_url=dead_letter.url,
            redrive_allow_policy=queue.arn.apply(
                lambda arn: json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [arn]})
            ),
            opts=child,
        )
        return DeployedQueue(queue, dead_letter)

    def arns(self) -> dict[str, list[pulumi.Output[str]]]:
        """Logical name -> the ARNs of the queue and its dead-letter queue."""
        return {name: [q.queue.arn, q.dead_letter.arn] for name, q in self.queues.items()}

    def restrict_senders(self, service_roles: Mapping[str, aws.iam.Role]) -> None:
        """Queue policies: only the writing service's role may send (roles exist after the
        queues, since their policies name the queues' ARNs)."""
        for spec in QUEUES:
            self._restrict(spec, service_roles[writer_of(spec)])

    def _restrict(self, spec: QueueSpec, writer: aws.iam.Role) -> None:
        child = pulumi.ResourceOptions(parent=self)
        deployed = self.queues[spec.logical_name]
        for target, suffix in ((deployed.queue, ""), (deployed.dead_letter, "-dlq")):
            aws.sqs.QueuePolicy(
                f"{self._name}-{spec.logical_name}{suffix}-policy",
                queue_url=target.url,
                policy=document(
                    [
                        {
                            "Sid": "OnlyItsServiceSends",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "sqs:SendMessage",
                            "Resource": target.arn,
                            "Condition": {"ArnNotEquals": {"aws:PrincipalArn": writer.arn}},
                        },
                        {
                            "Sid": "DenyInsecureTransport",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "sqs:*",
                            "Resource": target.arn,
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ]
                ),
                opts=child,
            )
