"""Governed knowledge survives `tenants export` -> purge -> `tenants import` (decisions 0064
and 0111), through the CLI in process against moto: collections and their name locks come
back, audiences, owners, verifiers and the content loop's ids name the re-created users, and
file records keep `governed`, so the `by_governance` Query finds them and a restricted file is
still hidden from a member outside its audience."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.seed import create_tenant, create_user
from engageiq_files.collections.store import name_lock_key
from engageiq_tenancy.content_keys import file_signal_key, issue_key
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.governance import (
    GOVERNANCE_INDEX_NAME,
    Audience,
    CollectionRecord,
    KnowledgeView,
    collection_from_item,
    collection_key,
    facts_from_item,
    governed_partition,
)
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.keys import FILE_TAG, FILES_ENTITY, sort_key, tenant_partition
from engageiq_tenancy.resources import TENANT_OBJECT_PREFIX
from tests.unit.provisioning.conftest import Run

SLUG = "wombat"
TENANT = TenantContext(SLUG, "operator", "operator", frozenset())
LEGAL, PRICING = "a" * 32, "b" * 32
SECRET, OPEN = "c" * 32, "d" * 32
MESSAGE = "e" * 32
STAMP = "2026-12-01T00:00:00Z"


def user_ids(resources: LocalResources) -> dict[str, str]:
    """{email: sub} of the tenant's users (the pool also holds the demo tenant's)."""
    cognito = aws_client("cognito-idp", resources.endpoint_url)
    found = {}
    for user in cognito.list_users(UserPoolId=resources.user_pool_id)["Users"]:
        attributes = {a["Name"]: a["Value"] for a in user["Attributes"]}
        if attributes["email"].endswith(f"@{SLUG}.example"):
            found[attributes["email"]] = attributes["sub"]
    return found


def seed_governance(resources: LocalResources, ids: dict[str, str]) -> None:
    """Two collections (Legal restricted to the insider), a restricted file verified by the
    admin and owned by the insider, an open file, a content issue and a file signal."""
    db = aws_client("dynamodb", resources.endpoint_url)
    s3 = aws_client("s3", resources.endpoint_url)
    admin, insider = ids["admin@wombat.example"], ids["insider@wombat.example"]
    files_pk = tenant_partition(TENANT, FILES_ENTITY)
    for record in (
        CollectionRecord(
            id=LEGAL,
            name="Legal",
            audience=Audience(users=(insider,)),
            created_at=STAMP,
            updated_at=STAMP,
            created_by=admin,
        ),
        CollectionRecord(
            id=PRICING, name="Pricing", created_at=STAMP, updated_at=STAMP, created_by=admin
        ),
    ):
        db.put_item(
            TableName=resources.tables["files"],
            Item=to_item({**msgspec.to_builtins(record), **collection_key(TENANT, record.id)}),
        )
        db.put_item(
            TableName=resources.tables["files"],
            Item=to_item({**name_lock_key(TENANT, record.name), "collectionId": record.id}),
        )
    for file_id, name, governance in (
        (
            SECRET,
            "contract.md",
            {
                "collectionIds": [LEGAL, PRICING],
                "owner": insider,
                "verifiedAt": "2026-12-02T00:00:00Z",
                "verifiedBy": admin,
                "reviewBy": "2099-01-01",
                "governed": governed_partition(TENANT),
            },
        ),
        (OPEN, "price-list.md", {}),
    ):
        key = f"{TENANT_OBJECT_PREFIX}{SLUG}/uploads/{file_id}/{name}"
        s3.put_object(Bucket=resources.buckets["uploads"], Key=key, Body=b"# " + name.encode())
        db.put_item(
            TableName=resources.tables["files"],
            Item=to_item(
                {
                    "pk": files_pk,
                    "sk": sort_key(FILE_TAG, file_id),
                    "id": file_id,
                    "name": name,
                    "status": "ready",
                    "objectKey": key,
                    "createdAt": "2026-12-01T00:00:00Z",
                    "updatedAt": "2026-12-02T00:00:00Z",
                    "uploadedBy": admin,
                    **governance,
                }
            ),
        )
    for content_key, fields in (
        (
            issue_key(TENANT, MESSAGE),
            {
                "id": MESSAGE,
                "status": "resolved",
                "askedBy": insider,
                "ownerIds": [insider],
                "resolvedBy": admin,
                "files": [{"fileId": SECRET, "name": "contract.md", "ownerId": insider}],
            },
        ),
        (file_signal_key(TENANT, SECRET), {"citations": 3, "title": "contract.md"}),
    ):
        db.put_item(TableName=resources.tables["usage"], Item=to_item({**content_key, **fields}))


def knowledge(resources: LocalResources) -> KnowledgeView:
    """The tenant's view as `KnowledgeReader.read` builds it (the same two Queries)."""
    db = aws_client("dynamodb", resources.endpoint_url)
    collections = db.query(
        TableName=resources.tables["files"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :tag)",
        ExpressionAttributeValues=to_item(
            {":pk": tenant_partition(TENANT, FILES_ENTITY), ":tag": "COLLECTION#"}
        ),
    )["Items"]
    governed = db.query(
        TableName=resources.tables["files"],
        IndexName=GOVERNANCE_INDEX_NAME,
        KeyConditionExpression="#g = :g",
        ExpressionAttributeNames={"#g": "governed"},
        ExpressionAttributeValues=to_item({":g": governed_partition(TENANT)}),
    )["Items"]
    return KnowledgeView(
        {c.id: c for c in map(collection_from_item, collections)},
        {f.id: f for f in map(facts_from_item, governed)},
    )


def item(resources: LocalResources, table: str, key: dict[str, str]) -> dict[str, Any]:
    db = aws_client("dynamodb", resources.endpoint_url)
    answer = db.get_item(TableName=resources.tables[table], Key=to_item(key), ConsistentRead=True)
    return from_item(answer["Item"])


def member(user_id: str) -> TenantContext:
    return TenantContext(SLUG, user_id, user_id, frozenset({Role.MEMBER}))


def test_governed_knowledge_survives_export_purge_and_import(
    run: Run, local_resources: LocalResources, tmp_path: Path
) -> None:
    create_tenant(local_resources, SLUG, "Wombat", "admin@wombat.example")
    for email in ("insider@wombat.example", "outsider@wombat.example"):
        create_user(local_resources, SLUG, email)
    old = user_ids(local_resources)
    seed_governance(local_resources, old)
    before = knowledge(local_resources)
    assert before.hidden_files(member(old["outsider@wombat.example"])) == {SECRET}

    folder = tmp_path / "export"
    exported = run("tenants", "export", SLUG, str(folder), "--json")
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.stdout)["counts"]["collections"] == 2
    documents = {d["name"]: d for d in json.loads((folder / "documents.json").read_text())}
    assert documents["contract.md"]["collections"] == ["Legal", "Pricing"]
    assert documents["price-list.md"]["collections"] == []

    purged = run("tenants", "delete", SLUG, "--purge", "--yes", "--json")
    assert purged.exit_code == 0, purged.output
    imported = run("tenants", "import", str(folder), "--json")
    assert imported.exit_code == 0, imported.output

    new = user_ids(local_resources)
    assert set(new) == set(old)
    assert not set(new.values()) & set(old.values())  # Cognito gave every user a new id
    admin, insider, outsider = (
        new[f"{who}@wombat.example"] for who in ("admin", "insider", "outsider")
    )
    files_pk = tenant_partition(TENANT, FILES_ENTITY)
    for name in ("Legal", "Pricing"):
        lock = item(local_resources, "files", name_lock_key(TENANT, name))
        assert lock["collectionId"] in (LEGAL, PRICING)

    after = knowledge(local_resources)
    assert set(after.collections) == {LEGAL, PRICING}
    legal = after.collections[LEGAL]
    assert legal.audience == Audience(users=(insider,))
    assert legal.created_by == admin
    # The by_governance Query finds the restricted file, and the audience rule still hides it.
    assert set(after.files) == {SECRET}
    assert after.files[SECRET].collection_ids == (LEGAL, PRICING)
    assert after.hidden_files(member(outsider)) == {SECRET}
    assert not after.may_see_file(member(outsider), SECRET)
    assert after.hidden_files(member(insider)) == frozenset()
    assert after.may_see_file(member(outsider), OPEN)

    record = item(local_resources, "files", {"pk": files_pk, "sk": sort_key(FILE_TAG, SECRET)})
    assert (record["owner"], record["verifiedBy"], record["uploadedBy"]) == (
        insider,
        admin,
        admin,
    )
    assert (record["verifiedAt"], record["reviewBy"]) == ("2026-12-02T00:00:00Z", "2099-01-01")
    assert record["governed"] == f"{SLUG}#GOVERNED"

    issue = item(local_resources, "usage", issue_key(TENANT, MESSAGE))
    assert (issue["askedBy"], issue["ownerIds"], issue["resolvedBy"]) == (
        insider,
        [insider],
        admin,
    )
    assert issue["files"][0]["ownerId"] == insider
    assert item(local_resources, "usage", file_signal_key(TENANT, SECRET))["citations"] == 3
