"""`SignInRouting`'s read bound (decision 0120): one anonymous client sending made-up domains
must not spend the bound every other person's sign-in needs (the web app stays on the email
step on a 429, so that would stop every uncached sign-in, password ones included)."""

from __future__ import annotations

import anyio

from engageiq_chat.sso.service import (
    CLIENT_READ_BURST,
    READ_BURST,
    RoutingRateLimited,
    SignInRouting,
)


def test_one_client_exhausting_its_reads_leaves_others_theirs() -> None:
    reads: list[str] = []

    def read(domain: str) -> str | None:
        reads.append(domain)
        return None

    routing = SignInRouting(read, clock=lambda: 100.0)

    async def flood() -> None:
        refused = 0
        for n in range(int(READ_BURST)):
            try:
                await routing.route(f"x@d{n}.example", client="203.0.113.9")
            except RoutingRateLimited:
                refused += 1
        flooded = len(reads)
        assert refused == READ_BURST - flooded
        # The attacker's share (the clock stands still), not the process's whole burst.
        assert flooded == CLIENT_READ_BURST < READ_BURST
        for n in range(5):
            route = await routing.route(f"rep@acme{n}.example", client="198.51.100.7")
            assert route.provider is None
        assert len(reads) == flooded + 5

    anyio.run(flood)
