"""Files stranded in `pending` or `processing` by a restart are taken back by the sweeper
(decision 0075): the fault was that such a file stayed `processing` for good."""

from __future__ import annotations

import time
from typing import Any

from engageiq_files.catalog.catalog import INGESTION_INDEX, IngestionEntry
from engageiq_files.catalog.records import now_iso
from engageiq_files.ingestion.sweeper import IngestionSweeper, stale_after_seconds
from engageiq_files.runtime import FilesRuntime
from engageiq_files.search.build_process import BUILD_TIMEOUT_SECONDS
from tests.unit.files.support import FilesClient

LONG_AGO = "2020-01-01T00:00:00.000Z"


def _runtime(files_client: FilesClient) -> FilesRuntime:
    runtime: FilesRuntime = files_client.client.app.state["files_runtime"]
    return runtime


def _ready_file(files_client: FilesClient, tenant: str, words: str) -> str:
    response = files_client.upload(tenant, "notes.md", f"# Notes\n\n{words}\n".encode())
    assert response.status_code == 201, response.text
    files_client.settle()
    file_id: str = response.json()["id"]
    assert files_client.file(tenant, file_id)["status"] == "ready"
    return file_id


def _item(dynamodb: Any, table: str, file_id: str) -> dict[str, Any]:
    items = dynamodb.scan(
        TableName=table,
        FilterExpression="sk = :sk",
        ExpressionAttributeValues={":sk": {"S": f"FILE#{file_id}"}},
    )["Items"]
    assert len(items) == 1
    item: dict[str, Any] = items[0]
    return item


def _strand(dynamodb: Any, table: str, file_id: str, status: str, updated_at: str) -> None:
    """What a stopped instance leaves behind: the file in `status` since `updated_at`, in the
    ingestion index, and no worker anywhere that will finish it."""
    item = _item(dynamodb, table, file_id)
    dynamodb.update_item(
        TableName=table,
        Key={"pk": item["pk"], "sk": item["sk"]},
        UpdateExpression="SET #s = :s, #u = :u, #i = :due",
        ExpressionAttributeNames={
            "#s": "status",
            "#u": "updatedAt",
            "#i": INGESTION_INDEX.partition_key,
        },
        ExpressionAttributeValues={
            ":s": {"S": status},
            ":u": {"S": updated_at},
            ":due": {"S": "due"},
        },
    )


def _sweep(files_client: FilesClient) -> int:
    portal = files_client.client.blocking_portal
    assert portal is not None
    claimed: int = portal.call(_runtime(files_client).sweeper.sweep)
    files_client.settle()
    return claimed


def test_bound_covers_the_longest_sandboxed_step() -> None:
    assert stale_after_seconds(60) > BUILD_TIMEOUT_SECONDS
    assert stale_after_seconds(BUILD_TIMEOUT_SECONDS * 2) > BUILD_TIMEOUT_SECONDS * 2


def test_stale_processing_file_becomes_ready(files_client: FilesClient, dynamodb: Any) -> None:
    table = _runtime(files_client).catalog.table
    file_id = _ready_file(files_client, "acme", "stranded while processing quokka")
    _strand(dynamodb, table, file_id, "processing", LONG_AGO)
    assert files_client.file("acme", file_id)["status"] == "processing"

    assert _sweep(files_client) >= 1

    assert files_client.file("acme", file_id)["status"] == "ready"
    assert INGESTION_INDEX.partition_key not in _item(dynamodb, table, file_id)
    assert [r["fileId"] for r in files_client.search("acme", "quokka")] == [file_id]


def test_stale_pending_file_becomes_ready(files_client: FilesClient, dynamodb: Any) -> None:
    table = _runtime(files_client).catalog.table
    file_id = _ready_file(files_client, "acme", "left pending wombat")
    _strand(dynamodb, table, file_id, "pending", LONG_AGO)

    assert _sweep(files_client) >= 1

    assert files_client.file("acme", file_id)["status"] == "ready"


def test_fresh_processing_file_is_left_alone(files_client: FilesClient, dynamodb: Any) -> None:
    table = _runtime(files_client).catalog.table
    file_id = _ready_file(files_client, "acme", "still being worked on")
    fresh = now_iso()
    _strand(dynamodb, table, file_id, "processing", fresh)

    _sweep(files_client)

    item = _item(dynamodb, table, file_id)
    assert item["status"]["S"] == "processing"
    assert item["updatedAt"]["S"] == fresh


def test_two_sweepers_racing_claim_a_file_once(files_client: FilesClient, dynamodb: Any) -> None:
    runtime = _runtime(files_client)
    table = runtime.catalog.table
    file_id = _ready_file(files_client, "acme", "raced over")
    _strand(dynamodb, table, file_id, "processing", LONG_AGO)
    stale = stale_after_seconds(runtime.settings.parse_timeout_seconds)
    first = IngestionSweeper(runtime.catalog, runtime.queue, stale)
    second = IngestionSweeper(runtime.catalog, runtime.queue, stale)

    # Both read the file as stale before either writes: the worst interleaving.
    seen_first = [e for e in first.find_stale() if e.file_id == file_id]
    seen_second = [e for e in second.find_stale() if e.file_id == file_id]
    assert len(seen_first) == len(seen_second) == 1

    wins = [first.claim(seen_first[0]), second.claim(seen_second[0])]

    assert sum(win is not None for win in wins) == 1
    assert _item(dynamodb, table, file_id)["status"]["S"] == "pending"


def test_index_holds_only_files_in_ingestion(files_client: FilesClient, dynamodb: Any) -> None:
    runtime = _runtime(files_client)
    file_id = _ready_file(files_client, "acme", "indexed and done")
    later = time.time() + 10 * stale_after_seconds(runtime.settings.parse_timeout_seconds)
    everything = IngestionSweeper(runtime.catalog, runtime.queue, 0, clock=lambda: later)

    listed: list[IngestionEntry] = everything.find_stale()

    assert file_id not in {e.file_id for e in listed}
    assert INGESTION_INDEX.partition_key not in _item(dynamodb, runtime.catalog.table, file_id)


def test_a_file_out_of_ingestion_is_never_taken(files_client: FilesClient, dynamodb: Any) -> None:
    # Should the index ever lag behind (GSIs are eventually consistent), the status read with
    # it still decides: a ready file is never moved back to pending.
    table = _runtime(files_client).catalog.table
    file_id = _ready_file(files_client, "acme", "finished long ago")
    _strand(dynamodb, table, file_id, "ready", LONG_AGO)

    _sweep(files_client)

    item = _item(dynamodb, table, file_id)
    assert item["status"]["S"] == "ready"
    assert item["updatedAt"]["S"] == LONG_AGO
