"""POST /api/files/uploads + POST /api/files/{id}/complete.

moto does not enforce presigned POST policies (signature, expiry, content-length-range), so
the policy document we generate is decoded and checked here, and `complete` is tested against
objects that break it (S3 would have refused them; our check must too)."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from engageiq.local.aws import LocalResources
from tests.unit.files.conftest import LIMIT
from tests.unit.files.support import FilesClient


def start(files: FilesClient, name: str = "Deck.pdf", tenant: str = "acme") -> dict[str, Any]:
    response = files.post(tenant, "/api/files/uploads", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def policy_of(upload: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(upload["upload"]["fields"]["policy"]))
    return policy


def send(upload: dict[str, Any], content: bytes) -> httpx.Response:
    return httpx.post(
        upload["upload"]["url"],
        data=upload["upload"]["fields"],
        files={"file": ("ignored", content)},
        timeout=30,
    )


def test_the_policy_pins_the_key_size_range_and_a_short_expiry(files_client: FilesClient) -> None:
    upload = start(files_client)
    policy = policy_of(upload)
    conditions = policy["conditions"]
    key = upload["upload"]["fields"]["key"]
    assert key == f"tenants/acme/files/{upload['id']}"
    assert {"key": key} in conditions
    assert ["content-length-range", 1, LIMIT] in conditions
    assert {"bucket": "engageiq-local-uploads"} in conditions
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert (expires - datetime.now(UTC)).total_seconds() <= 600
    assert upload["maxBytes"] == LIMIT
    # Pending until completed, and it expires on its own (TTL) if never completed.
    pending = files_client.file("acme", upload["id"])
    assert pending["status"] == "pending"
    assert pending["awaitingUpload"] is True
    assert "downloadUrl" not in pending


def test_direct_upload_then_complete_makes_it_searchable(files_client: FilesClient) -> None:
    upload = start(files_client, "Battlecard.txt")
    assert send(upload, b"Our okapi integration beats the competition").status_code in {200, 204}
    response = files_client.post("acme", f"/api/files/{upload['id']}/complete")
    assert response.status_code == 200, response.text
    assert response.json()["size"] == len(b"Our okapi integration beats the competition")
    files_client.settle()
    assert files_client.file("acme", upload["id"])["status"] == "ready"
    assert [h["fileId"] for h in files_client.search("acme", "okapi")] == [upload["id"]]
    again = files_client.post("acme", f"/api/files/{upload['id']}/complete")
    assert again.status_code == 409
    assert again.json()["code"] == "already_completed"


def test_complete_before_the_upload_is_a_conflict(files_client: FilesClient) -> None:
    upload = start(files_client)
    response = files_client.post("acme", f"/api/files/{upload['id']}/complete")
    assert response.status_code == 409
    assert response.json()["code"] == "upload_missing"


def put_directly(s3: Any, resources: LocalResources, key: str, body: bytes) -> None:
    # What S3 itself would refuse under the policy, but moto accepts: written straight in.
    s3.put_object(Bucket=resources.buckets["uploads"], Key=key, Body=body)


def test_an_oversize_object_is_refused_and_removed(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    upload = start(files_client)
    key = upload["upload"]["fields"]["key"]
    put_directly(s3, local_resources, key, b"a" * (LIMIT + 1))
    response = files_client.post("acme", f"/api/files/{upload['id']}/complete")
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert s3.list_objects_v2(Bucket=local_resources.buckets["uploads"]).get("KeyCount") == 0
    assert files_client.get("acme", f"/api/files/{upload['id']}").status_code == 404


def test_a_disallowed_type_is_refused_by_content_and_removed(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    upload = start(files_client, "looks-fine.pdf")
    put_directly(s3, local_resources, upload["upload"]["fields"]["key"], b"MZ\x90\x00" * 100)
    response = files_client.post("acme", f"/api/files/{upload['id']}/complete")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    assert files_client.get("acme", f"/api/files/{upload['id']}").status_code == 404


def test_an_empty_object_is_refused(
    files_client: FilesClient, s3: Any, local_resources: LocalResources
) -> None:
    upload = start(files_client)
    put_directly(s3, local_resources, upload["upload"]["fields"]["key"], b"")
    response = files_client.post("acme", f"/api/files/{upload['id']}/complete")
    assert response.status_code == 400
    assert response.json()["code"] == "empty_file"


def test_an_abandoned_direct_upload_disappears_when_its_ttl_passes(
    files_client: FilesClient, dynamodb: Any, local_resources: LocalResources
) -> None:
    upload = start(files_client)
    # DynamoDB deletes expired items lazily (moto never does): reads must filter them.
    dynamodb.update_item(
        TableName=local_resources.tables["files"],
        Key={"pk": {"S": "acme#FILES"}, "sk": {"S": f"FILE#{upload['id']}"}},
        UpdateExpression="SET expiresAt = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    assert files_client.get("acme", f"/api/files/{upload['id']}").status_code == 404
    assert files_client.get("acme", "/api/files").json()["files"] == []


def test_the_name_is_sanitised_and_unknown_fields_refused(files_client: FilesClient) -> None:
    upload = start(files_client, "../../x\x00y.pdf")
    assert upload["name"] == "xy.pdf"
    response = files_client.post(
        "acme", "/api/files/uploads", json={"name": "a.pdf", "tenantId": "globex"}
    )
    assert response.status_code == 400


def test_bytes_posted_again_after_complete_are_never_served_or_indexed(
    files_client: FilesClient,
) -> None:
    # The presigned form stays valid until it expires: a second post to the same key after
    # `complete` must not replace what was checked (a sniff bypass otherwise).
    upload = start(files_client, "Notes.txt")
    assert send(upload, b"The checked okapi notes").status_code in {200, 204}
    assert files_client.post("acme", f"/api/files/{upload['id']}/complete").status_code == 200
    assert send(upload, b"MZ\x90\x00 an executable posing as notes").status_code in {200, 204}
    files_client.settle()
    record = files_client.file("acme", upload["id"])
    assert record["status"] == "ready"
    assert httpx.get(record["downloadUrl"], timeout=30).content == b"The checked okapi notes"
    assert [h["text"] for h in files_client.search("acme", "okapi")] == ["The checked okapi notes"]
