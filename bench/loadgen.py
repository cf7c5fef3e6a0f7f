"""A small HTTP/1.1 keep-alive load generator on raw asyncio streams.

Python HTTP clients (httpx, aiohttp) cost more per request than a Litestar handler does, so
they would measure themselves. This one writes a fixed request and reads exactly
Content-Length bytes back, which keeps the client cheaper than the server under test."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


async def _worker(host: str, port: int, request: bytes, deadline: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < deadline:
            writer.write(request)
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            await reader.readexactly(length)
            if status_line.split(b" ", 2)[1] == b"200":
                counts[0] += 1
            else:
                counts[1] += 1
    finally:
        writer.close()


async def run_load(
    host: str,
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    connections: int = 16,
    seconds: float = 3.0,
) -> LoadResult:
    head = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    request = (head + "\r\n").encode()
    counts = [0, 0]
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(_worker(host, port, request, deadline, counts) for _ in range(connections))
    )
    return LoadResult(counts[0], counts[1], time.perf_counter() - started)
