"""The local AWS state on disk (engageiq.local.state): a snapshot restores every backend,
is written only when something changed, atomically, and a snapshot of another format or moto
release is refused before anything of it is unpickled."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from engageiq.local.aws import LocalAwsServer, LocalResources, aws_client
from engageiq.local.seed import create_tenant, sign_in
from engageiq.local.state import (
    STATE_FORMAT,
    IncompatibleState,
    RequestGate,
    Snapshotter,
    load_backends,
    read_state,
    write_state,
)


def reset(server: LocalAwsServer) -> None:
    server.reset()


def test_a_snapshot_brings_back_tables_objects_and_users(
    moto_server: LocalAwsServer, local_resources: LocalResources, tmp_path: Path
) -> None:
    admin = create_tenant(local_resources, "acme", "Acme", "admin@acme.example")
    s3 = aws_client("s3", local_resources.endpoint_url)
    bucket = local_resources.buckets["uploads"]
    s3.put_object(Bucket=bucket, Key="tenants/acme/doc.md", Body=b"# Pricing")
    path = tmp_path / "aws-state.bin"
    snapshotter = Snapshotter(
        path, moto_server.gate, moto_server.changes, {"marker": "kept"}, interval=3600
    )
    assert snapshotter.save_if_changed()

    reset(moto_server)
    with pytest.raises(Exception, match="NoSuchBucket"):
        s3.get_object(Bucket=bucket, Key="tenants/acme/doc.md")

    saved = read_state(path)
    assert saved is not None
    assert saved.platform == {"marker": "kept"}
    load_backends(saved)
    assert s3.get_object(Bucket=bucket, Key="tenants/acme/doc.md")["Body"].read() == b"# Pricing"
    tenants = aws_client("dynamodb", local_resources.endpoint_url).scan(
        TableName=local_resources.tables["tenants"]
    )["Items"]
    assert [t["pk"]["S"] for t in tenants] == ["TENANT#acme"]
    # The same password signs in, and the token is signed with the same (restored) key.
    token = sign_in(
        local_resources.endpoint_url,
        local_resources.user_pool_client_id,
        admin.username,
        admin.password,
    )
    assert token.count(".") == 2


def test_nothing_is_written_when_nothing_changed(
    moto_server: LocalAwsServer, local_resources: LocalResources, tmp_path: Path
) -> None:
    path = tmp_path / "aws-state.bin"
    snapshotter = Snapshotter(path, moto_server.gate, moto_server.changes, {}, interval=3600)
    assert snapshotter.save_if_changed()
    # Reads do not count as changes.
    dynamodb = aws_client("dynamodb", local_resources.endpoint_url)
    dynamodb.scan(TableName=local_resources.tables["tenants"])
    dynamodb.get_item(
        TableName=local_resources.tables["tenants"],
        Key={"pk": {"S": "TENANT#x"}, "sk": {"S": "PROFILE"}},
    )
    assert not snapshotter.save_if_changed()
    dynamodb.put_item(
        TableName=local_resources.tables["tenants"],
        Item={"pk": {"S": "TENANT#x"}, "sk": {"S": "PROFILE"}},
    )
    assert snapshotter.save_if_changed()
    assert snapshotter.snapshots_written == 2


def test_the_periodic_save_runs_in_the_background(
    moto_server: LocalAwsServer, local_resources: LocalResources, tmp_path: Path
) -> None:
    path = tmp_path / "aws-state.bin"
    snapshotter = Snapshotter(path, moto_server.gate, moto_server.changes, {}, interval=0.1)
    snapshotter.start()
    try:
        deadline = time.monotonic() + 10
        while not path.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.exists()
    finally:
        snapshotter.stop()


def test_a_failed_write_keeps_the_previous_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "aws-state.bin"
    write_state(path, {"run": 1}, b"first")
    assert path.stat().st_mode & 0o777 == 0o600

    def crash(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("engageiq.local.state.os.replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_state(path, {"run": 2}, b"second")
    saved = read_state(path)
    assert saved is not None
    assert (saved.platform, saved.backends) == ({"run": 1}, b"first")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ({"format": STATE_FORMAT, "moto": "4.0.0"}, "moto 4.0.0"),
        ({"format": STATE_FORMAT + 1, "moto": "any"}, f"format {STATE_FORMAT + 1}"),
    ],
)
def test_a_snapshot_of_another_version_is_refused_unread(
    tmp_path: Path, header: dict[str, object], expected: str
) -> None:
    path = tmp_path / "aws-state.bin"
    # Not a pickle at all: reading it would fail differently, so the refusal came first.
    path.write_bytes(json.dumps(header).encode() + b"\nnot a pickle")
    with pytest.raises(IncompatibleState, match=expected):
        read_state(path)


def test_a_file_without_a_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "aws-state.bin"
    path.write_bytes(b"\x80\x05garbage")
    with pytest.raises(IncompatibleState, match="not readable"):
        read_state(path)


def test_a_snapshot_waits_for_requests_in_flight() -> None:
    gate = RequestGate()
    order: list[str] = []
    in_request = threading.Event()
    finish = threading.Event()

    def request() -> None:
        with gate.shared():
            in_request.set()
            finish.wait(5)
            order.append("request done")

    def snapshot() -> None:
        with gate.exclusive():
            order.append("snapshot")

    worker = threading.Thread(target=request)
    worker.start()
    in_request.wait(5)
    snapshotting = threading.Thread(target=snapshot)
    snapshotting.start()
    time.sleep(0.1)
    assert order == []
    finish.set()
    worker.join(5)
    snapshotting.join(5)
    assert order == ["request done", "snapshot"]


def test_queued_jobs_survive_a_snapshot(
    moto_server: LocalAwsServer, local_resources: LocalResources, tmp_path: Path
) -> None:
    # moto's SQS queues hold a threading.Condition, which pickle refuses on its own.
    sqs = aws_client("sqs", local_resources.endpoint_url)
    url = local_resources.queues["ingestion"]
    sqs.send_message(
        QueueUrl=url, MessageBody='{"x": 1}', MessageGroupId="acme", MessageDeduplicationId="1"
    )
    path = tmp_path / "aws-state.bin"
    snapshotter = Snapshotter(path, moto_server.gate, moto_server.changes, {}, interval=3600)
    assert snapshotter.save_if_changed()
    reset(moto_server)

    saved = read_state(path)
    assert saved is not None
    load_backends(saved)
    received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
    assert [m["Body"] for m in received] == ['{"x": 1}']


def test_a_long_poll_never_holds_back_a_snapshot(
    moto_server: LocalAwsServer, local_resources: LocalResources
) -> None:
    # Served as short polls: the gate's exclusive side is free between them.
    sqs = aws_client("sqs", local_resources.endpoint_url)
    url = local_resources.queues["ingestion"]
    polled: list[object] = []
    poller = threading.Thread(
        target=lambda: polled.append(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=6))
    )
    poller.start()
    time.sleep(0.5)  # the poll is waiting now
    snapshot_taken = threading.Event()

    def snapshot() -> None:
        with moto_server.gate.exclusive():
            snapshot_taken.set()

    threading.Thread(target=snapshot, daemon=True).start()
    # Bound far below the poll's 6 s: a gate held by the poll would fail this.
    assert snapshot_taken.wait(3)
    assert poller.is_alive()  # the long poll itself still waits
    sqs.send_message(
        QueueUrl=url, MessageBody="job", MessageGroupId="acme", MessageDeduplicationId="j"
    )
    poller.join(10)
    assert [m["Body"] for m in polled[0]["Messages"]] == ["job"]  # type: ignore[index]
