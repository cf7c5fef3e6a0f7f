"""Benchmark: 200 MB through POST /api/upload-file against boto3's upload_fileobj straight to
the same moto endpoint, in the same run; and the files service's peak RSS growth meanwhile.

    .venv/bin/python bench/upload.py [--mb 200] [--rounds 2]

Goals (issue 4): at least 0.7x the direct throughput, and RSS growth of 64 MB or less.
The service runs as `engageiq dev` runs it (uvicorn subprocess, local settings). Rounds
alternate direct and service uploads, and each service round waits for that file's
ingestion to finish, so background work never overlaps a measurement."""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psutil
from boto3.s3.transfer import TransferConfig

from engageiq.local.aws import aws_client, provision
from engageiq.local.platform import free_port, service_environment, wait_until_answering
from engageiq.local.seed import seed_demo, sign_in

MIB = 1024 * 1024
BOUNDARY = "benchboundary7d1f"
# A mebibyte of text (the service sniffs content, so the payload must be an allowed type).
BLOCK = (b"Sales playbook paragraph about pricing, renewals and objections. " * 16_500)[:MIB]


class RepeatedText(io.RawIOBase):
    """`size` bytes of BLOCK, read like a file (what upload_fileobj reads)."""

    def __init__(self, size: int) -> None:
        self.remaining = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self.remaining, MIB)
        buffer[:n] = BLOCK[:n]
        self.remaining -= n
        return n


def multipart_stream(size: int) -> tuple[Iterator[bytes], int]:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        'filename="bench.txt"\r\nContent-Type: text/plain\r\n\r\n'
    ).encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        sent = 0
        while sent < size:
            n = min(MIB, size - sent)
            yield BLOCK[:n]
            sent += n
        yield tail

    return body(), len(head) + size + len(tail)


class PeakRss:
    """Samples a process's RSS every 10 ms in a thread; the peak is what matters."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    size = args.mb * 1000 * 1000

    # moto in its own process, like S3 is its own service: in this process it would share the
    # GIL with the benchmark's client and skew both measurements.
    aws_port = free_port()
    aws = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(aws_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{aws_port}"
    service: subprocess.Popen[bytes] | None = None
    try:
        wait_until_answering(f"{endpoint}/moto-api/")
        resources = provision(endpoint)
        demo = seed_demo(resources)
        token = sign_in(
            resources.endpoint_url, resources.user_pool_client_id, demo.username, demo.password
        )
        port = free_port()
        env = {
            **os.environ,
            **service_environment(resources),
            "ENGAGEIQ_MAX_UPLOAD_BYTES": str(size + MIB),
            "ENGAGEIQ_LOG_LEVEL": "WARNING",
        }
        service = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "engageiq_files.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_answering(f"{base}/health")
        headers = {"Authorization": f"Bearer {token}"}
        client = httpx.Client(timeout=httpx.Timeout(120.0), headers=headers)
        s3 = aws_client("s3", resources.endpoint_url)
        bucket = resources.buckets["uploads"]

        def through_service() -> tuple[float, int, str]:
            body, length = multipart_stream(size)
            with PeakRss(service.pid) as rss:
                started = time.perf_counter()
                response = client.post(
                    f"{base}/api/upload-file",
                    content=body,
                    headers={
                        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
                        "Content-Length": str(length),
                    },
                )
                elapsed = time.perf_counter() - started
            assert response.status_code == 201, response.text
            return elapsed, rss.peak, response.json()["id"]

        def direct(n: int) -> float:
            started = time.perf_counter()
            s3.upload_fileobj(
                RepeatedText(size), bucket, f"tenants/demo/direct/{n}", Config=TransferConfig()
            )
            return time.perf_counter() - started

        def wait_settled(file_id: str) -> str:
            for _ in range(3000):
                status = str(client.get(f"{base}/api/files/{file_id}").json()["status"])
                if status in {"ready", "failed"}:
                    return status
                time.sleep(0.1)
            return "still processing"

        # Warm-up: imports, thread pools, boto3 connection pools, the parser fork server.
        warm = client.post(
            f"{base}/api/upload-file", files={"file": ("warm.txt", BLOCK[:1000], "text/plain")}
        )
        wait_settled(warm.json()["id"])
        baseline_rss = psutil.Process(service.pid).memory_info().rss

        direct_s: list[float] = []
        service_s: list[float] = []
        peaks: list[int] = []
        for n in range(args.rounds):
            direct_s.append(direct(n))
            # Measured from just before each upload: the previous round's ingestion (a separate
            # concern, reported as "after ingestion") may have left the heap larger.
            before = psutil.Process(service.pid).memory_info().rss
            elapsed, peak, file_id = through_service()
            service_s.append(elapsed)
            peaks.append(peak - before)
            status = wait_settled(file_id)
            after = psutil.Process(service.pid).memory_info().rss
            print(
                f"round {n + 1}: direct {size / direct_s[-1] / 1e6:.1f} MB/s, "
                f"service {size / elapsed / 1e6:.1f} MB/s, "
                f"RSS growth during the upload {(peak - before) / MIB:.1f} MiB; "
                f"ingestion {status}, RSS after it {after / MIB:.0f} MiB"
            )

        direct_rate = size / statistics.median(direct_s) / 1e6
        service_rate = size / statistics.median(service_s) / 1e6
        growth = max(peaks) / MIB
        ratio = service_rate / direct_rate
        print(f"payload {args.mb} MB, {args.rounds} rounds, medians:")
        print(f"direct boto3 upload_fileobj: {direct_rate:.1f} MB/s")
        print(f"POST /api/upload-file:       {service_rate:.1f} MB/s ({ratio:.2f}x direct)")
        print(
            f"files service RSS: baseline {baseline_rss / MIB:.0f} MiB, "
            f"peak growth {growth:.1f} MiB"
        )
        print(
            f"goals: >= 0.7x direct: {'met' if ratio >= 0.7 else 'NOT met'}; "
            f"RSS growth <= 64 MB: {'met' if growth * MIB <= 64e6 else 'NOT met'}"
        )
    finally:
        if service is not None:
            service.terminate()
            service.wait(10)
        aws.terminate()
        aws.wait(10)


if __name__ == "__main__":
    main()
