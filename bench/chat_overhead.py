"""Benchmark: time from POST /api/chat reaching the chat service to the model request
leaving it, with a 50-message history, against the local Messages API server.

    .venv/bin/python bench/chat_overhead.py [--requests 200]

Measured as (arrival of POST /v1/messages at the local Messages server) - (just before the
client sends POST /api/chat); both read time.monotonic(), one clock for every process on the
machine. That includes the client's send and the loopback hops, so two baselines from the same
run are printed beside it: an authenticated GET /api/me round trip (client + framework + auth,
no chat work) and the SDK's own request build (bench process -> Messages server directly).
Goal: p50 <= 25 ms, p99 <= 60 ms."""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anthropic
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat_fixture import local_platform, percentile
from tests.support.chat_process import chat_environment, chat_process
from tests.support.messages_server import MessagesServer, Reply

HISTORY_MESSAGES = 50
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    server = MessagesServer(default=Reply(tokens=("ok",))).start()
    with local_platform() as platform, tempfile.TemporaryDirectory() as tmp:
        env = chat_environment(
            platform.resources,
            ANTHROPIC_API_KEY="bench",
            ANTHROPIC_BASE_URL=server.url,
            ENGAGEIQ_LOG_LEVEL="INFO",
        )
        log_path = Path(tmp) / "chat.log"
        with (
            chat_process(env, log_path) as chat,
            httpx.Client(base_url=chat.url, headers=platform.headers, timeout=30) as client,
        ):
            # A conversation with 50 messages of realistic length (25 turns).
            cid = None
            for n in range(HISTORY_MESSAGES // 2):
                body: dict[str, str] = {"message": f"Question {n}: " + "what about pricing? " * 20}
                if cid:
                    body["conversationId"] = cid
                response = client.post("/api/chat", json=body)
                response.raise_for_status()
                if cid is None:
                    first = response.text.split("data: ", 1)[1].split("\n", 1)[0]
                    cid = httpx.Response(200, content=first).json()["conversationId"]
            assert cid is not None

            overhead: list[float] = []
            me: list[float] = []
            for n in range(WARMUP + args.requests):
                before = len(server.requests)
                started = time.monotonic()
                response = client.post(
                    "/api/chat",
                    json={
                        "message": f"Follow-up {n}: draft an email about it",
                        "conversationId": cid,
                    },
                )
                response.raise_for_status()
                if n >= WARMUP:
                    overhead.append((server.requests[before].arrived - started) * 1000)
                started = time.monotonic()
                client.get("/api/me").raise_for_status()
                if n >= WARMUP:
                    me.append((time.monotonic() - started) * 1000)
            history_sent = len(server.requests[-1].body["messages"])
        phases = [
            json.loads(line)
            for line in log_path.read_text().splitlines()
            if '"chat_turn_started"' in line
        ][-args.requests :]

    sdk = sdk_baseline(server, WARMUP + args.requests)[WARMUP:]
    server.stop()

    def row(name: str, values: list[float]) -> str:
        return (
            f"{name:<44} p50 {percentile(values, 50):6.2f} ms   p99 "
            f"{percentile(values, 99):6.2f} ms   mean {statistics.fmean(values):6.2f} ms"
        )

    print(
        f"requests measured: {args.requests} (after {WARMUP} warm-up), history: "
        f">= {HISTORY_MESSAGES} stored messages ({history_sent} turns sent to the model)"
    )
    print(row("POST /api/chat -> model request arrives", overhead))
    print(row("baseline: GET /api/me round trip", me))
    print(row("baseline: SDK call -> request arrives", sdk))
    write = [p["write_ms"] for p in phases]
    print(row("  of which: user message write (moto)", write))
    print(row("  of which: reads (+ retrieval, concurrent)", [p["read_ms"] for p in phases]))
    print(
        row(
            "overhead without the message write",
            [o - w for o, w in zip(overhead, write, strict=True)],
        )
    )
    p50, p99 = percentile(overhead, 50), percentile(overhead, 99)
    verdict = "meets" if p50 <= 25 and p99 <= 60 else "MISSES"
    print(f"goal p50 <= 25 ms, p99 <= 60 ms: {verdict}")


if __name__ == "__main__":
    main()
