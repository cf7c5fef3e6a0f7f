"""Access changes: "tokens of this user issued before T are void, or carry at most these roles".

A Cognito ID token stays valid for up to `ID_TOKEN_LIFETIME_SECONDS` after it was issued, and
its `cognito:groups` are frozen at issue time. So when an operator (or a tenant admin) removes
or demotes a user, the services must stop honouring the user's older tokens themselves.

The change is stored in the tenant's own record (pk=TENANT#<id>, sk=PROFILE), in the map
attribute `userAccess`: `{<user sub>: {"revokedBefore": <epoch s>, "roles": [<role>, ...]}}`.
The `TenantGate` already reads that item (cached for a few seconds per tenant) on the request
path, so following these changes costs no extra read and no extra latency: a dictionary lookup.

Entries older than a token's lifetime can never match a live token and are pruned on write,
which bounds the map by the number of access changes in one token lifetime (see
docs/decisions/0055-revocation-in-the-tenant-record.md)."""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import ClientError

from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.items import from_item, serialize
from engageiq_tenancy.tenants import operator_record_key

ID_TOKEN_LIFETIME_SECONDS: Final = 3600
"""The user pool client's ID token validity (the Pulumi program's `id_token_validity` uses it)."""
ACCESS_ATTRIBUTE: Final = "userAccess"
"""The tenant record's map attribute holding access changes, keyed by user sub."""
# An entry is kept a little beyond the token lifetime: the verifier allows clock leeway on exp.
_RETENTION_SECONDS: Final = ID_TOKEN_LIFETIME_SECONDS + 300


@dataclass(frozen=True, slots=True)
class AccessChange:
    """Tokens of one user issued before `revoked_before` (epoch seconds, exclusive) keep only
    `roles`; no roles means the user was removed and such tokens are refused."""

    revoked_before: int
    roles: frozenset[Role]

    def applies_to(self, tenant: TenantContext) -> bool:
        return tenant.issued_at < self.revoked_before


def restricted(tenant: TenantContext, change: AccessChange | None) -> TenantContext | None:
    """The caller as an access change leaves them: unchanged, with fewer roles, or None when
    the token no longer grants anything (the user was removed, or kept no role)."""
    if change is None or not change.applies_to(tenant):
        return tenant
    roles = tenant.roles & change.roles
    if not roles:
        return None
    if roles == tenant.roles:
        return tenant
    return dataclasses.replace(tenant, roles=roles)


def access_changes_from_item(item: Mapping[str, Any]) -> dict[str, AccessChange]:
    """The access changes of a tenant record given as typed DynamoDB JSON (as `get_item`
    returns it); malformed entries are ignored, since a service never writes this map."""
    raw = item.get(ACCESS_ATTRIBUTE)
    if raw is None:
        return {}
    plain = from_item({ACCESS_ATTRIBUTE: raw})[ACCESS_ATTRIBUTE]
    if not isinstance(plain, dict):
        return {}
    changes: dict[str, AccessChange] = {}
    for user_id, entry in plain.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("revokedBefore"), int):
            continue
        roles = {r for r in entry.get("roles", []) if r in Role.__members__.values()}
        changes[str(user_id)] = AccessChange(entry["revokedBefore"], frozenset(map(Role, roles)))
    return changes


def revoked_before(now: float) -> int:
    """The cut-off for a change made at `now`: tokens issued in that very second are void too,
    because `iat` has whole-second precision and could be either side of the change."""
    return math.floor(now) + 1


def record_access_change(
    dynamodb: Any,
    table: str,
    tenant_id: str,
    user_id: str,
    roles: frozenset[Role],
    now: float | None = None,
) -> AccessChange:
    """Write "tokens of `user_id` issued until now keep at most `roles`" into the tenant record
    (an operator action: provisioning and the tenant admin API). Blocking (boto3).

    Prunes entries no live token can match in the same write. Raises botocore's ClientError
    if the tenant record does not exist (ConditionalCheckFailedException)."""
    moment = time.time() if now is None else now
    change = AccessChange(revoked_before(moment), roles)
    entry = serialize({"revokedBefore": change.revoked_before, "roles": sorted(roles)})
    key = {k: {"S": v} for k, v in operator_record_key(tenant_id).items()}
    current = dynamodb.get_item(
        TableName=table,
        Key=key,
        ProjectionExpression="#a",
        ExpressionAttributeNames={"#a": ACCESS_ATTRIBUTE},
        ConsistentRead=True,
    ).get("Item", {})
    stale = [
        uid
        for uid, old in access_changes_from_item(current).items()
        if uid != user_id and old.revoked_before < moment - _RETENTION_SECONDS
    ]
    if ACCESS_ATTRIBUTE not in current:
        try:
            # The first change of this tenant creates the map; the condition keeps a concurrent
            # first change from being overwritten (it then takes the path below).
            dynamodb.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET #a = :m",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(#a)",
                ExpressionAttributeNames={"#a": ACCESS_ATTRIBUTE},
                ExpressionAttributeValues={":m": {"M": {user_id: entry}}},
            )
            return change
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
    names = {"#a": ACCESS_ATTRIBUTE, "#u": user_id} | {f"#s{i}": u for i, u in enumerate(stale)}
    expression = "SET #a.#u = :e"
    if stale:
        expression += " REMOVE " + ", ".join(f"#a.#s{i}" for i in range(len(stale)))
    dynamodb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression=expression,
        ConditionExpression="attribute_exists(pk) AND attribute_exists(#a)",
        ExpressionAttributeNames=names,
        ExpressionAttributeValues={":e": entry},
    )
    return change
