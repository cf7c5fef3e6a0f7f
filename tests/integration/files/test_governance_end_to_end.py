"""Governed knowledge's write side on the local platform, through the edge as the web app
calls it (decision 0111): an admin makes, renames and deletes collections; files go into
them, are verified and expire; the sparse `by_governance` index lists a governed file; every
bad input is refused with its code and changes nothing; another tenant gets 404."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import httpx
import pytest

from engageiq.local.aws import aws_client
from engageiq.local.seed import create_tenant, create_user, sign_in
from engageiq_tenancy.context import Role
from engageiq_tenancy.governance import today
from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import demo_token, resources_of

pytestmark = pytest.mark.integration

FUTURE = (today() + timedelta(days=90)).isoformat()
PAST = (today() - timedelta(days=2)).isoformat()


class Caller:
    def __init__(self, platform: DevPlatform, token: str) -> None:
        self.platform = platform
        self.token = token
        self.user_id: str = self.call("GET", "/api/me").json()["userId"]

    def call(self, method: str, path: str, json: Any = None, **params: Any) -> httpx.Response:
        return httpx.request(
            method,
            f"{self.platform.web_url}{path}",
            json=json,
            params=params or None,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )

    def upload(self, name: str, **params: Any) -> httpx.Response:
        return httpx.post(
            f"{self.platform.web_url}/api/upload-file",
            params=params or None,
            files={"file": (name, b"# Pricing\nThe Pro plan costs 30 EUR.\n", "text/markdown")},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
        )

    def collections(self) -> list[dict[str, Any]]:
        response = self.call("GET", "/api/collections")
        assert response.status_code == 200, response.text
        listed: list[dict[str, Any]] = response.json()["collections"]
        return listed

    def file(self, file_id: str) -> dict[str, Any]:
        response = self.call("GET", f"/api/files/{file_id}")
        assert response.status_code == 200, response.text
        shown: dict[str, Any] = response.json()
        return {k: v for k, v in shown.items() if k != "downloadUrl"}


def member_of(platform: DevPlatform, tenant_id: str, *, role: Role = Role.MEMBER) -> Caller:
    resources = resources_of(platform.outputs)
    user = create_user(resources, tenant_id, f"{secrets.token_hex(4)}@{tenant_id}.example", role)
    token = sign_in(
        resources.endpoint_url, resources.user_pool_client_id, user.username, user.password
    )
    return Caller(platform, token)


def governed_ids(platform: DevPlatform, tenant_id: str) -> set[str]:
    resources = resources_of(platform.outputs)
    response = aws_client("dynamodb", resources.endpoint_url).query(
        TableName=resources.tables["files"],
        IndexName="by_governance",
        KeyConditionExpression="#g = :g",
        ExpressionAttributeNames={"#g": "governed"},
        ExpressionAttributeValues={":g": {"S": f"{tenant_id}#GOVERNED"}},
    )
    return {item["id"]["S"] for item in response["Items"]}


def governance_of(shown: dict[str, Any]) -> dict[str, Any]:
    keys = ("collectionIds", "owner", "freshness", "verifiedAt", "verifiedBy", "reviewBy")
    return {k: shown.get(k) for k in keys}


def test_collections_are_made_renamed_and_deleted_and_bad_input_changes_nothing(
    dev_platform: DevPlatform,
) -> None:
    admin = Caller(dev_platform, demo_token(dev_platform))
    member = member_of(dev_platform, "demo")
    suffix = secrets.token_hex(3)
    created = admin.call("POST", "/api/collections", {"name": f"Pricing {suffix}"})
    assert created.status_code == 201, created.text
    pricing = created.json()
    legal = admin.call(
        "POST",
        "/api/collections",
        {"name": f"Legal {suffix}", "audience": {"users": [admin.user_id], "roles": []}},
    ).json()
    names = {c["name"] for c in member.collections()}
    assert pricing["name"] in names
    assert legal["name"] not in names

    before = admin.collections()
    for body, status, code in (
        ({"name": "   "}, 400, "invalid_collection_name"),
        ({"name": "n" * 81}, 400, "invalid_collection_name"),
        ({"name": "ok", "description": "d" * 501}, 400, "invalid_collection_description"),
        ({"name": f"PRICING {suffix}"}, 409, "collection_name_taken"),
        ({"name": "ok", "audience": {"roles": ["owner"]}}, 400, "invalid_audience"),
        ({"name": "ok", "audience": {"users": ["nobody-at-all"]}}, 400, "invalid_audience"),
        ({"name": "ok", "audience": {"users": [], "roles": []}}, 400, "invalid_audience"),
    ):
        refused = admin.call("POST", "/api/collections", body)
        assert (refused.status_code, refused.json()["code"]) == (status, code), body
    refused = member.call("POST", "/api/collections", {"name": f"Mine {suffix}"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    taken = admin.call("PATCH", f"/api/collections/{legal['id']}", {"name": pricing["name"]})
    assert (taken.status_code, taken.json()["code"]) == (409, "collection_name_taken")
    assert admin.collections() == before

    renamed = admin.call("PATCH", f"/api/collections/{pricing['id']}", {"name": f"Prices {suffix}"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == f"Prices {suffix}"
    # The old name is free again.
    again = admin.call("POST", "/api/collections", {"name": f"pricing {suffix}"})
    assert again.status_code == 201, again.text

    rival = Caller(
        dev_platform,
        sign_in(
            resources_of(dev_platform.outputs).endpoint_url,
            dev_platform.outputs["userPoolClientId"],
            *_rival_admin(dev_platform),
        ),
    )
    for method in ("PATCH", "DELETE"):
        foreign = rival.call(method, f"/api/collections/{pricing['id']}", {"name": "x"})
        assert (foreign.status_code, foreign.json()["code"]) == (404, "collection_not_found")
    assert rival.collections() == []

    for collection in (pricing, legal, again.json()):
        assert admin.call("DELETE", f"/api/collections/{collection['id']}").status_code == 204
    assert {c["id"] for c in admin.collections()}.isdisjoint(
        {pricing["id"], legal["id"], again.json()["id"]}
    )


def _rival_admin(platform: DevPlatform) -> tuple[str, str]:
    other = create_tenant(
        resources_of(platform.outputs),
        f"rival-{secrets.token_hex(3)}",
        "Rival",
        f"admin-{secrets.token_hex(3)}@rival.example",
    )
    return other.username, other.password


def test_files_are_filed_verified_and_expire_and_only_their_stewards_change_them(
    dev_platform: DevPlatform,
) -> None:
    admin = Caller(dev_platform, demo_token(dev_platform))
    owner, colleague = member_of(dev_platform, "demo"), member_of(dev_platform, "demo")
    suffix = secrets.token_hex(3)
    pricing = admin.call("POST", "/api/collections", {"name": f"Price book {suffix}"}).json()

    uploaded = owner.upload("price-book.md", collectionId=pricing["id"])
    assert uploaded.status_code == 201, uploaded.text
    file_id = uploaded.json()["id"]
    shown = owner.file(file_id)
    assert (shown["collectionIds"], shown["owner"], shown["freshness"]) == (
        [pricing["id"]],
        owner.user_id,
        "unverified",
    )
    assert file_id in governed_ids(dev_platform, "demo")

    # Bad input, and people who may not: nothing changes.
    before = governance_of(owner.file(file_id))
    for caller, method, path, body, status, code in (
        (owner, "POST", "/verify", {"reviewBy": "2027-13-01"}, 400, "invalid_review_by"),
        (owner, "POST", "/verify", {"reviewBy": "2027-02-30"}, 400, "invalid_review_by"),
        (owner, "POST", "/verify", {"reviewBy": "1 March"}, 400, "invalid_review_by"),
        (owner, "PATCH", "", {"collectionIds": ["0" * 32]}, 404, "collection_not_found"),
        (owner, "PATCH", "", {"owner": colleague.user_id}, 403, "forbidden"),
        (admin, "PATCH", "", {"owner": "nobody-at-all"}, 400, "invalid_owner"),
        (colleague, "POST", "/verify", {"reviewBy": FUTURE}, 403, "forbidden"),
        (colleague, "PATCH", "", {"collectionIds": []}, 403, "forbidden"),
    ):
        refused = caller.call(method, f"/api/files/{file_id}{path}", body)
        assert (refused.status_code, refused.json()["code"]) == (status, code), (path, body)
    rival_token = sign_in(
        resources_of(dev_platform.outputs).endpoint_url,
        dev_platform.outputs["userPoolClientId"],
        *_rival_admin(dev_platform),
    )
    rival = Caller(dev_platform, rival_token)
    attempts: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
        ("POST", "/verify", {"reviewBy": FUTURE}),
        ("DELETE", "/verify", None),
        ("PATCH", "", {"collectionIds": []}),
    )
    for method, path, attempt in attempts:
        foreign = rival.call(method, f"/api/files/{file_id}{path}", attempt)
        assert (foreign.status_code, foreign.json()["code"]) == (404, "file_not_found")
    assert governance_of(owner.file(file_id)) == before

    verified = owner.call("POST", f"/api/files/{file_id}/verify", {"reviewBy": FUTURE})
    assert verified.status_code == 200, verified.text
    assert (verified.json()["freshness"], verified.json()["reviewBy"]) == ("verified", FUTURE)
    expired = admin.call("POST", f"/api/files/{file_id}/verify", {"reviewBy": PAST})
    assert (expired.json()["freshness"], expired.json()["verifiedBy"]) == ("stale", admin.user_id)
    listed = {f["id"]: f for f in owner.call("GET", "/api/files", limit=100).json()["files"]}
    assert listed[file_id]["freshness"] == "stale"

    # Out of every collection and unverified: the index no longer lists it.
    moved = owner.call("PATCH", f"/api/files/{file_id}", {"collectionIds": []})
    assert moved.json()["collectionIds"] == []
    withdrawn = owner.call("DELETE", f"/api/files/{file_id}/verify")
    assert withdrawn.json()["freshness"] == "unverified"
    assert file_id not in governed_ids(dev_platform, "demo")
    back = owner.call("PATCH", f"/api/files/{file_id}", {"collectionIds": [pricing["id"]]})
    assert back.json()["collectionIds"] == [pricing["id"]]
    assert file_id in governed_ids(dev_platform, "demo")

    # Deleting the collection keeps the file; the id is no longer shown.
    assert admin.call("DELETE", f"/api/collections/{pricing['id']}").status_code == 204
    assert owner.file(file_id)["collectionIds"] == []
    assert owner.call("DELETE", f"/api/files/{file_id}").status_code == 204


def test_an_upload_into_an_unknown_collection_stores_nothing(dev_platform: DevPlatform) -> None:
    member = member_of(dev_platform, "demo")
    before = member.call("GET", "/api/files", limit=100).json()["files"]
    for params, status, code in (
        ({"collectionId": "0" * 32}, 404, "collection_not_found"),
        ({"verify": "true", "reviewBy": "2027-02-30"}, 400, "invalid_review_by"),
    ):
        refused = member.upload("stray.md", **params)
        assert (refused.status_code, refused.json()["code"]) == (status, code), params
    assert member.call("GET", "/api/files", limit=100).json()["files"] == before
