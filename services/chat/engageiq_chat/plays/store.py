"""`PlayStore`: the caller's private plays and the tenant's shared plays (layout in
`plays/keys.py`), each written in one transaction with its name lock, so two plays a user sees
never share a name, even when two people save at the same moment.

A private play's name is also checked against the shared plays' locks (and a shared play's
against the publishing admin's own plays') in the same transaction. A shared play published
later may still carry the name of some rep's private play, which the admin cannot see: the rep
then sees both, the shared one marked as the team's (decision 0115)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

import msgspec

from engageiq_chat.knowledge.scope import MAX_SCOPE_COLLECTIONS
from engageiq_chat.plays import keys
from engageiq_chat.routing.intents import Intent
from engageiq_chat.storage import ConditionFailed, DynamoTables, values
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item, to_item

DELETE_ATTEMPTS = 3
"""A delete reads the play again after a concurrent change this many times in all."""


class PlayScope(
    msgspec.Struct, rename="camel", kw_only=True, frozen=True, forbid_unknown_fields=True
):
    """The collections a play's answers draw on by default: a conversation's scope without
    files (a file is replaced or deleted long before a play is retired)."""

    collection_ids: Annotated[tuple[str, ...], msgspec.Meta(max_length=MAX_SCOPE_COLLECTIONS)] = ()


class Play(msgspec.Struct, rename="camel", kw_only=True):
    """A named prompt template. `variables`: its `{name}`s in order of first appearance;
    `owner`: the user who wrote it; `uses`: how often it was sent (`POST .../used`)."""

    id: str
    name: str
    template: str
    shared: bool
    variables: list[str]
    owner: str
    created_at: str
    updated_at: str
    uses: int = 0
    scope: PlayScope | None = None
    """Applied to the composer's scope when the play is picked; None: no default."""
    intent: Intent | None = None
    """The kind of answer the play asks for (the router's intents)."""


class PlayNameTaken(Exception):
    """A play the caller sees already has this name (ignoring case)."""


class PlayChanged(Exception):
    """The play was changed or deleted since it was read."""


def _play(item: dict[str, Any]) -> Play:
    scope = item.get("scope")
    intent = item.get("intent")
    return Play(
        id=item["id"],
        name=item["name"],
        template=item["template"],
        shared=bool(item.get("shared")),
        variables=list(item.get("variables") or ()),
        owner=item["owner"],
        created_at=item["createdAt"],
        updated_at=item["updatedAt"],
        uses=int(item.get("uses", 0)),
        scope=None if not scope else msgspec.convert(scope, PlayScope),
        intent=Intent(intent) if intent else None,
    )


def _attributes(play: Play) -> dict[str, Any]:
    """The play's stored attributes, but its key and `uses` (counted in place)."""
    return {
        "id": play.id,
        "name": play.name,
        "template": play.template,
        "shared": play.shared,
        "variables": play.variables,
        "owner": play.owner,
        "createdAt": play.created_at,
        "updatedAt": play.updated_at,
        "scope": None if play.scope is None else {"collectionIds": list(play.scope.collection_ids)},
        "intent": None if play.intent is None else play.intent.value,
    }


class PlayStore:
    def __init__(self, tables: DynamoTables) -> None:
        self._tables = tables

    async def library(self, tenant: TenantContext) -> list[Play]:
        """The tenant's shared plays and the caller's own, by name."""
        shared, own = await asyncio.gather(
            self._query(tenant, shared=True), self._query(tenant, shared=False)
        )
        return sorted([*shared, *own], key=lambda p: (keys.folded_name(p.name), not p.shared))

    async def _query(self, tenant: TenantContext, *, shared: bool) -> list[Play]:
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :tag)",
            "ExpressionAttributeValues": values(
                {":pk": keys.partition(tenant, shared=shared), ":tag": keys.play_prefix()}
            ),
        }
        plays: list[Play] = []
        while True:
            answer = await self._tables.call(tenant, "query", **request)
            plays += [_play(from_item(i)) for i in answer.get("Items", [])]
            last = answer.get("LastEvaluatedKey")
            if not last:
                return plays
            request["ExclusiveStartKey"] = last

    async def count(self, tenant: TenantContext, *, shared: bool) -> int:
        """How many plays the tenant shares, or the caller keeps (keys only)."""
        request: dict[str, Any] = {
            "TableName": self._tables.conversations,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :tag)",
            "ExpressionAttributeValues": values(
                {":pk": keys.partition(tenant, shared=shared), ":tag": keys.play_prefix()}
            ),
            "Select": "COUNT",
        }
        total = 0
        while True:
            answer = await self._tables.call(tenant, "query", **request)
            total += int(answer.get("Count", 0))
            last = answer.get("LastEvaluatedKey")
            if not last:
                return total
            request["ExclusiveStartKey"] = last

    async def get(self, tenant: TenantContext, play_id: str) -> Play | None:
        """The shared play or the caller's own play with this id, or None (an id that cannot
        be a key raises `InvalidObjectId`)."""
        found = await asyncio.gather(
            self._get(tenant, play_id, shared=True), self._get(tenant, play_id, shared=False)
        )
        return next((p for p in found if p is not None), None)

    async def _get(self, tenant: TenantContext, play_id: str, *, shared: bool) -> Play | None:
        answer = await self._tables.call(
            tenant,
            "get_item",
            TableName=self._tables.conversations,
            Key=values(keys.play_key(tenant, play_id, shared=shared)),
            ConsistentRead=True,
        )
        item = from_item(answer.get("Item", {}))
        return _play(item) if item else None

    async def create(self, tenant: TenantContext, play: Play) -> None:
        """Write a new play with its name lock. Raises `PlayNameTaken`."""
        put = {
            "Put": {
                "TableName": self._tables.conversations,
                "Item": to_item(
                    {**_attributes(play), **keys.play_key(tenant, play.id, shared=play.shared)}
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        await self._transact(tenant, [put], None, play)

    async def replace(self, tenant: TenantContext, before: Play, after: Play) -> None:
        """Write `after` (same id) over `before`, only if the play is still as `before` was
        read (its `updatedAt`); its use count is kept. A new name, or a move between the
        caller's plays and the shared ones, moves the name lock in the same transaction.
        Raises `PlayNameTaken` and `PlayChanged`."""
        table = self._tables.conversations
        seen = values({":seen": before.updated_at})
        after_key = keys.play_key(tenant, after.id, shared=after.shared)
        steps: list[dict[str, Any]]
        if before.shared == after.shared:
            names: dict[str, str] = {}
            sets: list[str] = []
            removes: list[str] = []
            new_values: dict[str, Any] = {}
            for i, (name, value) in enumerate(_attributes(after).items()):
                names[f"#a{i}"] = name
                if value is None:
                    removes.append(f"#a{i}")
                else:
                    sets.append(f"#a{i} = :a{i}")
                    new_values[f":a{i}"] = value
            expression = "SET " + ", ".join(sets)
            if removes:
                expression += " REMOVE " + ", ".join(removes)
            steps = [
                {
                    "Update": {
                        "TableName": table,
                        "Key": values(after_key),
                        "UpdateExpression": expression,
                        "ConditionExpression": "updatedAt = :seen",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": {**seen, **values(new_values)},
                    }
                }
            ]
        else:
            steps = [
                {
                    "Delete": {
                        "TableName": table,
                        "Key": values(keys.play_key(tenant, before.id, shared=before.shared)),
                        "ConditionExpression": "updatedAt = :seen",
                        "ExpressionAttributeValues": seen,
                    }
                },
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_item({**_attributes(after), **after_key, "uses": before.uses}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        await self._transact(tenant, steps, before, after)

    async def delete(self, tenant: TenantContext, play: Play) -> bool:
        """Delete the play and its name lock; False when it was already gone. The play is
        deleted only as it was read (its `updatedAt`): one renamed meanwhile holds another
        name's lock, which must go with it (else that name stays taken by no play), so the
        play is read again and the delete retried with the lock it holds now. Raises
        `PlayChanged` after `DELETE_ATTEMPTS` changes in a row."""
        for _ in range(DELETE_ATTEMPTS):
            try:
                await self._tables.transact(
                    tenant,
                    [
                        {
                            "Delete": {
                                "TableName": self._tables.conversations,
                                "Key": values(keys.play_key(tenant, play.id, shared=play.shared)),
                                "ConditionExpression": "updatedAt = :seen",
                                "ExpressionAttributeValues": values({":seen": play.updated_at}),
                            }
                        },
                        self._release(tenant, play),
                    ],
                    uuid.uuid4().hex,
                )
            except ConditionFailed:
                # The same place only: a play moved to (or from) the shared ones is another
                # play to its caller's rights, and the route checked them for this one.
                now = await self._get(tenant, play.id, shared=play.shared)
                if now is None:
                    return False
                play = now
                continue
            return True
        raise PlayChanged()

    async def count_use(self, tenant: TenantContext, play_id: str) -> bool:
        """Add one to the play's `uses`; False when the caller sees no such play. Both places
        it may be are asked at once: exactly one can hold the id."""
        counted = await asyncio.gather(
            self._count(tenant, play_id, shared=True), self._count(tenant, play_id, shared=False)
        )
        return any(counted)

    async def _count(self, tenant: TenantContext, play_id: str, *, shared: bool) -> bool:
        try:
            await self._tables.call(
                tenant,
                "update_item",
                TableName=self._tables.conversations,
                Key=values(keys.play_key(tenant, play_id, shared=shared)),
                UpdateExpression="ADD uses :one",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=values({":one": 1}),
            )
        except ConditionFailed:
            return False
        return True

    def _release(self, tenant: TenantContext, play: Play) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self._tables.conversations,
                "Key": values(keys.name_lock_key(tenant, play.name, shared=play.shared)),
                # A missing lock is no reason to keep the play; another play's lock would be.
                "ConditionExpression": "attribute_not_exists(pk) OR playId = :id",
                "ExpressionAttributeValues": values({":id": play.id}),
            }
        }

    async def _transact(
        self, tenant: TenantContext, steps: list[dict[str, Any]], before: Play | None, after: Play
    ) -> None:
        """`steps` with the name lock moves `after` needs, in one transaction. On a refused
        condition, the locks it wanted tell a taken name from a play changed meanwhile."""
        table = self._tables.conversations
        wanted = keys.name_lock_key(tenant, after.name, shared=after.shared)
        held = (
            None
            if before is None
            else keys.name_lock_key(tenant, before.name, shared=before.shared)
        )
        checked: list[dict[str, str]] = []
        if wanted != held:
            mine = values({":id": after.id})
            if before is not None:
                steps = [*steps, self._release(tenant, before)]
            steps = [
                *steps,
                {
                    "Put": {
                        "TableName": table,
                        "Item": to_item({**wanted, "playId": after.id}),
                        # Its own play may take it again (a retried transaction).
                        "ConditionExpression": "attribute_not_exists(pk) OR playId = :id",
                        "ExpressionAttributeValues": mine,
                    }
                },
            ]
            checked = [wanted]
            # The same name among the other plays the caller sees: the shared ones for a
            # private play, the admin's own for a shared one (unless that is the lock given up).
            other = keys.name_lock_key(tenant, after.name, shared=not after.shared)
            if other != held:
                steps.append(
                    {
                        "ConditionCheck": {
                            "TableName": table,
                            "Key": values(other),
                            "ConditionExpression": "attribute_not_exists(pk) OR playId = :id",
                            "ExpressionAttributeValues": mine,
                        }
                    }
                )
                checked.append(other)
        try:
            await self._tables.transact(tenant, steps, uuid.uuid4().hex)
        except ConditionFailed:
            if await self._held_by_other(tenant, checked, after.id):
                raise PlayNameTaken() from None
            raise PlayChanged() from None

    async def _held_by_other(
        self, tenant: TenantContext, locks: list[dict[str, str]], play_id: str
    ) -> bool:
        for lock in locks:
            answer = await self._tables.call(
                tenant,
                "get_item",
                TableName=self._tables.conversations,
                Key=values(lock),
                ConsistentRead=True,
            )
            item = from_item(answer.get("Item", {}))
            if item and item.get("playId") != play_id:
                return True
        return False
