"""What the collections API reads and shows (camelCase JSON)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from engageiq_tenancy.governance import CollectionRecord


class AudienceBody(msgspec.Struct, forbid_unknown_fields=True):
    """Who a restricted collection admits: user ids (tokens' `sub`) and roles (`member`,
    `tenant_admin`). Checked by `rules.check_audience`."""

    users: list[Annotated[str, msgspec.Meta(max_length=128)]] = msgspec.field(default_factory=list)
    roles: list[Annotated[str, msgspec.Meta(max_length=64)]] = msgspec.field(default_factory=list)


class NewCollection(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """`POST /api/collections`. No `audience` (or null): open to the whole tenant."""

    name: str
    description: str = ""
    audience: AudienceBody | None = None


class CollectionPatch(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """`PATCH /api/collections/{id}`: fields left out keep their value; `"audience": null`
    opens the collection to the whole tenant."""

    name: str | UnsetType = UNSET
    description: str | UnsetType = UNSET
    audience: AudienceBody | UnsetType | None = UNSET


class AudienceView(msgspec.Struct):
    users: list[str]
    roles: list[str]


class CollectionView(msgspec.Struct, rename="camel"):
    """A collection as the API shows it; no `audience` key: open to the whole tenant."""

    id: str
    name: str
    description: str
    created_at: str
    updated_at: str
    created_by: str
    audience: AudienceView | UnsetType = UNSET

    @classmethod
    def of(cls, record: CollectionRecord) -> CollectionView:
        audience: AudienceView | UnsetType = UNSET
        if record.audience is not None:
            audience = AudienceView(
                users=list(record.audience.users),
                roles=[role.value for role in record.audience.roles],
            )
        return cls(
            id=record.id,
            name=record.name,
            description=record.description,
            created_at=record.created_at,
            updated_at=record.updated_at,
            created_by=record.created_by,
            audience=audience,
        )


class CollectionList(msgspec.Struct):
    collections: list[CollectionView]
