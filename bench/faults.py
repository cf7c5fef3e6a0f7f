"""Randomized faults (the heavier variant of tests/integration/faults): the files and chat
services as processes, every DynamoDB and S3 request through the fault proxy, which answers
a share of them with throttling, 5xx, a dropped connection or a lost answer; mixed traffic
(uploads, listings, deletes, chat turns) meanwhile. Then the faults stop, the files service
is restarted (its orphan reaper runs at start-up) and the tenant's stored data is checked.

    .venv/bin/python bench/faults.py [--requests 200] [--rate 0.15] [--seed 15]

Reports the faults injected, the answers by status, and the broken invariants. Goals: no
500, every 503 with Retry-After, no broken invariant."""

from __future__ import annotations

import argparse
import collections
import dataclasses
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from engageiq.local.aws import LocalAwsServer, provision
from engageiq.local.platform import free_port, service_environment
from engageiq.local.seed import create_tenant, sign_in
from tests.support.fault_proxy import (
    DROP,
    LOST_ANSWER,
    SERVER_ERROR,
    THROTTLED,
    UNAVAILABLE,
    Action,
    Fault,
    FaultProxy,
)
from tests.support.invariants import tenant_violations
from tests.support.service_process import CHAT_APP, FILES_APP, service_process

TENANT = "soak"
INTENT_SECONDS = 10


def faults(rate: float) -> list[Fault]:
    """Each service's five kinds of fault, sharing `rate` of its requests between them."""
    rules = []
    for service in ("dynamodb", "s3"):
        actions: list[Action] = [
            THROTTLED[service],
            SERVER_ERROR[service],
            UNAVAILABLE,
            DROP,
            LOST_ANSWER,
        ]
        # First match wins: the k-th rule only sees what the k earlier ones let through, so
        # its probability is raised to give each kind an equal share of `rate` in all.
        share = rate / len(actions)
        for k, action in enumerate(actions):
            rules.append(Fault(service, action, probability=share / (1 - k * share)))
    return rules


def settle(client: httpx.Client, bound: float = 120.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + bound
    while True:
        response = client.get("/api/files")
        if response.status_code != 200:
            print(f"listing answered {response.status_code}: {response.text[:200]}")
            if time.monotonic() > deadline:
                return []
            time.sleep(0.5)
            continue
        files: list[dict[str, Any]] = response.json()["files"]
        busy = [f for f in files if f["status"] in ("pending", "processing")]
        if not busy or time.monotonic() > deadline:
            return files
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    pick = random.Random(args.seed)  # noqa: S311 - traffic mix, not secrets

    server = LocalAwsServer(free_port())
    server.start()
    resources = provision(server.endpoint_url)
    admin = create_tenant(resources, TENANT, "Soak Ltd", "admin@soak.example")
    token = sign_in(
        resources.endpoint_url, resources.user_pool_client_id, admin.username, admin.password
    )
    headers = {"Authorization": f"Bearer {token}"}
    proxy = FaultProxy(resources.endpoint_url, seed=args.seed).start()
    proxied = dataclasses.replace(resources, endpoint_url=proxy.url)
    env = {
        **service_environment(proxied),
        "ENGAGEIQ_LOG_LEVEL": "WARNING",
        "ENGAGEIQ_UPLOAD_INTENT_SECONDS": str(INTENT_SECONDS),
        "ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS": "0",
    }
    answers: collections.Counter[str] = collections.Counter()
    missing_retry_after = 0
    logs = Path(tempfile.mkdtemp(prefix="engageiq-faults-"))
    with (
        service_process(FILES_APP, env, logs / "files.log") as files_service,
        service_process(CHAT_APP, env, logs / "chat.log") as chat_service,
        httpx.Client(base_url=files_service.url, headers=headers, timeout=60) as files,
        httpx.Client(base_url=chat_service.url, headers=headers, timeout=60) as chat,
    ):
        proxy.inject(*faults(args.rate))
        uploaded: list[str] = []
        conversations: list[str] = []
        for n in range(args.requests):
            kind = pick.choice(["upload", "upload", "list", "delete", "chat", "chat"])
            if kind == "delete" and not uploaded:
                kind = "list"
            if kind == "upload":
                body = f"# Note {n}\nThe plan number {n} costs {n} EUR.\n".encode()
                response = files.post("/api/upload-file", files={"file": (f"n{n}.md", body)})
                if response.status_code == 201:
                    uploaded.append(response.json()["id"])
            elif kind == "list":
                response = files.get("/api/files")
            elif kind == "delete":
                response = files.delete(f"/api/files/{uploaded.pop(0)}")
            else:
                payload: dict[str, str] = {"message": f"What does plan {n} cost?"}
                if conversations and pick.random() < 0.5:
                    payload["conversationId"] = pick.choice(conversations)
                response = chat.post("/api/chat", json=payload)
                if response.status_code == 200 and '"conversationId":"' in response.text:
                    conversation = response.text.split('"conversationId":"')[1].split('"')[0]
                    conversations.append(conversation)
                    if "event: done" not in response.text:
                        answers["chat stream ended with an error event"] += 1
            answers[f"{kind} {response.status_code}"] += 1
            if response.status_code == 503 and "retry-after" not in response.headers:
                missing_retry_after += 1
        proxy.clear()
        listed = settle(files)
    injected = collections.Counter(f"{s.service} {s.injected}" for s in proxy.injected())
    time.sleep(INTENT_SECONDS + 1)
    with (
        service_process(FILES_APP, env, logs / "files.log") as files_service,
        httpx.Client(base_url=files_service.url, headers=headers, timeout=60) as files,
    ):
        listed = settle(files)
        time.sleep(2)  # the start-up reap
        violations = tenant_violations(resources, TENANT)
    proxy.stop()
    server.stop()

    print(f"{args.requests} requests, fault rate {args.rate:.0%} of DynamoDB and S3 requests")
    print(f"{len(proxy.seen)} AWS requests, {sum(injected.values())} faults injected:")
    for name, count in sorted(injected.items()):
        print(f"  {name:<55} {count}")
    print("answers:")
    for name, count in sorted(answers.items()):
        print(f"  {name:<55} {count}")
    statuses = collections.Counter(f["status"] for f in listed)
    print(f"files after the faults: {dict(statuses)}")
    print(f"503 without Retry-After: {missing_retry_after}")
    print(f"broken invariants: {len(violations)}")
    for violation in violations:
        print(f"  {violation}")
    print(f"service logs: {logs}")
    failed = violations or missing_retry_after or any(" 500" in k for k in answers)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
