"""What an audit entry holds, how it is keyed, and the hash that chains it (decision 0118).

Layout in the audit table, one partition per tenant:
  pk=<tenant>#AUDIT  sk=E#<seq, 12 digits>  one entry (seq 1, 2, ...), expiresAt = its TTL
  pk=<tenant>#AUDIT  sk=HEAD                the chain's head: seq and hash of the newest entry

An entry's `hash` is SHA-256 (hex) over the canonical encoding of every other attribute it
stores (keys excepted): JSON with sorted keys, no spaces, UTF-8. That includes `prevHash` (the
previous entry's hash, "" for seq 1), `prevExpiresAt` (the previous entry's TTL, 0 for seq 1,
so an expired prefix can be told from a deleted one) and the tenant id (so an entry cannot be
moved to another tenant's chain). An attribute added, removed or changed changes the hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Literal

import msgspec

from engageiq_tenancy.tenant_ids import KEY_DELIMITER, validate_tenant_id

AUDIT_ENTITY: Final = "AUDIT"
ENTRY_TAG: Final = "E"
HEAD_SORT_KEY: Final = "HEAD"
SEQ_DIGITS: Final = 12
ENTRY_VERSION: Final = 1
"""`v` of the entries this code writes: the canonical encoding's version."""

DetailValue = str | int | bool | None
Detail = Mapping[str, DetailValue]
MAX_DETAIL_FIELDS: Final = 20
MAX_DETAIL_KEY_CHARS: Final = 64
MAX_DETAIL_TEXT_CHARS: Final = 512
MAX_TEXT_CHARS: Final = 512
"""Bound of free text from a request (user agent) or a name (target name), in characters."""

ActorKind = Literal["user", "operator", "system"]


def audit_partition(tenant_id: str) -> str:
    """`<tenant>#AUDIT`. The services pass the verified caller's tenant id (`record_audit`),
    the CLI its SLUG argument, the retention sweeper the tenant it is sweeping."""
    return f"{validate_tenant_id(tenant_id)}{KEY_DELIMITER}{AUDIT_ENTITY}"


def entry_sort_key(seq: int) -> str:
    """`E#000000000042`: zero-padded, so sort keys order as seqs do."""
    return f"{ENTRY_TAG}{KEY_DELIMITER}{seq:0{SEQ_DIGITS}d}"


def entry_key(tenant_id: str, seq: int) -> dict[str, str]:
    return {"pk": audit_partition(tenant_id), "sk": entry_sort_key(seq)}


def head_key(tenant_id: str) -> dict[str, str]:
    return {"pk": audit_partition(tenant_id), "sk": HEAD_SORT_KEY}


def iso_time(moment: datetime) -> str:
    """`2026-12-06T10:15:00.123Z`: fixed width, so text order is time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass(frozen=True, slots=True)
class AuditTarget:
    """What the action was done to, e.g. `AuditTarget("file", file_id, file_name)`,
    `AuditTarget("user", user_id, email)`, `AuditTarget("tenant", slug)`."""

    kind: str
    id: str
    name: str = ""

    def as_item(self) -> dict[str, str]:
        return {"kind": self.kind, "id": self.id, "name": _bounded(self.name)}


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who did it: a signed-in user, an operator (the AWS caller identity's ARN) or a named
    part of the platform (the retention sweeper). Build with the class methods."""

    kind: ActorKind
    user_id: str = ""
    email: str = ""
    operator_arn: str = ""
    system_name: str = ""

    @classmethod
    def user(cls, user_id: str, email: str) -> AuditActor:
        """A signed-in user: the verified token's user id (`sub`) and email."""
        return cls("user", user_id=user_id, email=email)

    @classmethod
    def operator(cls, arn: str) -> AuditActor:
        """An operator, named by the ARN of their AWS caller identity (`sts
        get-caller-identity`), e.g. `arn:aws:sts::123456789012:assumed-role/Ops/ana`."""
        return cls("operator", operator_arn=arn)

    @classmethod
    def system(cls, name: str) -> AuditActor:
        """A part of the platform acting on its own, e.g. `AuditActor.system("retention")`."""
        return cls("system", system_name=name)

    def as_item(self) -> dict[str, str]:
        fields = {
            "userId": self.user_id,
            "email": self.email,
            "operator": self.operator_arn,
            "system": self.system_name,
        }
        return {"kind": self.kind, **{k: v for k, v in fields.items() if v}}


@dataclass(frozen=True, slots=True)
class AuditSource:
    """Where a request came from, as far as it can be trusted (`audit.requests.source_ip`)."""

    request_id: str = ""
    source_ip: str = ""
    user_agent: str = ""


def check_detail(detail: Detail | None) -> dict[str, DetailValue]:
    """`detail` as stored: a small flat mapping of str -> str | int | bool | None. Raises
    ValueError for anything else (a caller's mistake: nested values, too many fields)."""
    if detail is None:
        return {}
    if len(detail) > MAX_DETAIL_FIELDS:
        raise ValueError(f"audit detail has {len(detail)} fields; at most {MAX_DETAIL_FIELDS}")
    checked: dict[str, DetailValue] = {}
    for key, value in detail.items():
        if not isinstance(key, str) or not 0 < len(key) <= MAX_DETAIL_KEY_CHARS:
            raise ValueError(f"audit detail key {key!r} is not a short string")
        if isinstance(value, float) or not (value is None or isinstance(value, str | int)):
            raise ValueError(f"audit detail {key!r} is {type(value).__name__}, not flat")
        checked[key] = value[:MAX_DETAIL_TEXT_CHARS] if isinstance(value, str) else value
    return checked


def _bounded(text: str) -> str:
    return text[:MAX_TEXT_CHARS]


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """The canonical encoding hashed: JSON, sorted keys, no spaces, UTF-8 (non-ASCII as is)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(stored: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of a stored entry (plain values, `items.from_item`) without its keys and
    its own `hash`: the value its `hash` must have."""
    return hashlib.sha256(
        canonical_bytes({k: v for k, v in stored.items() if k not in ("pk", "sk", "hash")})
    ).hexdigest()


class ActorView(msgspec.Struct, rename="camel", omit_defaults=True):
    kind: str
    user_id: str | None = None
    email: str | None = None
    operator: str | None = None
    system: str | None = None


class TargetView(msgspec.Struct):
    kind: str
    id: str
    name: str = ""


class AuditEntryView(msgspec.Struct, rename="camel"):
    """One entry as the API, the export and `engageiq tenants audit --json` show it."""

    seq: int
    at: str
    """ISO-8601 UTC with milliseconds, e.g. `2026-12-06T10:15:00.123Z`."""
    actor: ActorView
    action: str
    target: TargetView
    outcome: str
    request_id: str
    source_ip: str
    user_agent: str
    detail: dict[str, DetailValue]
    hash: str
    prev_hash: str


def entry_view(stored: Mapping[str, Any]) -> AuditEntryView:
    """A stored entry (plain values) as `AuditEntryView`."""
    actor = stored.get("actor") or {}
    target = stored.get("target") or {}
    return AuditEntryView(
        seq=int(stored["seq"]),
        at=str(stored.get("at", "")),
        actor=ActorView(
            kind=str(actor.get("kind", "")),
            user_id=actor.get("userId"),
            email=actor.get("email"),
            operator=actor.get("operator"),
            system=actor.get("system"),
        ),
        action=str(stored.get("action", "")),
        target=TargetView(
            kind=str(target.get("kind", "")),
            id=str(target.get("id", "")),
            name=str(target.get("name", "")),
        ),
        outcome=str(stored.get("outcome", "")),
        request_id=str(stored.get("requestId", "")),
        source_ip=str(stored.get("sourceIp", "")),
        user_agent=str(stored.get("userAgent", "")),
        detail=dict(stored.get("detail") or {}),
        hash=str(stored.get("hash", "")),
        prev_hash=str(stored.get("prevHash", "")),
    )
