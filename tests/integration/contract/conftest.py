"""Both services in process against the session's moto server, with two tenants of real data.

The apps are the ones `create_app` builds for the cloud (real tenant gate reading DynamoDB, the
offline chat responder, retrieval from S3); only the token key is the test's, which the real
verifier checks like Cognito's. Each tenant has an admin and a member in the local user pool,
and tenant A ("acme") owns a conversation with an answer, feedback on it (a content issue), and a
file with two versions in a collection, so every kind of id in the documents has a real object
behind it."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.exceptions import LitestarDeprecationWarning
from litestar.testing import TestClient

from engageiq.local.aws import (
    LOCAL_CREDENTIALS,
    LocalAwsServer,
    LocalResources,
    aws_client,
    provision,
)
from engageiq.local.seed import local_target
from engageiq_chat.app import create_app as create_chat_app
from engageiq_chat.settings import ChatSettings
from engageiq_files.app import create_app as create_files_app
from engageiq_files.config import MIB, FilesSettings
from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.tenant_users import UserDirectory
from engageiq_tenancy.tokens import CognitoTokenVerifier, JwksCache
from tests.support.chat import parse_sse, service_settings, set_tenant
from tests.support.collections import CollectionWriter
from tests.support.tokens import TokenFactory

TENANT_A = "acme"
TENANT_B = "globex"
TENANT_FUZZ = "initech"
"""The fuzzers' own tenant: their sequences delete and re-role what they find, which must not
touch the objects the other suites read."""
SERVICES = ("chat", "files")


@dataclass(frozen=True)
class Person:
    tenant_id: str
    email: str
    user_id: str
    role: Role


@dataclass
class ContractPlatform:
    """Both apps, everyone's tokens, and tenant A's object ids by kind."""

    clients: dict[str, TestClient[Litestar]]
    tokens: TokenFactory
    people: dict[tuple[str, Role], Person]
    collections: CollectionWriter | None = None
    """Writes collections and memberships (decision 0111) in the files table."""
    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    """Each seeded tenant's ids by kind: conversation, message, content_issue, file,
    file_version, user, collection, share, share_token."""

    @property
    def a_ids(self) -> dict[str, str]:
        return self.ids[TENANT_A]

    def headers(self, tenant_id: str, role: Role) -> dict[str, str]:
        person = self.people[(tenant_id, role)]
        groups = [group_name(tenant_id, Role.MEMBER)]
        if role is Role.TENANT_ADMIN:
            groups.append(group_name(tenant_id, Role.TENANT_ADMIN))
        claims = self.tokens.claims(
            tenant_id,
            sub=person.user_id,
            cognito__username=person.email,
            cognito__groups=groups,
        )
        return {"Authorization": f"Bearer {self.tokens.mint(claims)}"}

    def document(self, service: str) -> dict[str, Any]:
        """The OpenAPI document the service serves (the one the web app's types come from)."""
        response = self.clients[service].get(f"/api/{service}/docs/openapi.json")
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    def settle_files(self) -> None:
        client = self.clients["files"]
        assert client.blocking_portal is not None
        client.blocking_portal.call(client.app.state["files_runtime"].drained)


def _reset(moto: LocalAwsServer) -> LocalResources:
    moto.reset()
    return provision(moto.endpoint_url)


def _people(resources: LocalResources) -> dict[tuple[str, Role], Person]:
    directory = UserDirectory(local_target(resources))
    people: dict[tuple[str, Role], Person] = {}
    for tenant_id in (TENANT_A, TENANT_B, TENANT_FUZZ):
        set_tenant(resources, tenant_id)
        for role in Role:
            directory.ensure_group(group_name(tenant_id, role))
        for role in Role:
            email = f"{role.value.replace('_', '-')}@{tenant_id}.example"
            directory.invite(tenant_id, email, role)
            user_id = directory.member_by_email(tenant_id, email).user_id
            people[(tenant_id, role)] = Person(tenant_id, email, user_id, role)
    return people


def _apps(resources: LocalResources, tokens: TokenFactory) -> dict[str, Litestar]:
    settings = service_settings(resources)

    def verifier() -> CognitoTokenVerifier:
        return CognitoTokenVerifier(tokens.auth, JwksCache("x", fetcher=lambda _: tokens.jwks))

    with warnings.catch_warnings():
        # Only the shared /api/me handler's inferred `tenant` dependency (asserted elsewhere).
        warnings.filterwarnings("ignore", category=LitestarDeprecationWarning)
        return {
            "chat": create_chat_app(
                settings, chat_settings=ChatSettings(heartbeat_seconds=5), verifier=verifier()
            ),
            "files": create_files_app(
                settings,
                files_settings=FilesSettings(max_upload_bytes=2 * MIB, part_size=5 * MIB),
                verifier=verifier(),
            ),
        }


def _seed(platform: ContractPlatform, tenant_id: str) -> None:
    """The tenant's admin makes a collection; its member uploads a file into it and then a new
    version of it, asks a question (a conversation with an answer citing it) and rates the
    answer down with a reason (a content issue); its admin publishes a play."""
    member = platform.headers(tenant_id, Role.MEMBER)
    chat, files = platform.clients["chat"], platform.clients["files"]
    collection = files.post(
        "/api/collections",
        json={"name": "Pricing"},
        headers=platform.headers(tenant_id, Role.TENANT_ADMIN),
    )
    assert collection.status_code == 201, collection.text
    first = files.post(
        f"/api/upload-file?collectionId={collection.json()['id']}",
        files={"file": ("pricing.md", b"# Pricing\nThe Pro plan costs 30 EUR.\n", "text/plain")},
        headers=member,
    )
    assert first.status_code == 201, first.text
    second = files.post(
        f"/api/upload-file?replaces={first.json()['id']}",
        files={"file": ("pricing.md", b"# Pricing\nThe Pro plan costs 35 EUR.\n", "text/plain")},
        headers=member,
    )
    assert second.status_code == 201, second.text
    platform.settle_files()
    turn = chat.post("/api/chat", json={"message": "What does the Pro plan cost?"}, headers=member)
    assert turn.status_code == 200, turn.text
    meta = next(e.data for e in parse_sse(turn.text)[0] if e.event == "meta")
    cid, mid = meta["conversationId"], meta["assistantMessageId"]
    # A thumbs-down with a reason on a cited answer: a content issue (its id is the answer's).
    feedback = chat.put(
        f"/api/conversations/{cid}/messages/{mid}/feedback",
        json={"rating": "down", "reason": "The price changed"},
        headers=member,
    )
    assert feedback.status_code == 200, feedback.text
    issues = chat.get("/api/content-issues", headers=platform.headers(tenant_id, Role.TENANT_ADMIN))
    assert [i["id"] for i in issues.json()["issues"]] == [mid], issues.text
    # A shared link to the conversation (decision 0113): its share id and its token.
    shared = chat.post(f"/api/conversations/{cid}/share", headers=member)
    assert shared.status_code == 201, shared.text
    play = chat.post(
        "/api/plays",
        json={"name": "Call prep", "template": "Call prep for {account}", "shared": True},
        headers=platform.headers(tenant_id, Role.TENANT_ADMIN),
    )
    assert play.status_code == 201, play.text
    platform.ids[tenant_id] = {
        "share": shared.json()["share"]["id"],
        "share_token": shared.json()["token"],
        "conversation": cid,
        "message": mid,
        "content_issue": mid,
        "file": first.json()["id"],
        "file_version": second.json()["id"],
        "user": platform.people[(tenant_id, Role.MEMBER)].user_id,
        "collection": collection.json()["id"],
        "play": play.json()["id"],
    }


# One platform for the package: seeding takes seconds. The probe leaves A's objects as they
# were (it asserts so) and the fuzzers work in their own tenant.
@pytest.fixture(scope="package")
def contract_platform(moto_server: LocalAwsServer) -> Iterator[ContractPlatform]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", LOCAL_CREDENTIALS["aws_access_key_id"])
        patch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS["aws_secret_access_key"])
        # The offline responder: no model work, and nothing leaves the machine.
        patch.delenv("ANTHROPIC_API_KEY", raising=False)
        resources = _reset(moto_server)
        tokens = TokenFactory()
        people = _people(resources)
        apps = _apps(resources, tokens)
        with TestClient(apps["chat"]) as chat, TestClient(apps["files"]) as files:
            writer = CollectionWriter(
                aws_client("dynamodb", resources.endpoint_url), resources.tables["files"]
            )
            platform = ContractPlatform({"chat": chat, "files": files}, tokens, people, writer)
            _seed(platform, TENANT_A)
            _seed(platform, TENANT_FUZZ)
            yield platform
            platform.settle_files()
