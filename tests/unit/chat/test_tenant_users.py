"""/api/tenant/users: a tenant admin lists, invites, re-roles and removes their own users with
the CLI's UserDirectory; members get 403; another tenant's users answer 404 like missing ones;
the last admin can be neither demoted nor removed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq.local.aws import LocalResources, aws_client
from engageiq.local.seed import local_target, sign_in
from engageiq_chat.users.service import ServicePool
from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.tenant_users import TENANT_ADMIN_API_ACTIONS, UserDirectory
from tests.support.chat import ChatHarness

USERS = "/api/tenant/users"


@dataclass(frozen=True)
class Person:
    tenant_id: str
    email: str
    user_id: str
    role: Role


@dataclass
class Tenants:
    """Two tenants' users in the local user pool, and tokens for any of them."""

    harness: ChatHarness
    people: dict[str, Person]

    def headers(self, email: str) -> dict[str, str]:
        person = self.people[email]
        groups = [group_name(person.tenant_id, Role.MEMBER)]
        if person.role == Role.TENANT_ADMIN:
            groups.append(group_name(person.tenant_id, Role.TENANT_ADMIN))
        factory = self.harness.tokens
        claims = factory.claims(person.tenant_id, sub=person.user_id, cognito__groups=groups)
        return {"Authorization": f"Bearer {factory.mint(claims)}"}

    def cognito_user(self, user_id: str) -> dict[str, Any] | None:
        cognito = aws_client("cognito-idp", self.harness.resources.endpoint_url)
        try:
            user: dict[str, Any] = cognito.admin_get_user(
                UserPoolId=self.harness.resources.user_pool_id, Username=user_id
            )
        except cognito.exceptions.UserNotFoundException:
            return None
        return user


def _invite(directory: UserDirectory, tenant_id: str, email: str, role: Role) -> Person:
    directory.invite(tenant_id, email, role)
    user_id = directory.member_by_email(tenant_id, email).user_id
    return Person(tenant_id, email, user_id, role)


@pytest.fixture
def tenants(harness: ChatHarness) -> Tenants:
    directory = UserDirectory(local_target(harness.resources))
    for tenant_id in ("acme", "globex"):
        for role in Role:
            directory.ensure_group(group_name(tenant_id, role))
    people = [
        _invite(directory, "acme", "boss@acme.example", Role.TENANT_ADMIN),
        _invite(directory, "acme", "rep@acme.example", Role.MEMBER),
        _invite(directory, "globex", "boss@globex.example", Role.TENANT_ADMIN),
        _invite(directory, "globex", "rep@globex.example", Role.MEMBER),
    ]
    return Tenants(harness, {p.email: p for p in people})


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    with TestClient(harness.app()) as test_client:
        yield test_client


def error_of(response: Any, status: int, code: str) -> str:
    body = response.json()
    assert (response.status_code, body["code"]) == (status, code), response.text
    assert body["message"]
    return str(body["message"])


def test_an_admin_lists_exactly_their_own_tenants_users(
    tenants: Tenants, client: TestClient[Litestar]
) -> None:
    response = client.get(USERS, headers=tenants.headers("boss@acme.example"))

    assert response.status_code == 200
    users = response.json()["users"]
    assert [(u["email"], u["role"]) for u in users] == [
        ("boss@acme.example", "tenant_admin"),
        ("rep@acme.example", "member"),
    ]
    boss = users[0]
    assert set(boss) == {"userId", "email", "role", "status", "enabled", "createdAt"}
    assert boss["userId"] == tenants.people["boss@acme.example"].user_id
    assert (boss["status"], boss["enabled"]) == ("FORCE_CHANGE_PASSWORD", True)
    assert boss["createdAt"].endswith("+00:00")


def test_members_are_refused_every_admin_route(
    tenants: Tenants, client: TestClient[Litestar]
) -> None:
    member = tenants.headers("rep@acme.example")
    boss_id = tenants.people["boss@acme.example"].user_id
    for method, path, body in [
        ("GET", USERS, None),
        ("POST", USERS, {"email": "new@acme.example", "role": "tenant_admin"}),
        ("PATCH", f"{USERS}/{boss_id}", {"role": "member"}),
        ("DELETE", f"{USERS}/{boss_id}", None),
    ]:
        response = client.request(method, path, json=body, headers=member)
        assert "tenant_admin" in error_of(response, 403, "forbidden")
    assert tenants.cognito_user(boss_id) is not None


def test_invite_returns_the_user_and_locally_a_temporary_password(
    tenants: Tenants, client: TestClient[Litestar]
) -> None:
    boss = tenants.headers("boss@acme.example")
    response = client.post(
        USERS, json={"email": " New.Rep@Acme.example ", "role": "member"}, headers=boss
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["email"] == "new.rep@acme.example"
    assert body["user"]["role"] == "member"
    assert body["user"]["status"] == "FORCE_CHANGE_PASSWORD"
    password = body["temporaryPassword"]
    assert password
    listed = client.get(USERS, headers=boss).json()["users"]
    assert "new.rep@acme.example" in [u["email"] for u in listed]
    # The invitation works: the new user signs in and sets a password, inside acme only.
    resources = tenants.harness.resources
    token = sign_in(
        resources.endpoint_url,
        resources.user_pool_client_id,
        "new.rep@acme.example",
        password,
        new_password="A-brand-new-passw0rd",
    )
    assert token
    user = tenants.cognito_user(body["user"]["userId"])
    assert user is not None
    assert {"Name": "custom:tenant_id", "Value": "acme"} in user["UserAttributes"]


def test_an_admin_can_invite_an_admin(tenants: Tenants, client: TestClient[Litestar]) -> None:
    boss = tenants.headers("boss@acme.example")
    response = client.post(
        USERS, json={"email": "cfo@acme.example", "role": "tenant_admin"}, headers=boss
    )
    assert response.json()["user"]["role"] == "tenant_admin"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "not-an-address", "role": "member"}, 400, "invalid_email"),
        ({"email": "a@acme.example", "role": "owner"}, 400, "invalid_role"),
        (
            {"email": "a@acme.example", "role": "member", "tenantId": "globex"},
            400,
            "invalid_request",
        ),
        ({"role": "member"}, 400, "invalid_request"),
    ],
)
def test_invalid_invitations_are_refused(
    tenants: Tenants,
    client: TestClient[Litestar],
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    boss = tenants.headers("boss@acme.example")
    error_of(client.post(USERS, json=body, headers=boss), status, code)
    assert len(client.get(USERS, headers=boss).json()["users"]) == 2


def test_an_address_in_use_is_refused_without_saying_where(
    tenants: Tenants, client: TestClient[Litestar]
) -> None:
    boss = tenants.headers("boss@acme.example")
    elsewhere = client.post(USERS, json={"email": "rep@globex.example"}, headers=boss)
    here = client.post(USERS, json={"email": "rep@acme.example"}, headers=boss)
    assert error_of(elsewhere, 409, "user_exists") == error_of(here, 409, "user_exists")
    # globex's user is untouched and still only in globex.
    user = tenants.cognito_user(tenants.people["rep@globex.example"].user_id)
    assert user is not None
    assert {"Name": "custom:tenant_id", "Value": "globex"} in user["UserAttributes"]


def test_promote_and_demote(tenants: Tenants, client: TestClient[Litestar]) -> None:
    boss = tenants.headers("boss@acme.example")
    rep_id = tenants.people["rep@acme.example"].user_id

    promoted = client.patch(f"{USERS}/{rep_id}", json={"role": "tenant_admin"}, headers=boss)
    assert (promoted.status_code, promoted.json()["role"]) == (200, "tenant_admin")
    assert promoted.json()["userId"] == rep_id
    demoted = client.patch(f"{USERS}/{rep_id}", json={"role": "member"}, headers=boss)
    assert (demoted.status_code, demoted.json()["role"]) == (200, "member")
    error_of(
        client.patch(f"{USERS}/{rep_id}", json={"role": "root"}, headers=boss), 400, "invalid_role"
    )


def test_the_last_admin_can_be_neither_demoted_nor_removed(
    tenants: Tenants, client: TestClient[Litestar]
) -> None:
    boss = tenants.headers("boss@acme.example")
    boss_id = tenants.people["boss@acme.example"].user_id
    rep_id = tenants.people["rep@acme.example"].user_id

    error_of(
        client.patch(f"{USERS}/{boss_id}", json={"role": "member"}, headers=boss), 409, "last_admin"
    )
    error_of(client.delete(f"{USERS}/{boss_id}", headers=boss), 409, "last_admin")
    roles = {u["email"]: u["role"] for u in client.get(USERS, headers=boss).json()["users"]}
    assert roles["boss@acme.example"] == "tenant_admin"

    # With a second admin, the first may step down.
    client.patch(f"{USERS}/{rep_id}", json={"role": "tenant_admin"}, headers=boss)
    stepped_down = client.patch(f"{USERS}/{boss_id}", json={"role": "member"}, headers=boss)
    assert stepped_down.json()["role"] == "member"


def test_remove_deletes_the_account(tenants: Tenants, client: TestClient[Litestar]) -> None:
    boss = tenants.headers("boss@acme.example")
    rep_id = tenants.people["rep@acme.example"].user_id

    assert client.delete(f"{USERS}/{rep_id}", headers=boss).status_code == 204
    assert tenants.cognito_user(rep_id) is None
    emails = [u["email"] for u in client.get(USERS, headers=boss).json()["users"]]
    assert emails == ["boss@acme.example"]
    error_of(client.delete(f"{USERS}/{rep_id}", headers=boss), 404, "user_not_found")


def test_other_tenants_users_answer_404_like_missing_ones_and_stay_untouched(
    tenants: Tenants, client: TestClient[Litestar]
) -> None:
    boss = tenants.headers("boss@acme.example")
    theirs = [tenants.people[e].user_id for e in ("boss@globex.example", "rep@globex.example")]
    missing = [str(uuid.uuid4()), "rep@globex.example", "a.b", "bad%23id", "x" * 65]
    for user_id in theirs + missing:
        messages = {
            error_of(
                client.patch(f"{USERS}/{user_id}", json={"role": "member"}, headers=boss),
                404,
                "user_not_found",
            ),
            error_of(client.delete(f"{USERS}/{user_id}", headers=boss), 404, "user_not_found"),
        }
        assert messages == {"No such user in your organisation."}
    for user_id in theirs:
        assert tenants.cognito_user(user_id) is not None
    globex = client.get(USERS, headers=tenants.headers("boss@globex.example")).json()["users"]
    assert [(u["email"], u["role"]) for u in globex] == [
        ("boss@globex.example", "tenant_admin"),
        ("rep@globex.example", "member"),
    ]


def test_the_openapi_document_lists_the_error_statuses(client: TestClient[Litestar]) -> None:
    paths = client.get("/api/chat/docs/openapi.json").json()["paths"]
    one = paths["/api/tenant/users/{user_id}"]
    assert {"403", "404", "409"} <= set(one["patch"]["responses"])
    assert {"204", "403", "404", "409"} <= set(one["delete"]["responses"])
    assert {"201", "400", "403", "409"} <= set(paths["/api/tenant/users"]["post"]["responses"])


def test_in_the_cloud_cognito_sends_the_invitation_and_no_password_is_returned(
    local_resources: LocalResources,
) -> None:
    cognito = aws_client("cognito-idp", local_resources.endpoint_url)
    cloud = UserDirectory(
        ServicePool(
            local_resources.user_pool_id,
            False,
            cognito,
            aws_client("dynamodb", local_resources.endpoint_url),
            local_resources.tables,
        )
    )
    cloud.ensure_group(group_name("acme", Role.MEMBER))
    invitation = cloud.invite("acme", "mailed@acme.example", Role.MEMBER)
    assert (invitation.created, invitation.temporary_password) == (True, None)


def test_the_api_calls_only_the_cognito_actions_its_role_is_granted(
    tenants: Tenants,
) -> None:
    resources = tenants.harness.resources
    cognito = aws_client("cognito-idp", resources.endpoint_url)
    called: set[str] = set()

    def record(model: Any, **_: Any) -> None:
        called.add(f"cognito-idp:{model.name}")

    cognito.meta.events.register("before-call.cognito-idp.*", record)
    directory = UserDirectory(
        ServicePool(
            resources.user_pool_id,
            True,
            cognito,
            aws_client("dynamodb", resources.endpoint_url),
            resources.tables,
        )
    )
    # Every path the API takes: list, invite, look up, re-role (with the admin rule), remove.
    directory.tenant_members("acme")
    invitation = directory.invite("acme", "temp@acme.example", Role.MEMBER)
    user_id = directory.member_by_email("acme", invitation.email).user_id
    directory.member_by_id("acme", user_id)
    directory.set_role("acme", invitation.email, Role.TENANT_ADMIN)
    directory.set_role("acme", invitation.email, Role.MEMBER)
    directory.remove("acme", invitation.email)

    assert called == set(TENANT_ADMIN_API_ACTIONS)
