"""StreamedUpload against moto directly: a client that disappears mid-body, or a request that
is cancelled, leaves no open multipart upload behind."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import pytest

from engageiq.local.aws import LocalResources
from engageiq_files.config import MIB
from engageiq_files.uploads.sniffing import CONTENT_TYPES
from engageiq_files.uploads.store import FileStore
from engageiq_files.uploads.streaming import StreamedUpload
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients

BOUNDARY = "streamtestboundary"
ACME = TenantContext("acme", "u1", "rep", frozenset({Role.MEMBER}))


def head() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
    ).encode()


def upload(store: FileStore) -> StreamedUpload:
    return StreamedUpload(
        store,
        ACME,
        "tenants/acme/files/f1",
        BOUNDARY,
        max_bytes=100 * MIB,
        part_size=5 * MIB,
        parts_in_flight=2,
        content_type_of=CONTENT_TYPES.__getitem__,
    )


def open_uploads(s3: Any, resources: LocalResources) -> list[Any]:
    found: list[Any] = s3.list_multipart_uploads(Bucket=resources.buckets["uploads"]).get(
        "Uploads", []
    )
    return found


@pytest.fixture
def store(service_settings: ServiceSettings, monkeypatch: pytest.MonkeyPatch) -> FileStore:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    return FileStore(
        TenantClients.from_settings(service_settings, "files"), service_settings.bucket("uploads")
    )


def test_a_client_gone_mid_body_aborts_the_upload(
    store: FileStore, s3: Any, local_resources: LocalResources
) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield head()
        for _ in range(12):  # two full parts sent, then the connection drops
            yield b"a" * MIB
        raise ConnectionResetError("client disconnected prematurely")

    with pytest.raises(ConnectionResetError):
        anyio.run(upload(store).receive, body())
    assert open_uploads(s3, local_resources) == []
    assert s3.list_objects_v2(Bucket=local_resources.buckets["uploads"]).get("KeyCount") == 0


def test_a_cancelled_request_still_aborts_the_upload(
    store: FileStore, s3: Any, local_resources: LocalResources
) -> None:
    started = anyio.Event()

    async def body() -> AsyncIterator[bytes]:
        yield head()
        for _ in range(11):
            yield b"a" * MIB
        started.set()
        await anyio.sleep_forever()  # the client stalls; the server gives up on it
        yield b""

    async def scenario() -> None:
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(upload(store).receive, body())
            await started.wait()
            tasks.cancel_scope.cancel()

    anyio.run(scenario)
    assert open_uploads(s3, local_resources) == []
