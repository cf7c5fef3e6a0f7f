"""A local state saved with a queue whose attributes the spec has since changed (decision 0141
raised the ingestion queue's redrive backstop from 5 to 10 receives) is restored with the
spec's attributes, not refused: `create_queue` fails for a name that exists with others."""

from __future__ import annotations

import json
from typing import Any

from engageiq.local.aws import LocalResources, aws_client, ensure_queues
from engageiq_tenancy.resources import INGESTION


def _redrive(sqs: Any, url: str) -> dict[str, Any]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    policy: dict[str, Any] = json.loads(attributes["Attributes"]["RedrivePolicy"])
    return policy


def test_a_restored_queue_gets_the_specs_redrive_policy(local_resources: LocalResources) -> None:
    sqs = aws_client("sqs", local_resources.endpoint_url)
    url = local_resources.queues[INGESTION.logical_name]
    redrive = _redrive(sqs, url)
    older = {**redrive, "maxReceiveCount": 5}  # as the state of an older version holds it
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(older)})
    try:
        urls = ensure_queues(local_resources.endpoint_url)
        assert urls == local_resources.queues
        assert _redrive(sqs, url)["maxReceiveCount"] == INGESTION.max_receive_count
        assert ensure_queues(local_resources.endpoint_url) == urls  # and again: unchanged
    finally:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(redrive)})
