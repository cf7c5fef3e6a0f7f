"""`tenant_violations`: what must hold for one tenant's stored data after any fault, read
straight from the local AWS endpoint (moto), not through the services.

Files (table `files`, partition `<tenant>#FILES`; bucket prefix `tenants/<tenant>/`):
- `open_multipart_upload`: no S3 multipart upload left open (a half-written object);
- `record_without_object`: every file record (other than a direct upload still awaiting its
  bytes) has its object, in the version it names;
- `record_without_chunks`: a record that names its chunks has them;
- `orphaned_object`: every object under `files/` and `chunks/` belongs to a live record (an
  expired upload-in-progress record counts as gone: its cleanup has not run);
- `stale_index_blob`: the only object under `index/` is the one the pointer names;
- `index_without_blob`, `index_entry_without_file`: the pointer's blob exists, and every file
  id in it is a live, ingested (`ready`) record.

Conversations (table `conversations`, partitions `<tenant>#USER#<user>`):
- `message_without_conversation`: every message item has its conversation item;
- `message_count_mismatch`: an active conversation's `messageCount` is the number of its
  message items (a turn is written whole or not at all);
- `unmarked_partial_answer`: an assistant message that is not `complete` says why
  (`finishReason`), and its status is one of complete, incomplete, failed; or it is
  `streaming` with the lease that tells readers when its generator died (`checkpointAt`,
  `streamId`: decision 0114).

Other suites reuse it: `assert_tenant_consistent(resources, tenant_id)` after each fault."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from engageiq.local.aws import LocalResources, aws_client
from engageiq_search.index_store import is_manifest_key
from engageiq_search.manifest import IndexManifest
from engageiq_search.tenant_index import TenantIndex
from engageiq_tenancy.items import from_item

ANSWER_STATUSES = frozenset({"complete", "incomplete", "failed"})


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    subject: str
    """The key, object or id concerned."""

    def __str__(self) -> str:
        return f"{self.rule}: {self.subject}"


def _query(dynamodb: Any, table: str, pk: str) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": pk}},
        "ConsistentRead": True,
    }
    while True:
        answer = dynamodb.query(**request)
        yield from (from_item(i) for i in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _scan_prefix(dynamodb: Any, table: str, prefix: str) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "begins_with(pk, :p)",
        "ExpressionAttributeValues": {":p": {"S": prefix}},
        "ConsistentRead": True,
    }
    while True:
        answer = dynamodb.scan(**request)
        yield from (from_item(i) for i in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def _objects(s3: Any, bucket: str, prefix: str) -> set[str]:
    keys: set[str] = set()
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys |= {o["Key"] for o in page.get("Contents", [])}
    return keys


def _has_version(s3: Any, bucket: str, key: str, version: str | None) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key, **({"VersionId": version} if version else {}))
    except s3.exceptions.ClientError:
        return False
    return True


def file_violations(resources: LocalResources, tenant_id: str) -> list[Violation]:
    dynamodb = aws_client("dynamodb", resources.endpoint_url)
    s3 = aws_client("s3", resources.endpoint_url)
    table, bucket = resources.tables["files"], resources.buckets["uploads"]
    prefix = f"tenants/{tenant_id}/"
    found: list[Violation] = []

    uploads = s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix).get("Uploads", [])
    found += [Violation("open_multipart_upload", u["Key"]) for u in uploads]

    now = time.time()
    records: dict[str, dict[str, Any]] = {}
    pointer: dict[str, Any] = {}
    for item in _query(dynamodb, table, f"{tenant_id}#FILES"):
        if item["sk"] == "INDEX":
            pointer = item
        elif item["sk"].startswith("FILE#"):
            expires = item.get("expiresAt")
            if expires is None or int(expires) > now:
                records[str(item["id"])] = item
    objects = _objects(s3, bucket, prefix)

    owned: set[str] = set()
    for file_id, record in records.items():
        key = str(record["objectKey"])
        owned.add(key)
        if not record.get("awaitingUpload") and not _has_version(
            s3, bucket, key, record.get("objectVersion")
        ):
            found.append(Violation("record_without_object", file_id))
        chunks = record.get("chunksKey")
        if chunks:
            owned.add(str(chunks))
            if chunks not in objects:
                found.append(Violation("record_without_chunks", file_id))
    for key in sorted(objects):
        area = key[len(prefix) :].split("/", 1)[0]
        if area in ("files", "chunks") and key not in owned:
            found.append(Violation("orphaned_object", key))

    found += _index_violations(s3, bucket, prefix, pointer.get("indexKey"), objects, records)
    return found


def _index_violations(
    s3: Any,
    bucket: str,
    prefix: str,
    index_key: str | None,
    objects: set[str],
    records: dict[str, dict[str, Any]],
) -> list[Violation]:
    """Every index object is the pointer's manifest or a segment it lists (decision 0100),
    each listed object exists, and every file the index can return is `ready`."""
    blobs = {k for k in objects if k.startswith(f"{prefix}index/")}
    if not index_key:
        return [Violation("stale_index_blob", k) for k in sorted(blobs)]
    if index_key not in blobs:
        return [Violation("index_without_blob", index_key)]
    live: set[str] = set()
    listed = {index_key}
    if is_manifest_key(index_key):
        manifest = IndexManifest.from_json(
            s3.get_object(Bucket=bucket, Key=index_key)["Body"].read()
        )
        listed |= {entry.key for entry in manifest.segments}
        live = set(manifest.live_files())
    else:
        blob = s3.get_object(Bucket=bucket, Key=index_key)["Body"].read()
        live = TenantIndex.from_bytes(blob).file_ids()
    found = [Violation("stale_index_blob", k) for k in sorted(blobs - listed)]
    found += [Violation("index_without_blob", k) for k in sorted(listed - blobs)]
    found += [
        Violation("index_entry_without_file", file_id)
        for file_id in sorted(live)
        if records.get(file_id, {}).get("status") != "ready"
    ]
    return found


def conversation_violations(resources: LocalResources, tenant_id: str) -> list[Violation]:
    dynamodb = aws_client("dynamodb", resources.endpoint_url)
    table = resources.tables["conversations"]
    conversations: dict[tuple[str, str], dict[str, Any]] = {}
    messages: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in _scan_prefix(dynamodb, table, f"{tenant_id}#USER#"):
        tag, _, rest = str(item["sk"]).partition("#")
        if tag == "CONV":
            conversations[(item["pk"], rest)] = item
        elif tag == "MSG":
            messages.setdefault((item["pk"], rest.split("#", 1)[0]), []).append(item)
    found: list[Violation] = []
    for key in sorted(messages):
        if key not in conversations:
            found.append(Violation("message_without_conversation", key[1]))
    for key, conversation in sorted(conversations.items()):
        stored = messages.get(key, [])
        if conversation.get("status", "active") == "active" and int(
            conversation.get("messageCount", 0)
        ) != len(stored):
            found.append(
                Violation(
                    "message_count_mismatch",
                    f"{key[1]} counts {conversation.get('messageCount')}, holds {len(stored)}",
                )
            )
        for message in stored:
            if message.get("role") != "assistant":
                continue
            status = message.get("status")
            if status == "streaming" and message.get("checkpointAt") and message.get("streamId"):
                continue
            if status not in ANSWER_STATUSES or (
                status != "complete" and not message.get("finishReason")
            ):
                found.append(Violation("unmarked_partial_answer", str(message.get("id"))))
    return found


def tenant_violations(resources: LocalResources, tenant_id: str) -> list[Violation]:
    """Every broken invariant of the module docstring for `tenant_id` (empty: consistent)."""
    return file_violations(resources, tenant_id) + conversation_violations(resources, tenant_id)


def assert_tenant_consistent(resources: LocalResources, tenant_id: str) -> None:
    violations = tenant_violations(resources, tenant_id)
    assert not violations, f"tenant {tenant_id}: " + "; ".join(map(str, violations))
