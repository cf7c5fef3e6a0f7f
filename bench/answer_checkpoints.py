"""Benchmark: the extra DynamoDB writes of an answer that outlives its connection (decision
0114): checkpoints of the growing answer, against the same turn without them, in one run.

    .venv/bin/python bench/answer_checkpoints.py [--tokens 300] [--rate 50] [--ttft 1.0]

The chat app runs in this process (Litestar's TestClient) against moto in its own process;
the model is a scripted provider: `--ttft` seconds before its first token, then `--tokens`
tokens of 4-5 characters at `--rate` a second (300 at 50/s: a 6 s, ~1.5 KB answer). Each turn
is counted with `bench.aws_requests.AwsCounter` (requests and items written), and the
checkpoints themselves by their UpdateItem (`checkpointAt`): how many, and the write capacity
units they cost (one per started KB of the item written: the answer so far, its sources and
its keys - an estimate, moto reports none). The baseline is the same turn with checkpoints
off (an interval longer than the turn): what the answer costs when it is written once."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
from litestar.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.aws_requests import AwsCounter
from bench.chat_fixture import local_platform
from engageiq.local.platform import service_environment
from engageiq_chat.app import create_app
from engageiq_chat.providers.base import ModelRequest, ProviderEvent
from engageiq_chat.settings import ChatSettings
from engageiq_tenancy.settings import ServiceSettings
from tests.support.chat import ScriptedProvider


class SlowStart(ScriptedProvider):
    """The scripted provider, silent for `ttft` seconds before its first token (the model's
    time to first token: the lease is renewed then, without text)."""

    def __init__(self, ttft: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ttft = ttft

    async def stream(self, request: ModelRequest) -> AsyncIterator[ProviderEvent]:
        await asyncio.sleep(self.ttft)
        async for event in super().stream(request):
            yield event


ITEM_OVERHEAD_BYTES = 400
"""Keys, ids, status, route, provider, model, lease: the item besides its text and sources."""


@dataclass
class Checkpoints:
    count: int = 0
    capacity_units: int = 0

    def seen(self, params: dict[str, Any], **_: Any) -> None:
        if "checkpointAt" not in str(params.get("UpdateExpression", "")):
            return
        values = params.get("ExpressionAttributeValues", {})
        size = len(str(values.get(":content", {}).get("S", "")).encode()) + len(
            str(values.get(":citations", ""))
        )
        self.count += 1
        self.capacity_units += math.ceil((size + ITEM_OVERHEAD_BYTES) / 1024)


def turn_cost(
    settings: ServiceSettings, headers: dict[str, str], chat_settings: ChatSettings, args: Any
) -> tuple[AwsCounter, Checkpoints, int]:
    tokens = [f"w{n:03d} " for n in range(args.tokens)]
    provider = SlowStart(args.ttft, tokens=tokens, pause=1 / args.rate)
    counter, checkpoints = AwsCounter(), Checkpoints()
    original = botocore.session.Session.create_client

    def create_client(session: Any, *a: Any, **kw: Any) -> Any:
        client = original(session, *a, **kw)
        client.meta.events.register("provide-client-params.dynamodb.UpdateItem", checkpoints.seen)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign,assignment]
    try:
        with counter.install():
            app = create_app(settings, chat_settings=chat_settings, provider=provider)
            with TestClient(app) as client:
                # The first request warms the per-process caches (tenant, profile, usage).
                client.post("/api/chat", json={"message": "warm up"}, headers=headers)
                counter.reset()
                checkpoints.count = checkpoints.capacity_units = 0
                answer = client.post("/api/chat", json={"message": "count"}, headers=headers)
                assert "event: done" in answer.text, answer.text[-300:]
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]
    return counter, checkpoints, len("".join(tokens).encode())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--ttft", type=float, default=1.0)
    parser.add_argument("--intervals", default="1.0,0.5")
    args = parser.parse_args()
    with local_platform() as platform:
        env = service_environment(platform.resources)
        # The services' boto3 clients read the local credentials from the environment.
        os.environ.update({k: v for k, v in env.items() if k.startswith(("AWS_", "ENGAGEIQ_"))})
        os.environ["ENGAGEIQ_LOG_LEVEL"] = "WARNING"
        settings = ServiceSettings.from_env(env)
        headers = platform.headers
        seconds = args.ttft + args.tokens / args.rate
        print(f"one answer: {args.tokens} tokens over {seconds:.1f} s")
        runs = [("baseline (no checkpoints)", ChatSettings(checkpoint_seconds=3600.0))]
        runs += [
            (f"checkpoint every {s} s", ChatSettings(checkpoint_seconds=float(s)))
            for s in args.intervals.split(",")
        ]
        base_items = 0
        for name, chat_settings in runs:
            counter, checkpoints, size = turn_cost(settings, headers, chat_settings, args)
            if not base_items:
                base_items = counter.items_written
            final_units = math.ceil((size + ITEM_OVERHEAD_BYTES) / 1024)
            print(
                f"{name:28s} {counter.summary()}\n"
                f"{'':28s} checkpoints {checkpoints.count}, ~{checkpoints.capacity_units} WCU "
                f"(the final write ~{final_units} WCU); items written "
                f"{counter.items_written / base_items:.2f}x the baseline"
            )


if __name__ == "__main__":
    main()
