"""Plays (decision 0115): the template rules, then the API against moto - who may write what,
what another user or tenant sees (nothing), every refused input with its code, the name locks
(also under a race), a default scope trimmed to what the reader may see, and the use count."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.ids import new_id
from engageiq_chat.plays import routes as play_routes
from engageiq_chat.plays.store import Play, PlayNameTaken, PlayStore
from engageiq_chat.plays.template import (
    MAX_TEMPLATE_CHARS,
    MAX_VARIABLES,
    InvalidTemplate,
    TooManyVariables,
    UnknownVariable,
    clean_template,
    fill,
    template_variables,
)
from engageiq_chat.routing.intents import Intent
from engageiq_chat.storage import DynamoTables
from engageiq_chat.turns.idempotency import body_hash
from engageiq_tenancy import aws
from engageiq_tenancy.context import Role, TenantContext, group_name
from engageiq_tenancy.tenant_credentials import TenantClients
from tests.support.chat import ChatHarness, parse_sse, service_settings
from tests.support.governance import put_collection

# --- the template rules ----------------------------------------------------------------------


def test_variables_are_named_once_in_order_and_braces_are_escaped() -> None:
    template = "Call prep for {account} in {industry}; {account} again. {{not a variable}}"
    assert template_variables(template) == ["account", "industry"]
    assert template_variables("Next {next step} für {Unternehmensgröße} {q3_target}") == [
        "next step",
        "Unternehmensgröße",
        "q3_target",
    ]
    assert template_variables("No variables, only {{ and }}.") == []
    assert (
        fill(template, {"account": "Acme", "industry": "retail"})
        == "Call prep for Acme in retail; Acme again. {not a variable}"
    )


@pytest.mark.parametrize(
    ("template", "found"),
    [
        ("Prep for { account }", "{ account }"),
        ("Prep for {1st account}", "{1st account}"),
        ("Prep for {account  name}", "{account  name}"),
        ("Prep for {account-name}", "{account-name}"),
        ("Prep for {}", "{}"),
        ("Prep for {" + "a" * 41 + "}", "{" + "a" * 41 + "}"),
        ("Prep for {account", "{account"),
        ("Prep for account}", "Prep for account}"),
        ("Prep for {acc{ount}", "{acc{ount}"[:5]),
    ],
)
def test_anything_else_in_braces_is_an_unknown_variable(template: str, found: str) -> None:
    with pytest.raises(UnknownVariable) as refused:
        template_variables(template)
    assert refused.value.code == "unknown_play_variable"
    assert f"'{found}" in refused.value.message
    assert "{name}" in refused.value.message


def test_a_template_keeps_no_control_characters_but_keeps_its_lines() -> None:
    assert clean_template("Call\x00 prep\x1b[31m for {account}\r\n\tthen\x85 send") == (
        "Call prep[31m for {account}\n\tthen send"
    )
    with pytest.raises(InvalidTemplate):
        clean_template("\x00\x07 \x7f")


def test_a_template_has_a_bounded_number_of_variables() -> None:
    at_limit = " ".join(f"{{v{i}}}" for i in range(MAX_VARIABLES))
    assert len(template_variables(at_limit)) == MAX_VARIABLES
    with pytest.raises(TooManyVariables) as refused:
        template_variables(at_limit + " {one more}")
    assert refused.value.code == "too_many_play_variables"


# --- the API ---------------------------------------------------------------------------------


@pytest.fixture
def client(harness: ChatHarness) -> Iterator[TestClient[Litestar]]:
    put_collection(harness.resources, "acme", "playbooks")
    put_collection(harness.resources, "acme", "board", users=["boss", "admin-1"])
    with TestClient(harness.app()) as test_client:
        yield test_client


def admin(
    harness: ChatHarness, user_id: str = "admin-1", tenant_id: str = "acme"
) -> dict[str, str]:
    groups = [group_name(tenant_id, Role.MEMBER), group_name(tenant_id, Role.TENANT_ADMIN)]
    claims = harness.tokens.claims(tenant_id, sub=user_id, cognito__groups=groups)
    return {"Authorization": f"Bearer {harness.tokens.mint(claims)}"}


def create(
    client: TestClient[Litestar], headers: dict[str, str], **body: Any
) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/plays", json=body, headers=headers)
    return response.status_code, response.json()


def library(client: TestClient[Litestar], headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/plays", headers=headers)
    assert response.status_code == 200, response.text
    plays: list[dict[str, Any]] = response.json()["plays"]
    return plays


def error(response: Any) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body["message"]


CALL_PREP = "Call prep for {account} in {industry}"


def test_a_rep_keeps_private_plays_and_sees_the_team_plays_an_admin_publishes(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    rep = harness.headers()
    status, own = create(client, rep, name="My follow-up", template="Follow up on {meeting}")
    assert status == 201, own
    assert own["variables"] == ["meeting"]
    assert (own["shared"], own["owner"], own["uses"], own["scope"], own["intent"]) == (
        False,
        "user-1",
        0,
        None,
        None,
    )
    status, team = create(
        client,
        admin(harness),
        name="Call prep",
        template=CALL_PREP,
        shared=True,
        scope={"collectionIds": ["playbooks", "playbooks"]},
        intent="call_prep",
    )
    assert status == 201, team
    assert team["scope"] == {"collectionIds": ["playbooks"]}
    assert [(p["name"], p["shared"]) for p in library(client, rep)] == [
        ("Call prep", True),
        ("My follow-up", False),
    ]
    # The admin sees the shared play and their own, not the rep's.
    assert [p["name"] for p in library(client, admin(harness))] == ["Call prep"]

    changed = client.patch(
        f"/api/plays/{own['id']}",
        json={
            "template": "Follow-up e-mail after {meeting} with {contact}",
            "intent": "email_draft",
        },
        headers=rep,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["variables"] == ["meeting", "contact"]
    assert changed.json()["intent"] == "email_draft"
    assert changed.json()["name"] == "My follow-up"
    assert client.delete(f"/api/plays/{own['id']}", headers=rep).status_code == 204
    assert [p["name"] for p in library(client, rep)] == ["Call prep"]
    # The name is free again.
    assert create(client, rep, name="my FOLLOW-up", template="x")[0] == 201


def test_only_admins_publish_change_or_delete_shared_plays(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    rep = harness.headers()
    refused = client.post(
        "/api/plays", json={"name": "Team", "template": "x", "shared": True}, headers=rep
    )
    assert error(refused) == (
        403,
        "forbidden",
        "Only an admin of your organisation can publish, change or delete the team's plays.",
    )
    _, own = create(client, rep, name="Mine", template="x")
    publish = client.patch(f"/api/plays/{own['id']}", json={"shared": True}, headers=rep)
    assert error(publish)[:2] == (403, "forbidden")
    _, team = create(client, admin(harness), name="Team", template="x", shared=True)
    for response in (
        client.patch(f"/api/plays/{team['id']}", json={"name": "Ours"}, headers=rep),
        client.delete(f"/api/plays/{team['id']}", headers=rep),
    ):
        assert error(response)[:2] == (403, "forbidden")
    assert [p["name"] for p in library(client, rep)] == ["Mine", "Team"]
    # Another admin may change and delete the team's play.
    other_admin = admin(harness, "admin-2")
    renamed = client.patch(f"/api/plays/{team['id']}", json={"name": "Ours"}, headers=other_admin)
    assert renamed.status_code == 200, renamed.text
    assert client.delete(f"/api/plays/{team['id']}", headers=other_admin).status_code == 204
    assert [p["name"] for p in library(client, rep)] == ["Mine"]


def test_an_admin_publishes_their_own_play_and_takes_one_back(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    boss = admin(harness)
    _, draft = create(client, boss, name="Objections", template="Answer {objection}")
    client.post(f"/api/plays/{draft['id']}/used", headers=boss)
    published = client.patch(f"/api/plays/{draft['id']}", json={"shared": True}, headers=boss)
    assert published.status_code == 200, published.text
    assert [(p["id"], p["shared"], p["uses"]) for p in library(client, harness.headers())] == [
        (draft["id"], True, 1)
    ]
    taken = client.patch(
        f"/api/plays/{draft['id']}", json={"shared": False}, headers=admin(harness, "admin-2")
    )
    assert taken.status_code == 200, taken.text
    assert (taken.json()["owner"], taken.json()["shared"]) == ("admin-2", False)
    assert library(client, harness.headers()) == []
    assert [p["name"] for p in library(client, admin(harness, "admin-2"))] == ["Objections"]


def test_another_users_or_tenants_play_answers_as_one_that_never_existed(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    _, own = create(client, harness.headers(), name="Mine", template="x")
    _, team = create(client, admin(harness), name="Team", template="x", shared=True)
    never = new_id()
    callers = {
        "another user": harness.headers(user_id="user-2"),
        "another tenant's admin": admin(harness, "admin-1", "globex"),
    }
    for who, headers in callers.items():
        targets = [own["id"], never] + ([team["id"]] if "tenant" in who else [])
        for play_id in [*targets, "not a valid id!"]:
            for response in (
                client.patch(f"/api/plays/{play_id}", json={"name": "Taken"}, headers=headers),
                client.delete(f"/api/plays/{play_id}", headers=headers),
                client.post(f"/api/plays/{play_id}/used", headers=headers),
            ):
                assert error(response) == (404, "play_not_found", "No such play."), (who, play_id)
    assert [p["name"] for p in library(client, callers["another user"])] == ["Team"]
    assert library(client, callers["another tenant's admin"]) == []
    assert [p["uses"] for p in library(client, harness.headers())] == [0, 0]


LONG_TEMPLATE = "x" * (MAX_TEMPLATE_CHARS + 1)


@pytest.mark.parametrize(
    ("change", "code", "status"),
    [
        ({"name": "  \u200b "}, "invalid_play_name", 400),
        ({"name": "n" * 81}, "invalid_play_name", 400),
        ({"template": " \n "}, "invalid_play_template", 400),
        ({"template": LONG_TEMPLATE}, "invalid_play_template", 400),
        ({"template": "Prep for {account-name}"}, "unknown_play_variable", 400),
        ({"template": "Prep for {account"}, "unknown_play_variable", 400),
        ({"scope": {"collectionIds": ["nope"]}}, "unknown_scope", 400),
        # A collection the rep may not see answers as one that does not exist.
        ({"scope": {"collectionIds": ["board"]}}, "unknown_scope", 400),
        ({"scope": {"fileIds": ["f-1"]}}, "invalid_request", 400),
        ({"intent": "poetry"}, "invalid_request", 400),
        ({"owner": "someone"}, "invalid_request", 400),
        ({"name": "TAKEN"}, "play_name_taken", 409),
        # The team's plays count too, compared ignoring case and runs of spaces.
        ({"name": "team  PLAY"}, "play_name_taken", 409),
    ],
)
def test_bad_input_is_refused_with_its_code_and_changes_nothing(
    harness: ChatHarness,
    client: TestClient[Litestar],
    change: dict[str, Any],
    code: str,
    status: int,
) -> None:
    rep = harness.headers()
    create(client, rep, name="taken", template="Prep for {account}")
    _, mine = create(client, rep, name="Mine", template="Prep for {account}")
    create(client, admin(harness), name="Team play", template="x", shared=True)
    before = library(client, rep)
    body = {"name": "New", "template": "x", **change}
    created = client.post("/api/plays", json=body, headers=rep)
    assert error(created)[:2] == (status, code), created.text
    patched = client.patch(f"/api/plays/{mine['id']}", json=change, headers=rep)
    assert error(patched)[:2] == (status, code), patched.text
    assert library(client, rep) == before


def test_a_shared_plays_scope_shows_only_the_collections_the_reader_may_see(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    scope = {"collectionIds": ["board", "playbooks"]}
    status, team = create(
        client, admin(harness), name="Board prep", template="x", shared=True, scope=scope
    )
    assert (status, team["scope"]) == (201, scope)
    assert [p["scope"] for p in library(client, harness.headers())] == [
        {"collectionIds": ["playbooks"]}
    ]
    assert [p["scope"] for p in library(client, harness.headers(user_id="boss"))] == [scope]
    cleared = client.patch(f"/api/plays/{team['id']}", json={"scope": None}, headers=admin(harness))
    assert cleared.json()["scope"] is None
    assert [p["scope"] for p in library(client, admin(harness))] == [None]


def test_each_use_is_counted_for_everyone_to_see(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    _, team = create(client, admin(harness), name="Call prep", template=CALL_PREP, shared=True)
    for user in ("user-1", "user-2", "user-1"):
        used = client.post(f"/api/plays/{team['id']}/used", headers=harness.headers(user_id=user))
        assert used.status_code == 204, used.text
    assert [p["uses"] for p in library(client, admin(harness))] == [3]
    # A change keeps the count.
    client.patch(f"/api/plays/{team['id']}", json={"name": "Call prep v2"}, headers=admin(harness))
    assert [(p["name"], p["uses"]) for p in library(client, admin(harness))] == [
        ("Call prep v2", 3)
    ]


def test_two_plays_created_at_once_with_one_name_leave_exactly_one(harness: ChatHarness) -> None:
    settings = service_settings(harness.resources)
    tables = DynamoTables(
        TenantClients.from_settings(settings, "chat", names=("dynamodb",)),
        aws.client("dynamodb", settings),
        conversations=settings.table("conversations"),
        usage=settings.table("usage"),
        tenants=settings.table("tenants"),
    )
    store = PlayStore(tables)
    boss = TenantContext("acme", "admin-1", "admin-1", frozenset({Role.MEMBER, Role.TENANT_ADMIN}))

    def play(name: str) -> Play:
        return Play(
            id=new_id(),
            name=name,
            template="x",
            shared=True,
            variables=[],
            owner="admin-1",
            created_at="2026-12-06T08:00:00.000000Z",
            updated_at="2026-12-06T08:00:00.000000Z",
        )

    async def race() -> list[BaseException | None]:
        return await asyncio.gather(
            *(store.create(boss, play(n)) for n in ("Call prep", "CALL PREP", "call  prep")),
            return_exceptions=True,
        )

    outcomes = asyncio.run(race())
    assert sorted(type(o).__name__ for o in outcomes) == [
        "NoneType",
        "PlayNameTaken",
        "PlayNameTaken",
    ]
    assert all(o is None or isinstance(o, PlayNameTaken) for o in outcomes)
    assert len(asyncio.run(store.library(boss))) == 1


def test_a_plays_intent_sent_with_the_question_is_the_turns_route(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    question = "What does the Pro plan cost per seat?"
    routes = []
    for extra in ({}, {"intent": "email_draft"}):
        answer = client.post(
            "/api/chat", json={"message": question, **extra}, headers=harness.headers()
        )
        assert answer.status_code == 200, answer.text
        meta = next(e.data for e in parse_sse(answer.text)[0] if e.event == "meta")
        routes.append(meta["route"])
    assert routes == ["product_question", "email_draft"]
    refused = client.post(
        "/api/chat", json={"message": question, "intent": "poetry"}, headers=harness.headers()
    )
    assert error(refused)[:2] == (400, "invalid_request")
    # A repeat of the question under the same Idempotency-Key must ask for the same route.
    assert body_hash(question, None) != body_hash(question, None, None, Intent.EMAIL_DRAFT)
    assert body_hash(question, None, None, None) == body_hash(question, None)


def test_a_library_has_a_bounded_number_of_plays(
    harness: ChatHarness, client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(play_routes, "MAX_PLAYS", 2)
    rep = harness.headers()
    for name in ("One", "Two"):
        assert create(client, rep, name=name, template="x")[0] == 201
    refused = client.post("/api/plays", json={"name": "Three", "template": "x"}, headers=rep)
    assert error(refused) == (
        409,
        "too_many_plays",
        "There are already 2 plays here; delete one you no longer use first.",
    )
    # The team's plays and another rep's are counted apart.
    assert create(client, admin(harness), name="Three", template="x", shared=True)[0] == 201
    assert create(client, harness.headers(user_id="user-2"), name="Four", template="x")[0] == 201


def test_a_play_deleted_as_read_before_a_rename_frees_its_new_name(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    """A delete racing a rename: the delete read the play under its old name, the rename moved
    its lock to the new one. The play goes with the lock it holds now, so the new name is
    free again (it was taken for good by a lock of no play)."""
    settings = service_settings(harness.resources)
    tables = DynamoTables(
        TenantClients.from_settings(settings, "chat", names=("dynamodb",)),
        aws.client("dynamodb", settings),
        conversations=settings.table("conversations"),
        usage=settings.table("usage"),
        tenants=settings.table("tenants"),
    )
    store = PlayStore(tables)
    rep = TenantContext("acme", "rep-1", "rep-1", frozenset({Role.MEMBER}))
    headers = harness.headers("acme", "rep-1")
    status, made = create(client, headers, name="Alpha", template="x")
    assert status == 201, made
    read = asyncio.run(store.get(rep, made["id"]))
    assert read is not None
    renamed = client.patch(f"/api/plays/{made['id']}", json={"name": "Beta"}, headers=headers)
    assert renamed.status_code == 200, renamed.text

    assert asyncio.run(store.delete(rep, read)) is True

    assert library(client, headers) == []
    status, again = create(client, headers, name="Beta", template="y")
    assert status == 201, again
