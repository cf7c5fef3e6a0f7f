"""Verifying a tenant's chain (decision 0118): pure, over entries and head as stored.

What it proves, reading entries by seq:
- every entry's `hash` is the hash of what it stores, its `seq` is its key's, its tenant is
  the one verified (an entry changed behind the log's back, or moved from another tenant);
- each entry's `prevHash` is its predecessor's `hash` (a predecessor replaced by a forged,
  self-consistent entry) and seqs have no gap (an entry deleted in the middle);
- the head's seq and hash are the newest entry's (the newest entries deleted);
- entries missing before the oldest one present have expired: the oldest present entry's
  `prevExpiresAt` (its predecessor's TTL, covered by its hash) is in the past. DynamoDB deletes
  expired items days after their `expiresAt`, never before, and entries' `expiresAt` never
  decreases along the chain, so expiry only ever removes a prefix. The chain then starts at
  the oldest remaining entry; what came before it can no longer be proved.
Entries and a head whose `expiresAt` has passed are read as gone (DynamoDB may still return
them until it deletes them)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engageiq_tenancy.audit.entries import ENTRY_TAG, SEQ_DIGITS, entry_hash
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

Stored = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The answer of `check_chain`. `broken_seq` is the first entry that is changed, missing
    or out of the chain (None when intact), with `problem`, a sentence saying what."""

    tenant_id: str
    entries: int
    """Live entries checked."""
    first_seq: int | None
    """The oldest live entry (the chain starts there); None without entries."""
    last_seq: int | None
    head_seq: int | None
    """The head's seq; None without a (live) head."""
    broken_seq: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None

    @property
    def expired_before(self) -> int:
        """Entries before `first_seq` that expired (0 when the chain starts at seq 1)."""
        return (self.first_seq - 1) if self.first_seq else 0

    def as_json(self) -> dict[str, Any]:
        return {
            "tenantId": self.tenant_id,
            "intact": self.intact,
            "entries": self.entries,
            "firstSeq": self.first_seq,
            "lastSeq": self.last_seq,
            "headSeq": self.head_seq,
            "expiredBefore": self.expired_before,
            "brokenSeq": self.broken_seq,
            "problem": self.problem or None,
        }


def is_live(stored: Stored, now: int) -> bool:
    """False once `expiresAt` (epoch seconds) has passed: gone, even if not yet deleted."""
    expires = stored.get("expiresAt")
    return not isinstance(expires, int) or expires > now


def _seq_of_key(stored: Stored) -> int | None:
    sort_key = str(stored.get("sk", ""))
    prefix = f"{ENTRY_TAG}{KEY_DELIMITER}"
    digits = sort_key.removeprefix(prefix)
    if not sort_key.startswith(prefix) or len(digits) != SEQ_DIGITS or not digits.isdigit():
        return None
    return int(digits)


Break = tuple[int, str]
"""The first broken seq and a sentence saying what is wrong."""


def check_chain(
    tenant_id: str, entries: Iterable[Stored], head: Stored | None, now: int
) -> ChainReport:
    """Check `tenant_id`'s stored entries (any order) against each other and `head`, as of
    `now` (epoch seconds). Never raises for what it finds; the report names the first break."""
    live = sorted((e for e in entries if is_live(e, now)), key=lambda e: _seq_of_key(e) or 0)
    live_head = head if head is not None and is_live(head, now) else None
    found = _check_entries(tenant_id, live, now) or _check_head(live, live_head, head, now)
    return ChainReport(
        tenant_id,
        len(live),
        _first_seq(live),
        _last_seq(live),
        int(live_head["seq"]) if live_head is not None else None,
        found[0] if found else None,
        found[1] if found else "",
    )


def _check_entries(tenant_id: str, live: list[Stored], now: int) -> Break | None:
    previous: Stored | None = None
    for entry in live:
        found = _check_entry(tenant_id, entry, previous, now)
        if found is not None:
            return found
        previous = entry
    return None


def _check_entry(tenant_id: str, entry: Stored, previous: Stored | None, now: int) -> Break | None:
    keyed = _seq_of_key(entry)
    if keyed is None:
        after = int(previous["seq"]) + 1 if previous is not None else 1
        return after, f"An item keyed {entry.get('sk')!r} is not an entry."
    if entry.get("seq") != keyed:
        return keyed, f"Entry {keyed} says it is entry {entry.get('seq')}: it was changed."
    if entry.get("tenantId") != tenant_id or entry_hash(entry) != entry.get("hash"):
        return keyed, f"Entry {keyed} was changed after it was written."
    if previous is None:
        return _check_start(entry, keyed, now)
    return _check_link(entry, keyed, previous)


def _check_link(entry: Stored, seq: int, previous: Stored) -> Break | None:
    expected = int(previous["seq"]) + 1
    if seq != expected:
        return expected, f"Entry {expected} is missing (deleted)."
    if entry.get("prevHash") != previous.get("hash"):
        return (
            seq - 1,
            f"Entry {seq - 1} is not the one entry {seq} follows: it was replaced.",
        )
    return None


def _check_start(entry: Stored, seq: int, now: int) -> Break | None:
    if seq == 1:
        if entry.get("prevHash") != "":
            return 1, "Entry 1 claims a predecessor: it was changed."
        return None
    previous_expiry = entry.get("prevExpiresAt")
    if not isinstance(previous_expiry, int) or previous_expiry > now:
        # Its predecessor was still to be kept: deleted, not expired.
        return seq - 1, f"Entry {seq - 1} is missing (deleted before it expired)."
    return None


def _check_head(
    live: list[Stored], live_head: Stored | None, head: Stored | None, now: int
) -> Break | None:
    if not live:
        return _check_empty(live_head, now)
    last = int(live[-1]["seq"])
    if live_head is None:
        what = "was deleted" if head is None else "has expired before its newest entry"
        return last + 1, f"The chain's head {what}; newer entries may be missing."
    head_seq = int(live_head["seq"])
    if head_seq > last:
        return last + 1, f"Entries {last + 1} to {head_seq} are missing (deleted)."
    if head_seq < last:
        return head_seq + 1, f"Entry {head_seq + 1} was added outside the chain."
    if live_head.get("hash") != live[-1].get("hash"):
        return last, f"Entry {last} is not the newest entry the chain recorded."
    return None


def _check_empty(live_head: Stored | None, now: int) -> Break | None:
    if live_head is None:
        return None  # never written, or everything expired
    entry_expiry = live_head.get("entryExpiresAt")
    if isinstance(entry_expiry, int) and entry_expiry <= now:
        return None  # the newest entry expired; the head outlives it briefly
    seq = int(live_head["seq"])
    return seq, f"Entries up to {seq} are missing (deleted)."


def _first_seq(live: list[Stored]) -> int | None:
    return int(live[0]["seq"]) if live and isinstance(live[0].get("seq"), int) else None


def _last_seq(live: list[Stored]) -> int | None:
    return int(live[-1]["seq"]) if live and isinstance(live[-1].get("seq"), int) else None
