"""Callers with real user-pool identities for the governance tests: audiences and owners name
users the files service looks up in the (moto) user pool."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import httpx

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.seed import local_target
from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.tenant_users import UserDirectory
from tests.unit.files.support import FilesClient


@dataclass(frozen=True)
class Person:
    tenant_id: str
    user_id: str
    admin: bool = False


@dataclass
class Governance:
    """The files service in process, people of two tenants, and raw access to the table."""

    files: FilesClient
    resources: LocalResources
    table: str

    @cached_property
    def directory(self) -> UserDirectory:
        """The test's user pool, with clients made once per test rather than per person
        (each boto3 client costs 3-8 ms of CPU to make)."""
        return UserDirectory(local_target(self.resources))

    def person(self, tenant_id: str, *, admin: bool = False) -> Person:
        """A new user of `tenant_id` in the user pool (a member, or an admin)."""
        directory = self.directory
        for role in Role:
            directory.ensure_group(group_name(tenant_id, role))
        email = f"{uuid.uuid4().hex[:10]}@{tenant_id}.example"
        directory.invite(tenant_id, email, Role.TENANT_ADMIN if admin else Role.MEMBER)
        return Person(tenant_id, directory.member_by_email(tenant_id, email).user_id, admin)

    def headers(self, person: Person) -> dict[str, str]:
        groups = [group_name(person.tenant_id, Role.MEMBER)]
        if person.admin:
            groups.append(group_name(person.tenant_id, Role.TENANT_ADMIN))
        factory = self.files.factory
        claims = factory.claims(person.tenant_id, sub=person.user_id, cognito__groups=groups)
        return {"Authorization": f"Bearer {factory.mint(claims)}"}

    def call(
        self, person: Person, method: str, path: str, json: Any = None, **params: Any
    ) -> httpx.Response:
        return self.files.client.request(
            method, path, json=json, params=params or None, headers=self.headers(person)
        )

    def upload(self, person: Person, name: str = "notes.txt", **params: Any) -> httpx.Response:
        return self.files.client.post(
            "/api/upload-file",
            params=params or None,
            files={"file": (name, b"Some notes about pricing.", "text/plain")},
            headers=self.headers(person),
        )

    def collections(self, person: Person) -> list[dict[str, Any]]:
        response = self.call(person, "GET", "/api/collections")
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()["collections"]
        return listed

    def create(self, admin: Person, name: str, **body: Any) -> dict[str, Any]:
        response = self.call(admin, "POST", "/api/collections", {"name": name, **body})
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    def raw_file(self, tenant_id: str, file_id: str) -> dict[str, Any]:
        """The file's item as stored (typed attribute values)."""
        item: dict[str, Any] = (
            aws_client("dynamodb", self.resources.endpoint_url)
            .get_item(
                TableName=self.table,
                Key={"pk": {"S": f"{tenant_id}#FILES"}, "sk": {"S": f"FILE#{file_id}"}},
                ConsistentRead=True,
            )
            .get("Item", {})
        )
        return item

    def raw_partition(self, tenant_id: str) -> list[dict[str, Any]]:
        """Every item of the tenant's files partition (files, collections, name locks)."""
        response = aws_client("dynamodb", self.resources.endpoint_url).query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": f"{tenant_id}#FILES"}},
            ConsistentRead=True,
        )
        items: list[dict[str, Any]] = response["Items"]
        return items

    def governed_ids(self, tenant_id: str) -> set[str]:
        """The file ids the sparse `by_governance` index lists for the tenant."""
        response = aws_client("dynamodb", self.resources.endpoint_url).query(
            TableName=self.table,
            IndexName="by_governance",
            KeyConditionExpression="#g = :g",
            ExpressionAttributeNames={"#g": "governed"},
            ExpressionAttributeValues={":g": {"S": f"{tenant_id}#GOVERNED"}},
        )
        return {item["id"]["S"] for item in response["Items"]}
