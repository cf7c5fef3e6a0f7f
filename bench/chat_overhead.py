"""Benchmark: time from POST /api/chat reaching the chat service to the model request
leaving it, with a 50-message history, against the local Messages API server, with no other
message stored and then with 20,000 (the local platform must not slow down as history grows),
with moto's state saved to disk every 2 s as `engageiq dev` does.

    .venv/bin/python bench/chat_overhead.py [--requests 200] [--stored 20000] [--compare-moto 10]

Measured as (arrival of POST /v1/messages at the local Messages server) - (just before the
client sends POST /api/chat); both read time.monotonic(), one clock for every process on the
machine. That includes the client's send and the loopback hops, so two baselines from the same
run are printed beside it: an authenticated GET /api/me round trip (client + framework + auth,
no chat work) and the SDK's own request build (bench process -> Messages server directly).
`--edge`: the same turns through the local edge (engageiq.local.edge, as `engageiq dev` runs
it), with the edge's own GET /api/me beside them. The service's phases (its reads, the user
message's write, its whole turn start) come from its `chat_turn_started` log lines.
Goal: p50 <= 20 ms, p99 <= 50 ms through the edge (docs/decisions/0101)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import anthropic
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat_fixture import local_platform, percentile
from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.edge import EDGE_ORIGINS_ENV, EDGE_WEB_ROOT_ENV
from tests.support.chat_process import chat_environment, chat_process
from tests.support.messages_server import MessagesServer, Reply
from tests.support.service_process import service_process

HISTORY_MESSAGES = 50
STORED_MESSAGES = 20_000
WARMUP = 20


def sdk_baseline(server: MessagesServer, n: int) -> list[float]:
    """ms from calling the SDK to the request arriving: what any Anthropic caller pays."""

    async def run() -> list[float]:
        client = anthropic.AsyncAnthropic(api_key="bench", base_url=server.url)
        times = []
        for _ in range(n):
            before = len(server.requests)
            started = time.monotonic()
            stream = await client.messages.create(
                model="claude-haiku-5-5",
                max_tokens=64,
                stream=True,
                messages=[{"role": "user", "content": "hi"}],
            )
            async with stream:
                async for _ in stream:
                    pass
            times.append((server.requests[before].arrived - started) * 1000)
        await client.close()
        return times

    return asyncio.run(run())


def new_conversation(client: httpx.Client) -> str:
    """A conversation with HISTORY_MESSAGES messages of realistic length."""
    cid = None
    for n in range(HISTORY_MESSAGES // 2):
        body: dict[str, str] = {"message": f"Question {n}: " + "what about pricing? " * 20}
        if cid:
            body["conversationId"] = cid
        response = client.post("/api/chat", json=body)
        response.raise_for_status()
        if cid is None:
            first = response.text.split("data: ", 1)[1].split("\n", 1)[0]
            cid = str(httpx.Response(200, content=first).json()["conversationId"])
    assert cid is not None
    return cid


def fill_history(resources: LocalResources, messages: int) -> None:
    """`messages` stored messages of 400 characters, 50 per conversation, written directly
    (the chat's layout: pk=<tenant>#USER#<user>, sk=MSG#<conversation>#<message>). The cost
    that grew with them was table-wide, so whose partition they sit in does not matter."""
    dynamodb = aws_client("dynamodb", resources.endpoint_url)
    table = resources.tables["conversations"]
    text = "an earlier answer about pricing and onboarding " * 8
    for start in range(0, messages, 25):
        batch = [
            {
                "PutRequest": {
                    "Item": {
                        "pk": {"S": "demo#USER#bench-history"},
                        "sk": {"S": f"MSG#c{n // 50:06d}#m{n:08d}"},
                        "role": {"S": "user" if n % 2 == 0 else "assistant"},
                        "text": {"S": text[:400]},
                    }
                }
            }
            for n in range(start, min(start + 25, messages))
        ]
        dynamodb.batch_write_item(RequestItems={table: batch})


EDGE_APP = "engageiq.local.edge:create_app"


@dataclass
class Phase:
    overhead: list[float]
    me: list[float]
    write: list[float]
    reads: list[float]
    turn_start: list[float]
    history_sent: int


def measure(client: httpx.Client, server: MessagesServer, log_path: Path, requests: int) -> Phase:
    cid = new_conversation(client)
    overhead: list[float] = []
    me: list[float] = []
    for n in range(WARMUP + requests):
        before = len(server.requests)
        started = time.monotonic()
        response = client.post(
            "/api/chat",
            json={"message": f"Follow-up {n}: draft an email about it", "conversationId": cid},
        )
        response.raise_for_status()
        if n >= WARMUP:
            overhead.append((server.requests[before].arrived - started) * 1000)
        started = time.monotonic()
        client.get("/api/me").raise_for_status()
        if n >= WARMUP:
            me.append((time.monotonic() - started) * 1000)
    phases = [
        json.loads(line)
        for line in log_path.read_text().splitlines()
        if '"chat_turn_started"' in line
    ][-requests:]
    return Phase(
        overhead,
        me,
        [p["write_ms"] for p in phases],
        [p["read_ms"] for p in phases],
        [p["total_ms"] for p in phases],
        len(server.requests[-1].body["messages"]),
    )


def row(name: str, values: list[float]) -> str:
    return (
        f"{name:<48} p50 {percentile(values, 50):7.2f} ms   p99 "
        f"{percentile(values, 99):7.2f} ms   mean {statistics.fmean(values):7.2f} ms"
    )


def transaction_ms(stored: int, n: int, *, fast: bool) -> list[float]:
    """One TransactWriteItems like a chat turn's (a conditional Put) against a table holding
    `stored` messages: moto's own implementation (`fast=False`) or the local platform's."""
    with local_platform(fast_transactions=fast) as platform:
        fill_history(platform.resources, stored)
        dynamodb = aws_client("dynamodb", platform.resources.endpoint_url)
        table = platform.resources.tables["conversations"]
        times = []
        for i in range(n):
            started = time.monotonic()
            dynamodb.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": table,
                            "Item": {"pk": {"S": "demo#USER#tx"}, "sk": {"S": f"MSG#t#{i:06d}"}},
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                ]
            )
            times.append((time.monotonic() - started) * 1000)
        return times


def run(
    server: MessagesServer, requests: int, stored: list[int], *, edge: bool = False
) -> dict[int, Phase]:
    """The local platform as `engageiq dev` runs it: our transactions, state saved to disk;
    `edge`: requests go through the local edge in front of the chat service."""
    results: dict[int, Phase] = {}
    with (
        tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp,
        local_platform(state_file=Path(tmp) / "aws-state.bin") as platform,
    ):
        env = chat_environment(
            platform.resources,
            ANTHROPIC_API_KEY="bench",
            ANTHROPIC_BASE_URL=server.url,
            ENGAGEIQ_LOG_LEVEL="INFO",
        )
        log_path = Path(tmp) / "chat.log"
        with (
            chat_process(env, log_path) as chat,
            _edge_in_front(chat.url, Path(tmp), enabled=edge) as url,
            httpx.Client(base_url=url, headers=platform.headers, timeout=60) as client,
        ):
            filled = 0
            for count in stored:
                fill_history(platform.resources, count - filled)
                filled = count
                results[count] = measure(client, server, log_path, requests)
    return results


@contextmanager
def _edge_in_front(chat_url: str, tmp: Path, *, enabled: bool) -> Iterator[str]:
    """The local edge proxying to `chat_url` (its URL), or `chat_url` itself."""
    if not enabled:
        yield chat_url
        return
    (tmp / "web").mkdir()
    env = {
        **os.environ,
        EDGE_ORIGINS_ENV: json.dumps({"chat": [chat_url]}),
        EDGE_WEB_ROOT_ENV: str(tmp / "web"),
        "ENGAGEIQ_LOG_LEVEL": "WARNING",
    }
    with service_process(
        EDGE_APP, env, tmp / "edge.log", ready_path="/api/chat/docs/openapi.json"
    ) as edge:
        yield edge.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--stored", type=int, default=STORED_MESSAGES)
    parser.add_argument(
        "--compare-moto",
        type=int,
        default=10,
        metavar="N",
        help="Also time N transactions at --stored messages, moto's own vs ours (0: skip).",
    )
    parser.add_argument(
        "--edge", action="store_true", help="Send the turns through the local edge."
    )
    args = parser.parse_args()

    server = MessagesServer(default=Reply(tokens=("ok",))).start()
    results = run(server, args.requests, [0, args.stored], edge=args.edge)
    sdk = sdk_baseline(server, WARMUP + args.requests)[WARMUP:]
    server.stop()

    print(
        f"requests measured: {args.requests} per phase (after {WARMUP} warm-up); each phase "
        f"in a new conversation of {HISTORY_MESSAGES} messages"
    )
    for stored, phase in results.items():
        print(f"\n-- {stored:,} other messages stored (history sent: {phase.history_sent} turns)")
        print(row("POST /api/chat -> model request arrives", phase.overhead))
        print(row("  service: turn start (reads + write)", phase.turn_start))
        print(row("    of which: reads (tenant, usage, conversation)", phase.reads))
        print(row("    of which: user message write (moto)", phase.write))
        print(row("baseline: GET /api/me round trip", phase.me))
    print()
    print(row("baseline: SDK call -> request arrives", sdk))
    empty, full = results[0], results[args.stored]
    ratio = percentile(full.overhead, 50) / percentile(empty.overhead, 50)
    me_ratio = percentile(full.me, 50) / percentile(empty.me, 50)
    print(
        f"p50 overhead at {args.stored:,} / at 0 stored: {ratio:.2f} "
        f"(GET /api/me baseline: {me_ratio:.2f}); flat within 20%: "
        f"{'yes' if abs(ratio - 1) <= 0.2 else 'NO'}"
    )
    if args.compare_moto:
        ours = transaction_ms(args.stored, args.compare_moto, fast=True)
        theirs = transaction_ms(args.stored, args.compare_moto, fast=False)
        print(row(f"one chat-turn transaction, {args.stored:,} stored: ours", ours))
        print(row("  the same with moto's own TransactWriteItems", theirs))
        print(f"  moto's own / ours (p50): {percentile(theirs, 50) / percentile(ours, 50):.0f}x")
    p50, p99 = percentile(full.overhead, 50), percentile(full.overhead, 99)
    verdict = "meets" if p50 <= 20 and p99 <= 50 else "MISSES"
    where = "through the edge" if args.edge else "direct to the service"
    print(f"goal p50 <= 20 ms, p99 <= 50 ms ({where}, {args.stored:,} stored): {verdict}")


if __name__ == "__main__":
    main()
