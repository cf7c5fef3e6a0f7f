"""Which replica of a service the local edge sends a request to (`engageiq dev --replicas N`).

Each service runs as N uvicorn processes, named `<service>-<n>` (`files-1`, `files-2`, ...;
plain `files` when N is 1).
The edge takes them in turn, one request each (round-robin, as App Runner's and ECS's load
balancers spread requests over instances). A replica that just failed at the connection level
(refused, reset: it died or is restarting) is tried last for `COOLDOWN_SECONDS`, so requests do
not keep knocking on a dead process; after that it gets its turn again, which is how a
restarted replica comes back into rotation without any health-check traffic. Whether a failed
request may be sent to the next replica is decided by `may_try_another` (decision 0080)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import httpx

COOLDOWN_SECONDS: Final = 2.0
"""How long a replica that failed at the connection level is tried only after the others."""

REPLICA_HEADER: Final = "x-engageiq-replica"
"""Response header of the local edge naming the replica that answered (`files-2`): a name
made of the service and a counter, nothing about ports, hosts or the caller. Local only; the
cloud's CloudFront adds no such header."""

IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
"""RFC 9110 section 9.2.2: repeating these has the effect of sending them once."""


@dataclass(frozen=True, slots=True)
class Replica:
    name: str
    """`replica_name`: in log file names, outputs.json and REPLICA_HEADER."""
    url: str
    """Its origin, `http://127.0.0.1:<port>`."""


def replica_name(service: str, index: int, count: int) -> str:
    """The name of replica `index` (0-based) of `count`: `files` alone, else `files-1`,
    `files-2`... (one replica keeps the plain name, and its log stays `files.log`)."""
    return service if count == 1 else f"{service}-{index + 1}"


class ReplicaPool:
    """Round-robin over one service's replicas, trying recently failed ones last."""

    def __init__(
        self,
        replicas: Sequence[Replica],
        cooldown: float = COOLDOWN_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not replicas:
            raise ValueError("a service needs at least one replica")
        self.replicas = tuple(replicas)
        self._cooldown = cooldown
        self._clock = clock
        self._turn = 0
        self._failed_until: dict[str, float] = {}

    def attempts(self) -> list[Replica]:
        """Every replica, in the order one request should try them: the one whose turn it is
        first, then the others in turn; those in their cooldown after the healthy ones."""
        start = self._turn
        self._turn = (self._turn + 1) % len(self.replicas)
        order = self.replicas[start:] + self.replicas[:start]
        now = self._clock()
        healthy = [r for r in order if self._failed_until.get(r.name, 0.0) <= now]
        cooling = [r for r in order if self._failed_until.get(r.name, 0.0) > now]
        return healthy + cooling

    def failed(self, replica: Replica) -> None:
        """`replica` failed at the connection level: try it last for a while."""
        self._failed_until[replica.name] = self._clock() + self._cooldown

    def answered(self, replica: Replica) -> None:
        """`replica` answered: it is healthy again."""
        self._failed_until.pop(replica.name, None)


def pools_from_json(text: str) -> dict[str, ReplicaPool]:
    """Parse the edge's origins, `{"chat": ["http://...", ...], "files": [...]}` (a plain
    URL string stands for one replica), into a pool per service, replicas named in order."""
    origins: dict[str, str | list[str]] = json.loads(text)
    pools = {}
    for service, urls in origins.items():
        listed = [urls] if isinstance(urls, str) else urls
        pools[service] = ReplicaPool(
            [Replica(replica_name(service, n, len(listed)), url) for n, url in enumerate(listed)]
        )
    return pools


def may_try_another(method: str, error: httpx.HTTPError, body_bytes_sent: int) -> bool:
    """May a request that failed on one replica, before any response, go to another?

    Only if none of the client's body went to the failed replica (a streamed body cannot be
    read twice), and either nothing reached that replica at all (the connection was refused
    or never opened) or the method is idempotent, so a repeat is harmless even if the first
    replica acted on it before dying. A POST that reached a replica is never sent again: the
    upload or chat turn may have been recorded. Timeouts are not retried: the replica is
    alive but slow, and another attempt would double the wait."""
    if body_bytes_sent > 0:
        return False
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout):
        return True
    if isinstance(error, httpx.TimeoutException):
        return False
    return isinstance(error, httpx.TransportError) and method.upper() in IDEMPOTENT_METHODS
