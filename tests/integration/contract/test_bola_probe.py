"""BOLA probe generated from both services' OpenAPI documents (OWASP API1 and API5).

Every operation the documents list is classified from the document alone:
- public (no `security`): answers without a token;
- with ids (path parameters, and query parameters or JSON body fields named like ids): called
  with tenant B's tokens on tenant A's real objects, it must answer 404 with the same body
  `code` and `message` as a never-existing id;
- `x-required-role: tenant_admin`: a member's token is refused with 403 `forbidden`;
- the rest act on the caller's own tenant: called by B, no answer may contain any of A's ids.
Afterwards A's data must be exactly as it was.

The same probe runs inside tenant A against its second wall (decision 0111): to a member whom
a collection's audience leaves out, every operation naming the hidden file or collection
answers like a missing id, and no read names it. A new route is probed without editing this
file; one the probe cannot classify (an id parameter of an unknown kind, a request body it
has no example for, an unknown role) fails with a message saying what to add
(docs/decisions/0088-bola-probe-from-the-documents.md)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from engageiq_chat.ids import new_id
from engageiq_chat.sharing.keys import new_token
from engageiq_files.catalog import routes as catalog_routes
from engageiq_files.catalog.records import new_file_id
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.errors import ApiError
from tests.integration.contract.conftest import (
    SERVICES,
    TENANT_A,
    TENANT_B,
    ContractPlatform,
)

ID_KINDS: dict[str, str] = {
    "conversation_id": "conversation",
    "conversationId": "conversation",
    "message_id": "message",
    "messageId": "message",
    "file_id": "file",
    "replaces": "file",
    "user_id": "user",
    "issue_id": "content_issue",
    "fileId": "file",
    "collection_id": "collection",
    "collectionId": "collection",
    "share_id": "share",
    "token": "share_token",
    "play_id": "play",
}
"""Every id-bearing parameter or body field of the documents, by the kind of object it names.
A new kind needs an object of tenant A seeded in conftest.py and an entry in MISSING_IDS."""

MISSING_IDS: dict[str, Callable[[], str]] = {
    "conversation": new_id,
    "message": new_id,
    "content_issue": new_id,
    "file": new_file_id,
    "user": lambda: str(uuid.uuid4()),
    "collection": lambda: uuid.uuid4().hex,
    "share": new_id,
    "share_token": new_token,
    "play": new_id,
}
"""A well-formed id of each kind that names nothing."""

EXAMPLE_BODIES: dict[str, dict[str, Any]] = {
    "ChatRequest": {"message": "What does the Pro plan cost?"},
    "ContinueRequest": {},
    "StopRequest": {},
    "Rename": {"title": "Renamed by another tenant"},
    "FeedbackInput": {"rating": "down", "reason": "probe"},
    "RoleChange": {"role": "tenant_admin"},
    "DirectUploadRequest": {"name": "probe.txt"},
    "Invite": {"email": "probe@globex.example"},
    "BrandingPatch": {"displayName": "Globex"},
    "Resolution": {"note": "probe"},
    "NewCollection": {"name": "Probe"},
    "CollectionPatch": {"name": "Renamed by another tenant"},
    "FilePatch": {"collectionIds": []},
    "Verification": {"reviewBy": "2030-01-01"},
    "NewPlay": {"name": "Probe", "template": "Call prep for {account}"},
    "PlayChange": {"name": "Renamed by another tenant"},
    # Port 9 (discard) on loopback: refused at once, so the probe needs no network.
    "SsoSettings": {
        "oidc": {"issuer": "http://127.0.0.1:9/", "clientId": "probe", "clientSecret": "probe"},
        "domains": ["globex-probe.example"],
    },
    "SignInLookup": {"email": "rep@globex-probe.example"},
}
"""A valid JSON body for each request schema (ids are filled in by the probe)."""

MULTIPART_FILE = ("probe.txt", b"A probe of the Pro plan price.\n", "text/plain")
LOOKS_LIKE_AN_ID = re.compile(r"(^id$|_id$|Id$|^replaces$)")
SCOPE_IDS = {("query", "collectionId"), ("query", "fileId")}
"""A search scope's ids: an id the caller may not name answers 400 `unknown_scope` (a scope is
a request to refuse, not an object to find), the same for a missing one."""
LISTING_FILTERS = {("GET", "/api/files"): {("query", "fileId")}}
"""A listing narrowed to ids (the files page's refresh, decision 0116): an id the caller may
not see leaves the page without it, exactly as a missing id does (200, the same body), and the
answer never names it."""
AUDIENCE_WALLED = ("files", "chat")
"""Services whose every operation the intra-tenant probe covers."""
ROLES = {None, Role.MEMBER.value, Role.TENANT_ADMIN.value}


@dataclass
class Operation:
    service: str
    method: str
    path: str
    spec: dict[str, Any]
    ids: dict[tuple[str, str], str] = field(default_factory=dict)
    """(location, name) -> id kind, location one of path, query, body."""
    body_schema: str | None = None
    multipart: bool = False

    @property
    def label(self) -> str:
        return f"{self.service}: {self.method.upper()} {self.path}"

    @property
    def public(self) -> bool:
        return not self.spec.get("security")

    @property
    def not_found_status(self) -> int:
        """What a missing id answers: 404, or 400 where the only ids are a search scope."""
        return 400 if self.ids and set(self.ids) <= SCOPE_IDS else 404

    @property
    def filters_only(self) -> bool:
        """Whether every id of the operation only narrows a listing (`LISTING_FILTERS`)."""
        filters = LISTING_FILTERS.get((self.method.upper(), self.path), set())
        return bool(self.ids) and set(self.ids) <= filters

    @property
    def role(self) -> str | None:
        role: str | None = self.spec.get("x-required-role")
        return role


class Unclassifiable(AssertionError):
    pass


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[1]
        return name, document["components"]["schemas"][name]
    return None, schema


def _id_kind(op: Operation, where: str, name: str) -> str:
    kind = ID_KINDS.get(name)
    if kind is None:
        raise Unclassifiable(
            f"{op.label}: the {where} parameter {name!r} names an object the BOLA probe does "
            "not know. Add it to ID_KINDS in tests/integration/contract/test_bola_probe.py "
            "(and seed such an object of tenant A in conftest.py)."
        )
    return kind


def classify(service: str, document: dict[str, Any]) -> Iterator[Operation]:
    for path, item in document["paths"].items():
        for method, spec in item.items():
            op = Operation(service, method, path, spec)
            if op.role not in ROLES:
                raise Unclassifiable(f"{op.label}: unknown x-required-role {op.role!r}.")
            for parameter in spec.get("parameters", []):
                where, name = parameter["in"], parameter["name"]
                if where == "path" or LOOKS_LIKE_AN_ID.search(name):
                    op.ids[(where, name)] = _id_kind(op, where, name)
            content = spec.get("requestBody", {}).get("content", {})
            if "multipart/form-data" in content:
                op.multipart = True
            if "application/json" in content:
                name, schema = _resolve(document, content["application/json"]["schema"])
                if name not in EXAMPLE_BODIES:
                    raise Unclassifiable(
                        f"{op.label}: no example body for request schema {name!r}. Add a valid "
                        "one to EXAMPLE_BODIES in tests/integration/contract/test_bola_probe.py."
                    )
                op.body_schema = name
                for prop in schema.get("properties", {}):
                    if LOOKS_LIKE_AN_ID.search(prop) or prop in ID_KINDS:
                        op.ids[("body", prop)] = _id_kind(op, "body", prop)
            unknown = set(content) - {"application/json", "multipart/form-data"}
            if unknown:
                raise Unclassifiable(f"{op.label}: request body types {unknown} are not probed.")
            yield op


def operations(platform: ContractPlatform) -> list[Operation]:
    return [op for service in SERVICES for op in classify(service, platform.document(service))]


def call(
    platform: ContractPlatform, op: Operation, headers: dict[str, str], ids: dict[str, str]
) -> httpx.Response:
    """`op` with every id parameter set to `ids[kind]`."""
    path = op.path
    params: dict[str, str] = {}
    body = dict(EXAMPLE_BODIES[op.body_schema]) if op.body_schema else None
    for (where, name), kind in op.ids.items():
        if where == "path":
            path = path.replace("{" + name + "}", ids[kind])
        elif where == "query":
            params[name] = ids[kind]
        elif body is not None:
            body[name] = ids[kind]
    # Required query parameters that are not ids (the search text).
    for parameter in op.spec.get("parameters", []):
        if (
            parameter["in"] == "query"
            and parameter.get("required")
            and parameter["name"] not in params
        ):
            params[parameter["name"]] = "Pro plan"
    files = {"file": MULTIPART_FILE} if op.multipart else None
    return platform.clients[op.service].request(
        op.method.upper(), path, params=params, json=body, files=files, headers=headers
    )


def missing_ids() -> dict[str, str]:
    return {kind: make() for kind, make in MISSING_IDS.items()}


def _assert_same_listing(
    missing: httpx.Response, other: httpx.Response, named: str, label: str
) -> None:
    """A listing filtered by an id the caller may not see answers as one filtered by a missing
    id, and never names the object."""
    assert missing.status_code == other.status_code == 200, f"{label}: {other.text}"
    assert other.json() == missing.json(), f"{label}: an unseen id answers unlike a missing one"
    assert named not in other.text, f"{label}: names {named}"


def _assert_error(response: httpx.Response, status: int, label: str) -> dict[str, Any]:
    assert response.status_code == status, f"{label}: {response.status_code} {response.text}"
    body: dict[str, Any] = response.json()
    assert set(body) == {"code", "message", "requestId"}, f"{label}: {body}"
    return body


def snapshot(platform: ContractPlatform) -> dict[str, Any]:
    """What tenant A sees of its own data (without signed URLs, which change every call)."""
    member = platform.headers(TENANT_A, Role.MEMBER)
    admin = platform.headers(TENANT_A, Role.TENANT_ADMIN)
    chat, files = platform.clients["chat"], platform.clients["files"]
    cid = platform.a_ids["conversation"]
    conversations = chat.get("/api/conversations", headers=member).json()["conversations"]
    history = chat.get("/api/chat-history", params={"conversationId": cid}, headers=member).json()
    listed = files.get("/api/files", headers=member).json()["files"]
    users = chat.get("/api/tenant/users", headers=admin).json()["users"]
    tenant = chat.get("/api/tenant", headers=admin).json()
    issues = chat.get("/api/content-issues", headers=admin).json()["issues"]
    collections = files.get("/api/collections", headers=admin).json()["collections"]
    shares = chat.get("/api/shares", headers=member).json()["shares"]
    plays = chat.get("/api/plays", headers=member).json()["plays"]
    return {
        "shares": shares,
        "conversations": [(c["id"], c["title"]) for c in conversations],
        "messages": [(m["id"], m["content"], m["feedback"]) for m in history["messages"]],
        "files": [
            (f["id"], f["name"], f["status"], f.get("versions"), f["collectionIds"], f["owner"])
            for f in listed
        ],
        "collections": collections,
        "users": sorted((u["userId"], u["role"], u["enabled"]) for u in users),
        "tenant": tenant,
        "issues": [(i["id"], i["status"], i["reason"]) for i in issues],
        "plays": plays,
    }


def test_every_operation_of_both_documents_is_probed(
    contract_platform: ContractPlatform, record_property: Callable[[str, object], None]
) -> None:
    platform = contract_platform
    a_ids = platform.a_ids
    before = snapshot(platform)
    ops = operations(platform)
    probed: dict[str, list[str]] = {"public": [], "ids": [], "admin": [], "own tenant": []}
    b_tokens = [platform.headers(TENANT_B, role) for role in (Role.MEMBER, Role.TENANT_ADMIN)]
    for op in ops:
        if op.public:
            response = call(platform, op, {}, {})  # with its example body, if it takes one
            assert response.status_code == 200, f"{op.label}: {response.text}"
            probed["public"].append(op.label)
            continue
        if op.role == Role.TENANT_ADMIN.value:
            member = platform.headers(TENANT_A, Role.MEMBER)
            body = _assert_error(call(platform, op, member, a_ids), 403, op.label)
            assert body["code"] == "forbidden", f"{op.label}: {body}"
            probed["admin"].append(op.label)
        # B's member and admin alike; admin routes refuse B's member before any lookup.
        attackers = b_tokens[1:] if op.role == Role.TENANT_ADMIN.value else b_tokens
        if op.filters_only:
            for headers in attackers:
                missing_page = call(platform, op, headers, missing_ids())
                cross_page = call(platform, op, headers, a_ids)
                _assert_same_listing(missing_page, cross_page, a_ids["file"], op.label)
            probed["ids"].append(op.label)
        elif op.ids:
            for headers in attackers:
                # Missing first: a route that deletes must not have deleted A's object yet.
                status, label = op.not_found_status, op.label
                missing = _assert_error(call(platform, op, headers, missing_ids()), status, label)
                cross = _assert_error(call(platform, op, headers, a_ids), status, label)
                assert (cross["code"], cross["message"]) == (
                    missing["code"],
                    missing["message"],
                ), f"{op.label}: another tenant's id answers unlike a missing one"
            probed["ids"].append(op.label)
        else:
            for headers in attackers:
                response = call(platform, op, headers, {})
                assert response.status_code < 500, f"{op.label}: {response.text}"
                leaked = [kind for kind, value in a_ids.items() if value in response.text]
                assert not leaked, f"{op.label}: tenant B's answer names A's {leaked}"
            probed["own tenant"].append(op.label)
    assert snapshot(platform) == before, "a probe changed tenant A's data"
    # Both documents are covered: each class has the routes we know of (a floor, not a list).
    assert len(probed["ids"]) >= 12, probed
    assert len(probed["admin"]) >= 5, probed
    # Shown by `pytest -rA` and in the junit report: the figures the issue asks for.
    record_property("bola_probe", {name: len(labels) for name, labels in probed.items()})


def test_an_unclassifiable_route_fails_the_probe(contract_platform: ContractPlatform) -> None:
    document = contract_platform.document("files")
    document["paths"]["/api/files/{file_id}/stamps/{stamp_id}"] = {
        "get": {
            "security": [{"BearerToken": []}],
            "parameters": [
                {"name": "file_id", "in": "path", "required": True},
                {"name": "stamp_id", "in": "path", "required": True},
            ],
        }
    }
    with pytest.raises(Unclassifiable, match=r"'stamp_id'.*ID_KINDS"):
        list(classify("files", document))


def test_a_body_without_an_example_fails_the_probe(contract_platform: ContractPlatform) -> None:
    document = contract_platform.document("chat")
    document["components"]["schemas"]["Share"] = {"type": "object", "properties": {}}
    document["paths"]["/api/shares"] = {
        "post": {
            "security": [{"BearerToken": []}],
            "requestBody": {
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Share"}}}
            },
        }
    }
    with pytest.raises(Unclassifiable, match="EXAMPLE_BODIES"):
        list(classify("chat", document))


def test_the_probe_catches_a_lookup_that_reveals_another_tenants_file(
    contract_platform: ContractPlatform,
    monkeypatch: pytest.MonkeyPatch,
    record_property: Callable[[str, object], None],
) -> None:
    """The probe can fail: a files lookup that answers another tenant's id with its own
    message (a 404 still, but one that tells the id exists) is caught."""
    original = catalog_routes.find_file

    async def revealing(files: Any, tenant: TenantContext, file_id: str) -> Any:
        try:
            return await original(files, tenant, file_id)
        except ApiError:
            owner = TenantContext(TENANT_A, "someone", "someone", tenant.roles)
            if files.catalog.get(owner, file_id) is not None:
                # The table's code with a sentence of its own: the leak the probe must catch.
                raise ApiError.relaying("file_not_found", "That file is someone else's.") from None
            raise

    monkeypatch.setattr(catalog_routes, "find_file", revealing)
    with pytest.raises(AssertionError, match="unlike a missing one"):
        test_every_operation_of_both_documents_is_probed(contract_platform, record_property)


def test_a_file_an_audience_hides_is_missing_to_a_colleague_on_every_operation(
    contract_platform: ContractPlatform,
) -> None:
    """The second wall (decision 0111), probed from the same documents: tenant A's member,
    whom a collection's audience leaves out, gets for every operation naming the hidden file
    or that collection exactly what a missing id gets, and no read of theirs names either.
    A's admin (admitted everywhere) does see the file, so the probe is not vacuous."""
    platform = contract_platform
    assert platform.collections is not None
    admin = platform.headers(TENANT_A, Role.TENANT_ADMIN)
    member = platform.headers(TENANT_A, Role.MEMBER)
    files = platform.clients["files"]
    uploaded = files.post(
        "/api/upload-file",
        files={"file": ("board.md", b"# Board\nThe Pro plan will cost 50 EUR.\n", "text/plain")},
        headers=admin,
    )
    assert uploaded.status_code == 201, uploaded.text
    hidden = uploaded.json()["id"]
    platform.settle_files()
    closed = uuid.uuid4().hex
    platform.collections.save(TENANT_A, closed, name="Board", roles=[Role.TENANT_ADMIN])
    platform.collections.file_into(TENANT_A, hidden, [closed])
    knowledge = files.app.state["files_runtime"].knowledge
    anyone = TenantContext(TENANT_A, "probe", "probe", frozenset({Role.MEMBER}))
    knowledge.forget(anyone)  # written behind the service's back; its view is kept 5 s
    walled_ids = {**platform.a_ids, "file": hidden, "collection": closed}
    probed: dict[str, list[str]] = {"ids": [], "reads": []}
    try:
        for op in operations(platform):
            if op.public or op.service not in AUDIENCE_WALLED:
                continue
            if op.role == Role.TENANT_ADMIN.value:
                continue  # admins are admitted everywhere; members are refused before lookup
            if op.filters_only:
                absent = {**walled_ids, "file": new_file_id()}
                missing_page = call(platform, op, member, absent)
                walled_page = call(platform, op, member, walled_ids)
                _assert_same_listing(missing_page, walled_page, hidden, op.label)
                probed["ids"].append(op.label)
            elif {"file", "collection"} & set(op.ids.values()):
                absent = {**walled_ids, "file": new_file_id(), "collection": uuid.uuid4().hex}
                status = op.not_found_status
                missing = _assert_error(call(platform, op, member, absent), status, op.label)
                walled = _assert_error(call(platform, op, member, walled_ids), status, op.label)
                assert (walled["code"], walled["message"]) == (
                    missing["code"],
                    missing["message"],
                ), f"{op.label}: a hidden file answers unlike a missing one"
                probed["ids"].append(op.label)
            elif op.method == "get" and not op.ids:
                response = call(platform, op, member, {})
                assert response.status_code < 500, f"{op.label}: {response.text}"
                assert hidden not in response.text, f"{op.label}: names the hidden file"
                assert closed not in response.text, f"{op.label}: names the hidden collection"
                probed["reads"].append(op.label)
        searched = files.get(
            "/api/files/search", params={"q": "Pro plan", "limit": 50}, headers=member
        )
        assert searched.status_code == 200, searched.text
        assert hidden not in searched.text, searched.text
        # The control: the file is there, and found, for whom the audience admits.
        assert hidden in files.get("/api/files", headers=admin).text
        found = files.get("/api/files/search", params={"q": "Pro plan", "limit": 50}, headers=admin)
        assert hidden in {r["fileId"] for r in found.json()["results"]}, found.text
        assert len(probed["ids"]) >= 8, probed
    finally:
        assert files.delete(f"/api/files/{hidden}", headers=admin).status_code == 204
        platform.collections.delete(TENANT_A, closed)
        knowledge.forget(anyone)
