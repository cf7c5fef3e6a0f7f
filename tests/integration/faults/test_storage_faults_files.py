"""DynamoDB and S3 throttling, 5xx and broken connections under the files service: a burst is
retried away; what outlasts the retries is a 503 `service_unavailable` with Retry-After; the
service keeps answering; and nothing half-written is left (the invariant checker)."""

from __future__ import annotations

import time
from typing import Any

from engageiq.local.aws import LocalResources
from engageiq_files.config import MIB
from engageiq_search.tenant_index import TenantIndex
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.errors import RETRY_AFTER_SECONDS
from tests.support.fault_proxy import (
    DROP,
    LOST_ANSWER,
    SERVER_ERROR,
    THROTTLED,
    UNAVAILABLE,
    Fault,
    FaultProxy,
)
from tests.support.invariants import assert_tenant_consistent, tenant_violations
from tests.unit.files.support import FilesClient, wait_for

TENANT = "acme"
DOCUMENT = b"# Pricing\nThe Pro plan costs 30 EUR per seat per month.\n"
LARGE = b"x" * (11 * MIB)  # three parts of 5 MiB: the multipart path


def assert_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    body = response.json()
    assert body["code"] == "service_unavailable"
    assert set(body) == {"code", "message", "requestId"}
    assert "Throttl" not in body["message"]
    assert "SlowDown" not in body["message"]


def reap_later(files: FilesClient) -> int:
    """One reaper sweep as it will run once every record left behind has expired."""
    runtime = files.client.app.state["files_runtime"]
    later = time.time() + runtime.settings.upload_intent_seconds + 1
    runtime.reaper.clock = lambda: later
    portal = files.client.blocking_portal
    assert portal is not None
    removed: int = portal.call(runtime.reaper.sweep)
    return removed


def listed(files: FilesClient) -> list[dict[str, Any]]:
    response = files.get(TENANT, "/api/files")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["files"]
    return items


def test_a_burst_of_faults_on_every_step_of_an_upload_is_invisible(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    proxy.inject(
        Fault("dynamodb", THROTTLED["dynamodb"], operation="PutItem", times=2),
        Fault("s3", THROTTLED["s3"], operation="CreateMultipartUpload", times=1),
        Fault("s3", SERVER_ERROR["s3"], operation="UploadPart", times=3),
        Fault("s3", DROP, operation="CompleteMultipartUpload", times=1),
        Fault("dynamodb", UNAVAILABLE, operation="UpdateItem", times=2),
    )
    response = files_client.upload(TENANT, "big.txt", LARGE)
    assert response.status_code == 201, response.text
    assert len(proxy.injected()) == 9
    files_client.settle()
    assert files_client.file(TENANT, response.json()["id"])["status"] == "ready"
    assert_tenant_consistent(local_resources, TENANT)


def test_lost_answers_to_writes_are_retried_without_harm(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    """The write happened but its answer was lost: botocore sends it again, and the
    conditional writes must recognise their own first attempt."""
    proxy.inject(
        Fault("dynamodb", LOST_ANSWER, operation="PutItem", times=1),
        Fault("dynamodb", LOST_ANSWER, operation="UpdateItem", times=1),
        Fault("s3", LOST_ANSWER, operation="CompleteMultipartUpload", times=1),
    )
    response = files_client.upload(TENANT, "big.txt", LARGE)
    assert response.status_code == 201, response.text
    assert len(proxy.injected()) == 3
    files_client.settle()
    assert files_client.file(TENANT, response.json()["id"])["status"] == "ready"
    assert_tenant_consistent(local_resources, TENANT)


def test_throttling_that_outlasts_the_retries_is_a_503_and_stores_nothing(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    # Signed in before the fault (the sign-in's marker is a PutItem too, decision 0119).
    assert files_client.get(TENANT, "/api/files").status_code == 200
    proxy.inject(Fault("dynamodb", THROTTLED["dynamodb"], operation="PutItem"))
    assert_unavailable(files_client.upload(TENANT, "pricing.md", DOCUMENT))
    assert len(proxy.injected("dynamodb", "PutItem")) == 4  # the first attempt and 3 retries
    assert proxy.requests("s3") == []  # no byte stored before the record exists
    proxy.clear()
    assert_tenant_consistent(local_resources, TENANT)
    # The service kept running: the same upload now succeeds.
    assert files_client.upload(TENANT, "pricing.md", DOCUMENT).status_code == 201


def test_s3_slowdown_during_parts_aborts_the_upload_and_removes_its_record(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    proxy.inject(Fault("s3", THROTTLED["s3"], operation="UploadPart"))
    assert_unavailable(files_client.upload(TENANT, "big.txt", LARGE))
    assert proxy.requests("s3", "AbortMultipartUpload")
    proxy.clear()
    assert listed(files_client) == []
    assert_tenant_consistent(local_resources, TENANT)


def test_a_record_that_cannot_be_verified_takes_its_stored_object_with_it(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    proxy.inject(Fault("dynamodb", SERVER_ERROR["dynamodb"], operation="UpdateItem"))
    assert_unavailable(files_client.upload(TENANT, "pricing.md", DOCUMENT))
    proxy.clear()
    assert proxy.requests("s3", "CompleteMultipartUpload")  # the bytes were stored...
    assert listed(files_client) == []
    assert_tenant_consistent(local_resources, TENANT)  # ...and removed with the record


def test_when_the_clean_up_fails_too_the_reaper_removes_the_upload_once_expired(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    """DynamoDB refuses every write after the bytes are stored (verification and the record's
    removal) and S3 refuses the object's deletion: the record stays, unverified and expiring,
    owning the object; the reaper removes both once it has expired."""
    proxy.inject(
        Fault("dynamodb", UNAVAILABLE, operation="UpdateItem"),
        Fault("dynamodb", UNAVAILABLE, operation="DeleteItem"),
        Fault("s3", THROTTLED["s3"], operation="DeleteObject"),
    )
    assert_unavailable(files_client.upload(TENANT, "pricing.md", DOCUMENT))
    proxy.clear()
    assert listed(files_client) == [] or all(f["awaitingUpload"] for f in listed(files_client))
    assert_tenant_consistent(local_resources, TENANT)  # the live record owns the object
    assert reap_later(files_client) == 1
    assert tenant_violations(local_resources, TENANT) == []


def test_listing_and_reading_under_persistent_faults_are_503_not_500(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    uploaded = files_client.upload(TENANT, "pricing.md", DOCUMENT).json()["id"]
    files_client.settle()
    proxy.inject(Fault("dynamodb", DROP, operation="Query"))
    assert_unavailable(files_client.get(TENANT, "/api/files"))
    proxy.clear()
    proxy.inject(Fault("dynamodb", THROTTLED["dynamodb"], operation="GetItem"))
    assert_unavailable(files_client.get(TENANT, f"/api/files/{uploaded}"))
    proxy.clear()
    wait_for(lambda: files_client.get(TENANT, "/api/files").status_code == 200)
    assert_tenant_consistent(local_resources, TENANT)


def test_a_lost_answer_to_an_index_publish_keeps_the_published_blob(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    """The pointer moved to the new blob but the answer was lost: the retry fails its
    condition, and must not delete the blob the pointer now names."""
    runtime = files_client.client.app.state["files_runtime"]
    tenant = TenantContext(TENANT, "user", "user", frozenset())
    blob = TenantIndex.build([]).to_bytes()
    runtime.indexes.note_change(tenant)
    first = runtime.indexes.publish_whole(tenant, blob, {})
    assert first is not None
    runtime.indexes.note_change(tenant)
    proxy.inject(Fault("dynamodb", LOST_ANSWER, operation="UpdateItem", times=1))
    second = runtime.indexes.publish_whole(tenant, blob, {})
    assert [s.injected for s in proxy.injected()] == ["lost_answer"]
    assert second is not None
    assert second.key != first.key
    assert runtime.indexes.pointer(tenant).key == second.key
    assert_tenant_consistent(local_resources, TENANT)  # the blob is there, the old one gone


def test_a_delete_cut_short_by_s3_is_finished_by_the_reaper(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    uploaded = files_client.upload(TENANT, "pricing.md", DOCUMENT).json()["id"]
    files_client.settle()
    proxy.inject(Fault("s3", THROTTLED["s3"], operation="DeleteObject"))
    assert_unavailable(files_client.delete(TENANT, f"/api/files/{uploaded}"))
    proxy.clear()
    # Gone for users at once, out of the index; its data waits for the reaper.
    assert listed(files_client) == []
    assert files_client.search(TENANT, "pro plan") == []
    # What the failed deletes left (the file, its chunks, the replaced index blob) waits.
    rules = {v.rule for v in tenant_violations(local_resources, TENANT)}
    assert rules == {"orphaned_object", "stale_index_blob"}
    assert reap_later(files_client) == 1
    assert_tenant_consistent(local_resources, TENANT)


def test_a_delete_whose_index_rebuild_fails_is_finished_by_the_reaper(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    kept = files_client.upload(TENANT, "kept.md", b"# Kept\nThe Basic plan is free.\n")
    uploaded = files_client.upload(TENANT, "pricing.md", DOCUMENT).json()["id"]
    files_client.settle()
    proxy.inject(Fault("s3", SERVER_ERROR["s3"], operation="PutObject"))
    assert_unavailable(files_client.delete(TENANT, f"/api/files/{uploaded}"))
    proxy.clear()
    assert [f["id"] for f in listed(files_client)] == [kept.json()["id"]]
    assert reap_later(files_client) == 1
    assert_tenant_consistent(local_resources, TENANT)
    found = {r["fileId"] for r in files_client.search(TENANT, "pro plan basic")}
    assert found == {kept.json()["id"]}


def test_a_lost_answer_to_starting_a_multipart_upload_leaves_no_stray_upload(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    """S3 opened an upload, its answer was lost, botocore's retry opened a second: the first
    must not stay open (found by bench/faults.py)."""
    proxy.inject(Fault("s3", LOST_ANSWER, operation="CreateMultipartUpload", times=1))
    response = files_client.upload(TENANT, "big.txt", LARGE)
    assert response.status_code == 201, response.text
    assert len(proxy.requests("s3", "CreateMultipartUpload")) == 2
    files_client.settle()
    assert_tenant_consistent(local_resources, TENANT)


def test_a_lost_answer_to_completing_the_upload_is_not_an_error(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    """The object was made, its answer lost; the retry finds no such upload. This was a 500
    that left the object without its record (found by bench/faults.py)."""
    proxy.inject(Fault("s3", LOST_ANSWER, operation="CompleteMultipartUpload", times=1))
    response = files_client.upload(TENANT, "pricing.md", DOCUMENT)
    assert response.status_code == 201, response.text
    files_client.settle()
    assert files_client.file(TENANT, response.json()["id"])["status"] == "ready"
    assert_tenant_consistent(local_resources, TENANT)


def test_when_the_abort_fails_too_the_record_stays_for_the_reaper(
    files_client: FilesClient, proxy: FaultProxy, local_resources: LocalResources
) -> None:
    """S3 refuses the parts and then the abort: the record must stay (unverified, expiring)
    so that the reaper finds the open multipart upload (found by bench/faults.py)."""
    proxy.inject(
        Fault("s3", THROTTLED["s3"], operation="UploadPart"),
        Fault("s3", UNAVAILABLE, operation="AbortMultipartUpload"),
    )
    assert_unavailable(files_client.upload(TENANT, "big.txt", LARGE))
    proxy.clear()
    rules = {v.rule for v in tenant_violations(local_resources, TENANT)}
    assert rules == {"open_multipart_upload"}
    assert reap_later(files_client) == 1
    assert_tenant_consistent(local_resources, TENANT)
