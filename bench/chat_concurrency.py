"""Benchmark: 100 concurrent chat streams on one chat service process (uvicorn, 1 worker).

    .venv/bin/python bench/chat_concurrency.py [--streams 100] [--tokens 50] [--interval 0.02]

The local Messages server (its own process) streams 50 tokens at 20 ms intervals; each token's
text is the time.monotonic() at which it was written (one clock for all processes here). The
client reads raw HTTP on asyncio streams and records, per token, arrival - written: the delay
the path added. The same client against the Messages server directly, in the same run, is the
baseline (client and loopback cost); "added" is the chat figure minus the baseline's.
Also printed: errors (non-200, or no `done` event), time to first token, and the service's
peak RSS (VmHWM). Goals: 0 errors, added inter-token delay p99 <= 20 ms, RSS <= 300 MB."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chat_fixture import local_platform, messages_server_process, percentile
from engageiq.local.platform import free_port
from tests.support.chat_process import chat_environment, chat_process

STAMP = re.compile(rb"<t=(\d+\.\d+)>")


@dataclass
class StreamResult:
    status: int = 0
    delays_ms: list[float] = field(default_factory=list)
    gaps_ms: list[float] = field(default_factory=list)
    first_token_ms: float | None = None
    done: bool = False
    error: str | None = None
    tail: bytes = b""


async def one_stream(
    port: int, path: str, body: bytes, headers: dict[str, str], end_marker: bytes
) -> StreamResult:
    result = StreamResult()
    started = time.monotonic()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        head = [
            f"POST {path} HTTP/1.1",
            "Host: 127.0.0.1",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            "Connection: close",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await writer.drain()
        buffer = b""
        last_arrival: float | None = None
        while chunk := await reader.read(65536):
            arrived = time.monotonic()
            buffer += chunk
            if not result.status and b"\r\n" in buffer:
                result.status = int(buffer.split(b" ", 2)[1])
            stamps = STAMP.findall(buffer)
            # Keep only an unfinished tail: a stamp split across reads is counted once whole.
            cut = buffer.rfind(b">")
            if end_marker in buffer:
                result.done = True
            result.tail = (result.tail + chunk)[-300:]
            buffer = buffer[cut + 1 :] if cut >= 0 else buffer
            for stamp in stamps:
                written = float(stamp)
                result.delays_ms.append((arrived - written) * 1000)
                if result.first_token_ms is None:
                    result.first_token_ms = (arrived - started) * 1000
                if last_arrival is not None:
                    result.gaps_ms.append((arrived - last_arrival) * 1000)
                last_arrival = arrived
        writer.close()
    except OSError as exc:
        result.error = repr(exc)
    return result


async def load(
    streams: int, port: int, path: str, body: bytes, headers: dict[str, str], end_marker: bytes
) -> list[StreamResult]:
    return await asyncio.gather(
        *(one_stream(port, path, body, headers, end_marker) for _ in range(streams))
    )


def summary(name: str, results: list[StreamResult], expected_tokens: int) -> dict[str, float]:
    delays = [d for r in results for d in r.delays_ms]
    gaps = [g for r in results for g in r.gaps_ms]
    errors = sum(
        1
        for r in results
        if r.status != 200 or not r.done or r.error or len(r.delays_ms) != expected_tokens
    )
    first = [r.first_token_ms for r in results if r.first_token_ms is not None]
    for failed in [r for r in results if r.status != 200 or not r.done or r.error][:3]:
        print(
            f"  failed stream: status {failed.status}, tokens {len(failed.delays_ms)}, "
            f"error {failed.error}, last bytes {failed.tail[-200:]!r}"
        )
    figures = {
        "errors": errors,
        "delay_p50": percentile(delays, 50),
        "delay_p99": percentile(delays, 99),
        "gap_p99": percentile(gaps, 99),
        "ttft_p50": percentile(first, 50),
        "ttft_p99": percentile(first, 99),
    }
    print(
        f"{name:<22} errors {errors:3d}   per-token delay p50 {figures['delay_p50']:6.2f} ms"
        f"  p99 {figures['delay_p99']:6.2f} ms   inter-token gap p99 {figures['gap_p99']:6.2f}"
        f" ms   first token p50 {figures['ttft_p50']:7.1f} ms  p99 {figures['ttft_p99']:7.1f} ms"
    )
    return figures


@dataclass
class ChatRun:
    results: list[StreamResult]
    rss_mb: float
    storage_errors: list[str]


def run_chat(args: argparse.Namespace, model_url: str, extra_env: dict[str, str]) -> ChatRun:
    """A fresh moto and chat process, so each configuration starts from the same state."""
    with local_platform() as platform, tempfile.TemporaryDirectory() as tmp:
        env = chat_environment(
            platform.resources, ANTHROPIC_API_KEY="bench", ANTHROPIC_BASE_URL=model_url, **extra_env
        )
        log_path = Path(tmp) / "chat.log"
        with chat_process(env, log_path) as chat:
            port = int(chat.url.rsplit(":", 1)[1])
            body = json.dumps({"message": "Give me talking points for the call"}).encode()
            warm = asyncio.run(load(2, port, "/api/chat", body, platform.headers, b"event: done"))
            assert all(r.done for r in warm), warm
            results = asyncio.run(
                load(args.streams, port, "/api/chat", body, platform.headers, b"event: done")
            )
            rss = chat.peak_rss_mb()
        errors = [line for line in log_path.read_text().splitlines() if "storage_error" in line]
    return ChatRun(results, rss, errors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--streams", type=int, default=100)
    parser.add_argument("--tokens", type=int, default=50)
    parser.add_argument("--interval", type=float, default=0.02)
    args = parser.parse_args()

    model_port = free_port()
    with messages_server_process(
        model_port, "--tokens", str(args.tokens), "--interval", str(args.interval), "--stamp"
    ) as model_url:
        direct_body = json.dumps(
            {
                "model": "claude-haiku-5-5",
                "max_tokens": 64,
                "stream": True,
                "messages": [{"role": "user", "content": "hi"}],
            }
        ).encode()
        direct = asyncio.run(
            load(args.streams, model_port, "/v1/messages", direct_body, {}, b"event: message_stop")
        )
        # As deployed (each turn also reads the files search's index pointer), and with
        # retrieval switched off: the difference is what retrieval costs under this load.
        runs = {
            "chat, retrieval on": run_chat(args, model_url, {}),
            "chat, retrieval off": run_chat(args, model_url, {"ENGAGEIQ_CHAT_RETRIEVAL": "off"}),
        }

    print(
        f"{args.streams} concurrent streams, {args.tokens} tokens at "
        f"{args.interval * 1000:.0f} ms intervals, one uvicorn worker"
    )
    base = summary("baseline: direct", direct, args.tokens)
    for name, run in runs.items():
        measured = summary(name, run.results, args.tokens)
        added = measured["delay_p99"] - base["delay_p99"]
        ok = measured["errors"] == 0 and added <= 20 and run.rss_mb <= 300
        print(
            f"  added per-token delay p99 {added:.2f} ms, peak RSS {run.rss_mb:.0f} MB, "
            f"storage errors retried or failed: {len(run.storage_errors)}; goals (0 errors, "
            f"added p99 <= 20 ms, RSS <= 300 MB): {'met' if ok else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
