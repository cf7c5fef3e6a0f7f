"""Benchmark: the AWS requests (and DynamoDB item reads and writes) one chat turn and one upload
make, at conversation lengths 1, 10 and 50 and for tenants of 1 and 200 files. The figures
must not grow with either (docs/decisions/0101).

    .venv/bin/python bench/aws_requests.py [--sizes 1,200] [--lengths 1,10,50]

Both services run in this process (Litestar's TestClient) against moto in its own process,
with the offline responder as the model. Every botocore client the services create gets a
`before-send` handler (one count per HTTP request, by service and operation) and an
`after-call` handler (items read: `Item`, `Items`, `Responses`; items written: a Put, Update or
Delete is one, a transaction its items, a batch its requests; moto reports no consumed
capacity for most operations, so items stand in for capacity units). A tenant of N files is
made by publishing an index of N files (3 passages each) as the files service would (for the
upload, whose ingestion rebuilds from the catalog, those files are in the index only); the
chat's per-process caches (tenant gate, profile, usage, history, index) are warm, as they are
for a user's second and later turns. The upload is counted from the request to the end of its
ingestion, SQS long polls (which run whether or not anything is uploaded) shown apart."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import botocore.session
import httpx
from litestar.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat_fixture import BenchPlatform, local_platform
from engageiq.local.platform import service_environment
from engageiq_chat.app import create_app as create_chat_app
from engageiq_chat.settings import ChatSettings
from engageiq_files.app import create_app as create_files_app
from engageiq_files.config import FilesSettings
from engageiq_search.index_store import IndexStore
from engageiq_search.tenant_index import IndexedChunk, TenantIndex
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.objects import TenantObjects
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients

POLLS = frozenset({"sqs.ReceiveMessage", "sqs.GetQueueAttributes"})


class AwsCounter:
    """Counts requests and DynamoDB items of every botocore client created after `install`."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.items_read = 0
        self.items_written = 0

    def reset(self) -> None:
        self.requests.clear()
        self.items_read = self.items_written = 0

    def _sent(self, event_name: str, **_: Any) -> None:
        # "before-send.dynamodb.GetItem" -> "dynamodb.GetItem"
        self.requests[event_name.split(".", 1)[1]] += 1

    def _called(self, event_name: str, parsed: dict[str, Any], **kwargs: Any) -> None:
        if not event_name.startswith("after-call.dynamodb."):
            return
        operation = event_name.rsplit(".", 1)[1]
        params = kwargs.get("context", {}).get("engageiq_params", {})
        if "Item" in parsed:
            self.items_read += 1
        self.items_read += len(parsed.get("Items", []))
        self.items_read += sum(len(v) for v in parsed.get("Responses", {}).values())
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            self.items_written += 1
        elif operation == "TransactWriteItems":
            self.items_written += len(params.get("TransactItems", []))
        elif operation == "BatchWriteItem":
            self.items_written += sum(len(v) for v in params.get("RequestItems", {}).values())

    @staticmethod
    def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["engageiq_params"] = params

    @contextmanager
    def install(self) -> Iterator[None]:
        original = botocore.session.Session.create_client
        counter = self

        def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
            client = original(session, *args, **kwargs)
            client.meta.events.register("before-send", counter._sent)
            client.meta.events.register("after-call", counter._called)
            client.meta.events.register("before-parameter-build", counter._keep_params)
            return client

        botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]
        try:
            yield
        finally:
            botocore.session.Session.create_client = original  # type: ignore[method-assign]

    def summary(self) -> str:
        sent = {k: v for k, v in self.requests.items() if k not in POLLS}
        listed = ", ".join(f"{k.split('.', 1)[1]} {v}" for k, v in sorted(sent.items()))
        return (
            f"{sum(sent.values()):3d} requests ({listed}); DynamoDB items read "
            f"{self.items_read}, written {self.items_written}"
        )


def publish_index(settings: ServiceSettings, tenant: TenantContext, files: int) -> None:
    """An index of `files` files (3 passages each) for `tenant`, published as the files
    service's builder does (the chat reads only the pointer and the index)."""
    clients = TenantClients.from_settings(settings, "files")
    indexes = IndexStore(
        clients, settings.table("files"), TenantObjects(clients, settings.bucket("uploads"))
    )
    chunks = [
        IndexedChunk(
            f"f{n:08d}",
            f"Pricing sheet {n}.txt",
            f"section {part}",
            f"Pricing for plan {n} part {part}: onboarding, seats, discounts for annual terms.",
        )
        for n in range(files)
        for part in range(3)
    ]
    indexes.note_change(tenant)
    blob = TenantIndex.build(chunks).to_bytes()
    indexes.publish_whole(tenant, blob, {f"f{n:08d}": 3 for n in range(files)})


def turn(client: TestClient[Any], headers: dict[str, str], cid: str | None, text: str) -> str:
    body: dict[str, str] = {"message": text}
    if cid:
        body["conversationId"] = cid
    response = client.post("/api/chat", json=body, headers=headers)
    response.raise_for_status()
    assert "event: done" in response.text, response.text[-300:]
    first = response.text.split("data: ", 1)[1].split("\n", 1)[0]
    return str(httpx.Response(200, content=first).json()["conversationId"])


def chat_turns(
    platform: BenchPlatform, settings: ServiceSettings, sizes: list[int], lengths: list[int]
) -> None:
    counter = AwsCounter()
    env = service_environment(platform.resources)
    with (
        counter.install(),
        TestClient(create_chat_app(settings, chat_settings=ChatSettings.from_env(env))) as client,
    ):
        me = client.get("/api/me", headers=platform.headers).json()
        tenant = TenantContext(
            me["tenantId"], me["userId"], me["username"], frozenset({Role.MEMBER})
        )
        for files in sizes:
            publish_index(settings, tenant, files)
            for length in lengths:
                cid = None
                for n in range(length - 1):
                    cid = turn(client, platform.headers, cid, f"Question {n} about pricing")
                # One more turn first: every per-process cache is as a user's next turn finds it.
                counter.reset()
                turn(client, platform.headers, cid, "What discounts are there for annual terms?")
                where = f"{files:3d} files, conversation of {length:2d} turns"
                print(f"  chat turn, {where}: {counter.summary()}")


def upload(platform: BenchPlatform, settings: ServiceSettings, sizes: list[int]) -> None:
    counter = AwsCounter()
    with (
        counter.install(),
        TestClient(
            create_files_app(
                settings,
                files_settings=FilesSettings.from_env(service_environment(platform.resources)),
            )
        ) as client,
    ):
        me = client.get("/api/me", headers=platform.headers).json()
        tenant = TenantContext(
            me["tenantId"], me["userId"], me["username"], frozenset({Role.MEMBER})
        )
        runtime = client.app.state["files_runtime"]
        portal = client.blocking_portal
        assert portal is not None
        for files in sizes:
            publish_index(settings, tenant, files)
            portal.call(runtime.drained)
            counter.reset()
            response = client.post(
                "/api/upload-file",
                files={
                    "file": (f"notes-{files}.txt", b"Annual terms get 15% off. " * 40, "text/plain")
                },
                headers=platform.headers,
            )
            response.raise_for_status()
            accepted = counter.summary()
            portal.call(runtime.drained)
            polls = sum(v for k, v in counter.requests.items() if k in POLLS)
            print(f"  upload, tenant of {files:3d} files: request {accepted}")
            print(f"    with its ingestion: {counter.summary()}; SQS polls meanwhile {polls}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,200")
    parser.add_argument("--lengths", default="1,10,50")
    args = parser.parse_args()
    sizes = [int(v) for v in args.sizes.split(",")]
    lengths = [int(v) for v in args.lengths.split(",")]
    started = time.monotonic()
    with local_platform() as platform:
        env = service_environment(platform.resources)
        os.environ.update({k: v for k, v in env.items() if k.startswith(("AWS_", "ENGAGEIQ_"))})
        # The gate's record stays cached through the run, as it does between a user's turns.
        os.environ["ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS"] = "600"
        os.environ["ENGAGEIQ_LOG_LEVEL"] = "WARNING"
        settings = ServiceSettings.from_env()
        print("AWS requests per operation (SQS polls apart), moto in its own process:")
        chat_turns(platform, settings, sizes, lengths)
        upload(platform, settings, sizes)
    print(f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
