"""What both chat benchmarks start: moto provisioned from the spec, the demo tenant and a
signed-in user (a real moto Cognito token), and the chat service as a uvicorn process."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engageiq.local.aws import LocalAwsServer, LocalResources, provision
from engageiq.local.platform import free_port
from engageiq.local.seed import seed_demo, sign_in


@dataclass(frozen=True)
class BenchPlatform:
    resources: LocalResources
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@contextmanager
def local_platform() -> Iterator[BenchPlatform]:
    aws = LocalAwsServer(free_port())
    aws.start()
    try:
        resources = provision(aws.endpoint_url)
        demo = seed_demo(resources)
        token = sign_in(aws.endpoint_url, resources.user_pool_client_id, demo.username,
                        demo.password)
        yield BenchPlatform(resources, token)
    finally:
        aws.stop()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
