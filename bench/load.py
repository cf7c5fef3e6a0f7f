"""Benchmark: mixed traffic for a minute against the local platform, two replicas per service.

    .venv/bin/python bench/load.py [--duration 60] [--warmup 10] [--concurrency 8]
        [--replicas 2] [--compare-replicas 1 | --no-compare] [--running] [--json PATH]

It starts `engageiq dev --replicas 2` on free ports with a fresh state directory (with
`--running`, it uses the platform `engageiq dev` already runs with `--state-dir`), signs in a
member of two tenants, uploads a few documents to each, and runs `--concurrency` clients for
the warm-up and then `--duration` seconds. Each client picks requests by weight (`MIX`): chat
turns read to the end of the stream, history pages, file and conversation listings, searches,
and uploads; a client deletes its oldest upload beyond `UPLOADS_KEPT`, so the stored corpus
stays bounded and no process has a reason to grow.

Reported: requests/s, p50/p99 latency per kind (the whole exchange: a chat turn until its
`done` event), errors (a non-2xx answer, a transport error, a stream without `done`), which
replicas answered (`x-engageiq-replica`), and each process's RSS and CPU time sampled every
second (CPU as cores used over the run: which process is the bottleneck).
Baselines measured in the same run: the edge's own `/config.json` at the same concurrency (the
cost of the client and the edge alone; each kind's p50 is also given as a multiple of it), and
unless `--no-compare`, the same mix against `--replicas 1` for `--compare-duration` seconds
(the throughput ratio of N replicas to one, on this machine's cores).

Goals: 0 errors, and each service and edge process's mean RSS over the last 20 s within 10 %
above its mean over the first 20 s after the warm-up (windows shrink to a third of shorter
runs). moto, inside the `engageiq dev` process, is the data store itself (every upload and turn
is kept there, deleted objects too in the versioned bucket): its RSS is reported, not judged.
Exits 1 when a goal is missed (decision 0082)."""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psutil

from bench.chat_fixture import ROOT, percentile
from engageiq.local.aws import LocalResources
from engageiq.local.paths import default_state_dir
from engageiq.local.platform import free_port, read_outputs
from engageiq.local.replicas import REPLICA_HEADER
from engageiq.local.seed import create_tenant, sign_in
from engageiq_tenancy.resources import BUCKETS, TABLES

MIX: Final = {
    "chat": 2,
    "history": 2,
    "list_files": 2,
    "list_conversations": 1,
    "search": 3,
    "upload": 1,
}
"""Relative weights of the request kinds each client picks from. An upload beyond
UPLOADS_KEPT is followed by the deletion of the client's oldest upload, recorded as `delete`."""
KINDS: Final = (*MIX, "delete")
UPLOADS_KEPT: Final = 3
TURNS_PER_CONVERSATION: Final = 4
"""A client starts a new conversation after this many turns (history stays a page long)."""
MEMORY_WINDOW_S: Final = 20.0
CLIENT: Final = "load-client"
NOT_JUDGED: Final = frozenset({"engageiq-dev", CLIENT})
"""moto (in the engageiq-dev process) holds the data itself; the client is not the platform."""
MEMORY_GROWTH_ALLOWED: Final = 0.10
SEARCH_TERMS: Final = ("pricing", "renewal", "objection", "discount", "security", "onboarding")
DOCUMENT: Final = (
    "# {title}\n\nThe Pro plan costs {price} EUR per seat per month. Renewals are due in "
    "{month}; a discount of {discount} % applies to annual contracts. Security reviews take "
    "two weeks. Objection handling: lead with onboarding time and the security report.\n"
)


@dataclass
class Sample:
    kind: str
    at: float
    seconds: float
    ok: bool
    replica: str | None
    detail: str = ""


@dataclass
class Member:
    tenant_id: str
    token: str


@dataclass
class Run:
    """What one load run measured."""

    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]

    @property
    def rps(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0


def resources_of(outputs: dict[str, Any]) -> LocalResources:
    return LocalResources(
        endpoint_url=outputs["awsEndpointUrl"],
        region=outputs["region"],
        user_pool_id=outputs["userPoolId"],
        user_pool_client_id=outputs["userPoolClientId"],
        tables={t.logical_name: outputs[t.output_key] for t in TABLES},
        buckets={b.logical_name: outputs[b.output_key] for b in BUCKETS},
    )


@contextmanager
def dev_platform(replicas: int) -> Iterator[dict[str, Any]]:
    """`engageiq dev --replicas N` as a user starts it, on free ports, fresh state."""
    state_dir = Path(tempfile.mkdtemp(prefix="engageiq-load-"))
    log = (state_dir / "dev.out").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "engageiq.cli", "dev", "--state-dir", str(state_dir),
            "--port", str(free_port()), "--aws-port", str(free_port()),
            "--replicas", str(replicas),
        ],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while not (state_dir / "outputs.json").is_file():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"engageiq dev did not start:\n{(state_dir / 'dev.out').read_text()}"
                )
            time.sleep(0.2)
        yield read_outputs(state_dir)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(state_dir, ignore_errors=True)


def members(outputs: dict[str, Any]) -> list[Member]:
    """The demo tenant's user, and the admin of a second tenant created for the run."""
    endpoint, client_id = outputs["awsEndpointUrl"], outputs["userPoolClientId"]
    demo = Member(
        outputs["demoTenantId"],
        sign_in(endpoint, client_id, outputs["demoUsername"], outputs["demoPassword"]),
    )
    tenant_id = f"load{random.randrange(10**6):06d}"  # noqa: S311 - a name, not a secret
    admin = create_tenant(
        resources_of(outputs), tenant_id, "Load Test Co", f"admin@{tenant_id}.example"
    )
    return [demo, Member(tenant_id, sign_in(endpoint, client_id, admin.username, admin.password))]


def client_for(web_url: str, member: Member, concurrency: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"{web_url}/api",
        headers={"Authorization": f"Bearer {member.token}"},
        timeout=httpx.Timeout(60.0),
        limits=httpx.Limits(max_connections=concurrency + 4),
    )


def document(rng: random.Random, title: str) -> bytes:
    month = rng.choice(["March", "May", "September"])
    text = DOCUMENT.format(
        title=title, price=rng.randint(20, 60), month=month, discount=rng.randint(5, 20)
    )
    return text.encode()


async def seed_documents(web_url: str, crew: list[Member]) -> None:
    """Three documents per tenant, ready before the clock starts (so searches find text)."""
    rng = random.Random(7)  # noqa: S311 - seeded for repeatable runs, not a secret
    for member in crew:
        async with client_for(web_url, member, 4) as client:
            ids = []
            for n in range(3):
                files = {"file": (f"seed{n}.md", document(rng, f"Playbook {n}"), "text/markdown")}
                response = await client.post("/upload-file", files=files)
                response.raise_for_status()
                ids.append(response.json()["id"])
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                listed = (await client.get("/files")).json()["files"]
                if all(f["status"] in {"ready", "failed"} for f in listed if f["id"] in ids):
                    break
                await asyncio.sleep(0.5)


class Client:
    """One simulated user: picks a kind of request, sends it, records the sample."""

    def __init__(self, n: int, http: httpx.AsyncClient, record: list[Sample]) -> None:
        self.rng = random.Random(n)  # noqa: S311 - seeded for repeatable runs
        self.http = http
        self.record = record
        self.conversation: str | None = None
        self.turns = 0
        self.uploads: deque[str] = deque()
        self.n = n
        self.keep = False

    async def run_until(self, stop_at: float, keep: bool) -> None:
        kinds, weights = list(MIX), list(MIX.values())
        self.keep = keep
        while time.monotonic() < stop_at:
            kind = self.rng.choices(kinds, weights)[0]
            started = time.monotonic()
            try:
                ok, replica, detail = await getattr(self, kind)()
            except httpx.HTTPError as exc:
                ok, replica, detail = False, None, repr(exc)
            if keep:
                self.record.append(
                    Sample(kind, started, time.monotonic() - started, ok, replica, detail)
                )

    @staticmethod
    def _result(response: httpx.Response, *expected: int) -> tuple[bool, str | None, str]:
        ok = response.status_code in expected
        detail = "" if ok else f"{response.status_code} {response.text[:200]}"
        return ok, response.headers.get(REPLICA_HEADER), detail

    async def chat(self) -> tuple[bool, str | None, str]:
        if self.turns >= TURNS_PER_CONVERSATION:
            self.conversation, self.turns = None, 0
        body: dict[str, str] = {"message": f"What does the Pro plan cost? ({self.turns})"}
        if self.conversation:
            body["conversationId"] = self.conversation
        async with self.http.stream("POST", "/chat", json=body) as response:
            text = (await response.aread()).decode()
        ok, replica, detail = self._result(response, 200)
        if ok and "event: done" not in text:
            return False, replica, f"stream without done: {text[-200:]}"
        if ok and self.conversation is None:
            meta = text.split("event: meta\ndata: ", 1)[1].split("\n", 1)[0]
            self.conversation = json.loads(meta)["conversationId"]
        self.turns += 1
        return ok, replica, detail

    async def history(self) -> tuple[bool, str | None, str]:
        if self.conversation is None:
            return await self.list_conversations()
        params = {"conversationId": self.conversation, "limit": "20"}
        return self._result(await self.http.get("/chat-history", params=params), 200)

    async def list_files(self) -> tuple[bool, str | None, str]:
        return self._result(await self.http.get("/files"), 200)

    async def list_conversations(self) -> tuple[bool, str | None, str]:
        return self._result(await self.http.get("/conversations"), 200)

    async def search(self) -> tuple[bool, str | None, str]:
        params = {"q": self.rng.choice(SEARCH_TERMS)}
        return self._result(await self.http.get("/files/search", params=params), 200)

    async def upload(self) -> tuple[bool, str | None, str]:
        name = f"client{self.n}-{self.rng.randrange(10**6)}.md"
        files = {"file": (name, document(self.rng, name), "text/markdown")}
        response = await self.http.post("/upload-file", files=files)
        result = self._result(response, 201)
        if result[0]:
            self.uploads.append(response.json()["id"])
        if len(self.uploads) > UPLOADS_KEPT:
            await self.delete_oldest()
        return result

    async def delete_oldest(self) -> None:
        """Its own sample: a delete waits for the tenant's index rebuild, an upload does not."""
        started = time.monotonic()
        try:
            ok, replica, detail = self._result(
                await self.http.delete(f"/files/{self.uploads.popleft()}"), 204
            )
        except httpx.HTTPError as exc:
            ok, replica, detail = False, None, repr(exc)
        if self.keep:
            self.record.append(
                Sample("delete", started, time.monotonic() - started, ok, replica, detail)
            )


async def load(
    web_url: str, crew: list[Member], concurrency: int, warmup: float, duration: float
) -> Run:
    """`concurrency` clients spread over the members' tenants: warm-up, then the measured run."""
    run = Run()
    https = [client_for(web_url, m, concurrency) for m in crew]
    clients = [Client(n, https[n % len(https)], run.samples) for n in range(concurrency)]
    try:
        warm_until = time.monotonic() + warmup
        await asyncio.gather(*(c.run_until(warm_until, keep=False) for c in clients))
        started = time.monotonic()
        await asyncio.gather(*(c.run_until(started + duration, keep=True) for c in clients))
        run.seconds = time.monotonic() - started
    finally:
        for http in https:
            await http.aclose()
    return run


async def bare(web_url: str, concurrency: int, seconds: float) -> Run:
    """The baseline: the edge's own /config.json (no service, no AWS) at the same concurrency."""
    run = Run()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as http:

        async def one(stop_at: float) -> None:
            while time.monotonic() < stop_at:
                started = time.monotonic()
                response = await http.get(f"{web_url}/config.json")
                run.samples.append(
                    Sample("bare", started, time.monotonic() - started, response.is_success, None)
                )

        started = time.monotonic()
        await asyncio.gather(*(one(started + seconds) for _ in range(concurrency)))
        run.seconds = time.monotonic() - started
    return run


class MemorySampler:
    """Each process's RSS (bytes) and CPU time used so far (seconds, its reaped children's
    included: the parser and index-build sandboxes) every `interval` s, in a thread, with the
    time. The load client itself is sampled too (`load-client`): it shares the machine."""

    def __init__(self, pids: dict[str, int], interval: float = 1.0) -> None:
        self.processes = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.processes[CLIENT] = psutil.Process()
        self.samples: dict[str, list[tuple[float, int, float]]] = {n: [] for n in self.processes}
        self.vanished: set[str] = set()
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.monotonic()
            for name, process in self.processes.items():
                try:
                    with process.oneshot():
                        cpu = process.cpu_times()
                        used = cpu.user + cpu.system + cpu.children_user + cpu.children_system
                        self.samples[name].append((now, process.memory_info().rss, used))
                except psutil.Error:
                    self.vanished.add(name)  # it died or was restarted: reported as such
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()


def memory_report(
    sampler: MemorySampler, start: float, end: float
) -> tuple[dict[str, dict[str, Any]], float]:
    """Per process: mean RSS (MB) in the first and last windows of [start, end], the change,
    and whether it is judged and flat. Returns the report and the window used (s)."""
    window = min(MEMORY_WINDOW_S, (end - start) / 3)
    report: dict[str, dict[str, Any]] = {}
    for name, samples in sampler.samples.items():
        first = [rss for t, rss, _ in samples if start <= t < start + window]
        last = [rss for t, rss, _ in samples if end - window <= t <= end]
        cpu = [used for t, _, used in samples if start <= t <= end]
        judged = name not in NOT_JUDGED
        if not first or not last:
            report[name] = {"judged": judged, "flat": False, "note": "no samples"}
            continue
        first_mb, last_mb = statistics.mean(first) / 1e6, statistics.mean(last) / 1e6
        change = (last_mb - first_mb) / first_mb
        flat = change <= MEMORY_GROWTH_ALLOWED and name not in sampler.vanished
        report[name] = {
            "first_mb": round(first_mb, 1),
            "last_mb": round(last_mb, 1),
            "peak_mb": round(max(rss for _, rss, _ in samples) / 1e6, 1),
            "cores_used": round((cpu[-1] - cpu[0]) / (end - start), 2) if len(cpu) > 1 else 0.0,
            "change_pct": round(change * 100, 1),
            "judged": judged,
            "flat": flat,
        }
    return report, window


def kinds_report(run: Run, bare_p50_ms: float) -> dict[str, dict[str, Any]]:
    report: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        seconds = [s.seconds * 1000 for s in run.samples if s.kind == kind]
        if not seconds:
            report[kind] = {"count": 0}
            continue
        p50 = percentile(seconds, 50)
        report[kind] = {
            "count": len(seconds),
            "errors": sum(1 for s in run.samples if s.kind == kind and not s.ok),
            "p50_ms": round(p50, 1),
            "p99_ms": round(percentile(seconds, 99), 1),
            "p50_vs_bare": round(p50 / bare_p50_ms, 1),
        }
    return report


def measure(args: argparse.Namespace, outputs: dict[str, Any]) -> dict[str, Any]:
    web_url = outputs["webUrl"]
    crew = members(outputs)
    asyncio.run(seed_documents(web_url, crew))
    pids = {name: p["pid"] for name, p in outputs["localProcesses"].items() if p.get("pid")}
    baseline = asyncio.run(bare(web_url, args.concurrency, args.bare_seconds))
    bare_p50 = percentile([s.seconds * 1000 for s in baseline.samples], 50)
    with MemorySampler(pids) as sampler:
        run = asyncio.run(load(web_url, crew, args.concurrency, args.warmup, args.duration))
        end = time.monotonic()
    start = end - run.seconds
    memory, window = memory_report(sampler, start, end)
    return {
        "replicas": args.replicas,
        "concurrency": args.concurrency,
        "duration_s": round(run.seconds, 1),
        "requests": len(run.samples),
        "throughput_rps": round(run.rps, 1),
        "errors": len(run.errors),
        "error_samples": [f"{s.kind}: {s.detail}" for s in run.errors[:5]],
        "kinds": kinds_report(run, bare_p50),
        "answered_by": dict(sorted(Counter(s.replica for s in run.samples if s.replica).items())),
        "baseline_bare": {
            "what": "GET /config.json from the edge itself, same concurrency",
            "throughput_rps": round(baseline.rps, 1),
            "p50_ms": round(bare_p50, 1),
            "errors": len(baseline.errors),
        },
        "memory_window_s": round(window, 1),
        "memory": memory,
        "processes_restarted": sorted(sampler.vanished),
    }


def compare(args: argparse.Namespace) -> dict[str, Any]:
    """The same mix against `--compare-replicas` replicas: throughput only."""
    with dev_platform(args.compare_replicas) as outputs:
        crew = members(outputs)
        asyncio.run(seed_documents(outputs["webUrl"], crew))
        pids = {name: p["pid"] for name, p in outputs["localProcesses"].items() if p.get("pid")}
        with MemorySampler(pids) as sampler:
            run = asyncio.run(
                load(
                    outputs["webUrl"],
                    crew,
                    args.concurrency,
                    args.warmup / 2,
                    args.compare_duration,
                )
            )
            end = time.monotonic()
        usage, _ = memory_report(sampler, end - run.seconds, end)
    p50s = {k: v.get("p50_ms") for k, v in kinds_report(run, 1.0).items()}
    return {
        "replicas": args.compare_replicas,
        "duration_s": round(run.seconds, 1),
        "throughput_rps": round(run.rps, 1),
        "errors": len(run.errors),
        "p50_ms": p50s,
        "cores_used": {name: m.get("cores_used") for name, m in usage.items()},
    }


def print_report(result: dict[str, Any]) -> None:
    print(
        f"\n{result['replicas']} replicas per service, {result['concurrency']} clients, "
        f"{result['duration_s']} s measured after the warm-up"
    )
    bare_ = result["baseline_bare"]
    print(
        f"throughput {result['throughput_rps']} requests/s ({result['requests']} requests), "
        f"errors {result['errors']}; baseline (edge's own /config.json): "
        f"{bare_['throughput_rps']} requests/s, p50 {bare_['p50_ms']} ms"
    )
    for sample in result["error_samples"]:
        print(f"  error: {sample}")
    print(f"{'kind':<20}{'count':>7}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'p50/bare':>10}")
    for kind, k in result["kinds"].items():
        if k["count"]:
            print(
                f"{kind:<20}{k['count']:>7}{k['errors']:>8}{k['p50_ms']:>9}{k['p99_ms']:>9}"
                f"{k['p50_vs_bare']:>9}x"
            )
    print("answered by: " + ", ".join(f"{n} {c}" for n, c in result["answered_by"].items()))
    window = result["memory_window_s"]
    print(f"RSS, mean of the first {window} s vs the last {window} s (MB), and CPU cores used:")
    for name, m in result["memory"].items():
        verdict = ("flat" if m["flat"] else "GREW") if m["judged"] else "not judged"
        print(
            f"  {name:<14}{m.get('first_mb', '-'):>8} -> {m.get('last_mb', '-'):>8} "
            f"({m.get('change_pct', '-'):>+5} %, peak {m.get('peak_mb', '-')})  {verdict:<11}"
            f" cores {m.get('cores_used', '-')}"
        )
    if result.get("compare"):
        c = result["compare"]
        print(
            f"same mix with {c['replicas']} replica(s): {c['throughput_rps']} requests/s, "
            f"{c['errors']} errors -> {result['replicas']} replicas give "
            f"{result['scaling_ratio']}x its throughput"
        )
        print("  its p50 ms: " + ", ".join(f"{k} {v}" for k, v in c["p50_ms"].items() if v))
        print("  its CPU cores used: " + ", ".join(f"{k} {v}" for k, v in c["cores_used"].items()))
    goals = result["goals"]
    print(
        f"goals: 0 errors: {'met' if goals['no_errors'] else 'MISSED'}; memory flat (<= "
        f"{MEMORY_GROWTH_ALLOWED:.0%} growth): {'met' if goals['memory_flat'] else 'MISSED'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=10.0, help="unmeasured seconds first")
    parser.add_argument("--concurrency", type=int, default=8, help="simulated users")
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--bare-seconds", type=float, default=3.0)
    parser.add_argument("--compare-replicas", type=int, default=1)
    parser.add_argument("--compare-duration", type=float, default=20.0)
    parser.add_argument("--no-compare", action="store_true", help="skip the --replicas 1 run")
    parser.add_argument(
        "--running",
        action="store_true",
        help="use the platform `engageiq dev` already runs (found from --state-dir)",
    )
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    if args.running:
        outputs = read_outputs(args.state_dir or default_state_dir())
        args.replicas = sum(
            1 for p in outputs["localProcesses"].values() if p.get("service") == "chat"
        )
        result = measure(args, outputs)
    else:
        with dev_platform(args.replicas) as outputs:
            result = measure(args, outputs)
    if not args.no_compare:
        result["compare"] = compare(args)
        ratio = result["throughput_rps"] / max(result["compare"]["throughput_rps"], 1e-9)
        result["scaling_ratio"] = round(ratio, 2)
    judged = [m for m in result["memory"].values() if m["judged"]]
    result["goals"] = {
        "no_errors": result["errors"] == 0 and result["baseline_bare"]["errors"] == 0,
        "memory_flat": bool(judged) and all(m["flat"] for m in judged),
    }
    print_report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if not all(result["goals"].values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
