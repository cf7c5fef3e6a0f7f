"""Isolation by property: a hypothesis state machine over three fresh tenants, each with an
admin and a member (and whoever the admins invite), against the whole local platform - the
edge, both services, Cognito, DynamoDB and S3 of moto - with real Cognito ID tokens.

Every person chats, renames, deletes and reads conversations, rates answers, uploads files and
new versions, restores and deletes them, completes direct uploads, searches, changes branding
and manages users, in any order; and every step also tries the same thing on ids that belong
to another tenant or to another person's conversation. Files are put into collections whose
audiences admit some of their tenant's people and not others (the second wall, decision 0111),
audiences widen, collections open or go. The invariant, checked at every step: no response
returns, changes, deletes or reveals the existence of another tenant's data, of another user's
conversation, or of a file the caller's audiences hide. Concretely:

- listings (conversations, files, users) hold exactly what the model says the caller may see;
- an id of another tenant, of a colleague's conversation, or of a file hidden from the caller
  answers exactly like an id that never existed (same status, `code` and `message`);
- a refused change leaves the owner's view as it was (checked through the owner);
- search, chat answers, citations and usage figures only ever name the caller's own tenant's
  files, and search only files the caller may see;
- an audience change is honoured within 10 s (the services keep a tenant's view 5 s);
- a removed user's token is refused everywhere, a demoted admin's token keeps only `member`.

Ingestion runs in the background: between `settle` steps a file may be `pending`,
`processing` or `ready`; `settle` waits for all and then checks search and versions exactly.

CI runs a fixed, derandomized sample (`ENGAGEIQ_ISOLATION_PROFILE=ci`, the default);
`ENGAGEIQ_ISOLATION_EXAMPLES=500` (and optionally `ENGAGEIQ_ISOLATION_STEPS`) runs a heavier,
random one (`scripts/isolation-heavy`). The rules run are counted and written to
`tests/artifacts/isolation/<profile>.json` and printed at the end."""

from __future__ import annotations

import json
import os
import re
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from engageiq.local.aws import aws_client
from engageiq_chat.ids import new_id
from engageiq_files.catalog.records import new_file_id
from engageiq_tenancy.governance import VIEW_TTL_SECONDS
from tests.integration.conftest import DevPlatform
from tests.integration.test_local_platform import resources_of
from tests.support.chat import parse_sse
from tests.support.collections import CollectionWriter
from tests.support.isolation import (
    Accounts,
    Edge,
    FreshTenants,
    Person,
    refusal,
    wait_for_new_token_second,
)

pytestmark = pytest.mark.integration

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "isolation"
TOPICS = ("pricing", "renewal", "objection")
COLORS = ("#112233", "#445566", "#778899", "#0b7a75")
SETTLE_SECONDS = 60.0
OWNER = "(owner)"
MARKER = re.compile(r"mk[0-9a-f]{8}")
WALLED = ("other-tenant", "outside-audience")
"""Relations in which a file must answer exactly like a missing id."""
AUDIENCE_BOUND_SECONDS = 10.0


@dataclass
class FileModel:
    id: str
    tenant: str
    uploader: str
    document: str
    marker: str
    content: bytes
    awaiting: bool = False
    deleted: bool = False
    collections: list[str] = field(default_factory=list)


@dataclass
class CollectionModel:
    """A collection as the model knows it: `users` None is open to the whole tenant."""

    id: str
    tenant: str
    users: set[str] | None
    deleted: bool = False


@dataclass
class ConversationModel:
    id: str
    tenant: str
    owner: str
    messages: int
    answers: list[str]
    feedback: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    deleted: bool = False


@dataclass
class Tally:
    """What the runs did: every rule, and every probe by whose id it used."""

    rules: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    """Time per rule, its invariant check included."""
    probes: Counter[str] = field(default_factory=Counter)
    examples: int = 0
    steps: int = 0
    longest: int = 0

    def report(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "steps": self.steps,
            "longestExample": self.longest,
            "rules": dict(sorted(self.rules.items())),
            "secondsByRule": {k: round(v, 1) for k, v in sorted(self.seconds.items())},
            "probes": dict(sorted(self.probes.items())),
        }


def profile() -> tuple[str, settings]:
    """The CI sample (fixed, derandomized) unless ENGAGEIQ_ISOLATION_EXAMPLES asks for more."""
    examples = os.environ.get("ENGAGEIQ_ISOLATION_EXAMPLES")
    steps = int(os.environ.get("ENGAGEIQ_ISOLATION_STEPS", "40"))
    common: dict[str, Any] = {
        "deadline": None,
        "database": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    }
    if examples:
        return "heavy", settings(
            max_examples=int(examples), stateful_step_count=steps, derandomize=False, **common
        )
    # In CI, no shrinking: against a live platform it takes minutes, and the failing steps
    # are printed as they ran (the heavy run shrinks).
    return "ci", settings(
        # Hypothesis enables a random subset of the rules in each example (swarm testing):
        # many short examples cover more kinds of sequences than a few long ones.
        max_examples=15,
        stateful_step_count=14,
        derandomize=True,
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
        **common,
    )


def make_machine(
    accounts: Accounts,
    tenants: FreshTenants,
    edge: Edge,
    tally: Tally,
    writer: CollectionWriter,
) -> type[RuleBasedStateMachine]:

    class Isolation(RuleBasedStateMachine):
        people = Bundle("people")
        conversations = Bundle("conversations")
        files = Bundle("files")
        collections = Bundle("collections")
        # Most draws pair a person with someone else's item; OWNER makes the owner act too.
        actor_or_owner = st.one_of(people, st.just(OWNER))

        def __init__(self) -> None:
            super().__init__()
            self.tenants: list[str] = []
            self.people_by_key: dict[str, Person] = {}
            self.conversations_by_id: dict[str, ConversationModel] = {}
            self.files_by_id: dict[str, FileModel] = {}
            self.collections_by_id: dict[str, CollectionModel] = {}
            self.branding: dict[str, str | None] = {}
            self.turns: Counter[str] = Counter()
            self.month = time.strftime("%Y-%m", time.gmtime())
            self.last: str | None = None
            self.unsettled = False
            self.running: tuple[str, float] | None = None
            self.invited = 0
            tally.examples += 1
            self.steps = 0

        # --- helpers ------------------------------------------------------------------

        def step(self, name: str, actor: Person | None = None) -> None:
            now = time.monotonic()
            if self.running is not None:
                tally.seconds[self.running[0]] += now - self.running[1]
            self.running = (name, now)
            tally.rules[name] += 1
            tally.steps += 1
            self.steps += 1
            tally.longest = max(tally.longest, self.steps)
            self.last = actor.key if actor else None

        def probe(
            self,
            name: str,
            actor: Person,
            tenant: str,
            owner: str | None = None,
            file: FileModel | None = None,
        ) -> str:
            """Name the relation of `actor` to data of `tenant` (and of user `owner`, or to
            `file`, which the actor's audiences may hide)."""
            if actor.removed:
                relation = "removed-caller"
            elif actor.tenant != tenant:
                relation = "other-tenant"
            elif file is not None and not file.deleted and not self.sees(actor, file):
                relation = "outside-audience"
            elif owner is not None and owner != actor.user_id:
                relation = "colleague"
            else:
                relation = "own"
            tally.probes[f"{name}:{relation}"] += 1
            return relation

        def revoked(self, response: httpx.Response) -> None:
            assert refusal(response)[:2] == (401, "token_revoked"), response.text

        def like_missing(
            self,
            response: httpx.Response,
            actor: Person,
            method: str,
            path: str,
            status: int,
            code: str,
            **kwargs: Any,
        ) -> None:
            """`response` (to an id the actor may not know) says exactly what an id that never
            existed says: same status, code and message."""
            missing = edge.call(actor, method, path, **kwargs)
            assert refusal(response) == refusal(missing), (response.text, missing.text)
            assert refusal(response)[:2] == (status, code), response.text

        def person(self, key: str) -> Person:
            return self.people_by_key[key]

        def acting(self, actor: str, tenant: str, owner: str) -> Person:
            """The person drawn, or for OWNER the item's owner (its author or uploader) if
            still signed in, else an admin of its tenant, else anyone left there."""
            if actor != OWNER:
                return self.person(actor)
            live = self.tenant_people(tenant)
            mine = [p for p in live if p.user_id == owner]
            admins = [p for p in live if p.acts_as_admin]
            return (mine or admins or live or list(self.people_by_key.values()))[0]

        def tenant_people(self, tenant: str) -> list[Person]:
            return [p for p in self.people_by_key.values() if p.tenant == tenant and not p.removed]

        def admins(self, tenant: str) -> list[Person]:
            return [p for p in self.tenant_people(tenant) if p.admin_now]

        def live_files(self, tenant: str) -> dict[str, FileModel]:
            return {
                f.id: f for f in self.files_by_id.values() if f.tenant == tenant and not f.deleted
            }

        def sees(self, actor: Person, file: FileModel) -> bool:
            """The audience rule: in the file's tenant, and every restricted collection of the
            file (of that tenant, not deleted) admits the actor; admins are admitted to all."""
            if actor.removed or actor.tenant != file.tenant:
                return False
            if actor.acts_as_admin:
                return True
            for cid in file.collections:
                c = self.collections_by_id.get(cid)
                if c is None or c.deleted or c.tenant != file.tenant or c.users is None:
                    continue
                if actor.user_id not in c.users:
                    return False
            return True

        def visible_files(self, actor: Person) -> dict[str, FileModel]:
            return {
                fid: f for fid, f in self.live_files(actor.tenant).items() if self.sees(actor, f)
            }

        def markers_hidden_from(self, actor: Person) -> set[str]:
            """Markers of every file the actor may not see (other tenants' and hidden)."""
            return {f.marker for f in self.files_by_id.values() if not self.sees(actor, f)}

        def viewer(self, tenant: str) -> Person | None:
            """Someone who sees all of the tenant's files if possible (an admin)."""
            live = self.tenant_people(tenant)
            return next((p for p in live if p.acts_as_admin), next(iter(live), None))

        def visibility(self, tenant: str) -> dict[tuple[str, str], bool]:
            return {
                (p.key, f.id): self.sees(p, f)
                for p in self.tenant_people(tenant)
                for f in self.live_files(tenant).values()
            }

        def governance_changed(
            self,
            tenant: str,
            before: dict[tuple[str, str], bool],
            written: float,
            *,
            membership: bool = False,
        ) -> None:
            """After one write that changes who sees what (`written`: when, monotonic): the
            change must show within AUDIENCE_BOUND_SECONDS. Once one person's view of one file
            has changed, the service's view of the tenant was read after the write, so every
            other check sees it too. A file's own membership (`membership`) is read from its
            record at once by the routes that take its id, but search excludes by the cached
            view: wait until that has been read again."""
            if membership:
                time.sleep(max(0.0, written + VIEW_TTL_SECONDS + 0.2 - time.monotonic()))
            after = self.visibility(tenant)
            flipped = [k for k, v in after.items() if k in before and before[k] != v]
            if flipped:
                key, fid = flipped[0]
                person, expected = self.person(key), after[(key, fid)]
                tally.rules["audience_change_seen"] += 1
                while (
                    edge.call(person, "GET", f"/api/files/{fid}").status_code == 200
                ) != expected:
                    waited = time.monotonic() - written
                    assert waited < AUDIENCE_BOUND_SECONDS, (key, fid, expected)
                    time.sleep(0.1)
            # Whoever gained or lost a file: every read path of it agrees.
            for key, fid in flipped[:4]:
                self.check_reads(self.person(key), self.files_by_id[fid])
            # The chat service keeps its own view: wait until it has read it again.
            time.sleep(max(0.0, written + VIEW_TTL_SECONDS + 0.2 - time.monotonic()))

        def check_reads(self, actor: Person, f: FileModel) -> None:
            """Every read path of one file of the actor's tenant, as the model says: a file
            hidden from the actor answers like a missing id (details and download URL, content,
            passages, a search scope) and is neither listed nor found."""
            if self.probe("read_paths", actor, f.tenant, file=f) == "removed-caller":
                return
            visible = self.sees(actor, f) and not f.deleted
            missing = new_file_id()
            for place in ("", "/content", "/passages"):
                response = edge.call(actor, "GET", f"/api/files/{f.id}{place}")
                if not visible:
                    path = f"/api/files/{missing}{place}"
                    self.like_missing(response, actor, "GET", path, 404, "file_not_found")
                elif place == "/content" and f.awaiting:
                    assert refusal(response)[:2] == (409, "upload_not_completed"), response.text
                else:
                    assert response.status_code == 200, (place, response.text)
            listed = edge.pages(actor, "/api/files", "files", limit=7)
            seen = {x["id"] for x in listed} | {
                v["id"] for x in listed for v in x.get("versions", [])
            }
            if not visible:
                assert f.id not in seen, (actor.key, f.id)
            params: dict[str, Any] = {"q": f.marker, "limit": 50}
            hits = edge.call(actor, "GET", "/api/files/search", params=params).json()["results"]
            if not visible:
                assert f.id not in {h["fileId"] for h in hits}, (actor.key, hits)
                assert f.marker not in " ".join(h["text"] for h in hits)
            scoped = edge.call(actor, "GET", "/api/files/search", params={**params, "fileId": f.id})
            if visible:
                assert scoped.status_code == 200, scoped.text
            else:
                unknown = edge.call(
                    actor, "GET", "/api/files/search", params={**params, "fileId": missing}
                )
                assert refusal(scoped) == refusal(unknown), scoped.text

        def may_change(self, actor: Person, file: FileModel) -> bool:
            return actor.acts_as_admin or file.uploader == actor.user_id

        def visible_conversations(self, actor: Person) -> set[str]:
            return {
                c.id
                for c in self.conversations_by_id.values()
                if c.tenant == actor.tenant and c.owner == actor.user_id and not c.deleted
            }

        def markers_of_other_tenants(self, tenant: str) -> set[str]:
            return {f.marker for f in self.files_by_id.values() if f.tenant != tenant}

        def check_file_listing(self, actor: Person) -> list[dict[str, Any]]:
            """The listing never shows a file the actor may not see, and shows every one they
            may, except that a version is listed only under its current version: where the
            current version is hidden (a document whose versions are in different collections)
            the others are not listed."""
            listed = edge.pages(actor, "/api/files", "files", limit=7)
            live = self.live_files(actor.tenant)
            visible = self.visible_files(actor)
            seen: set[str] = set()
            for f in listed:
                seen.add(f["id"])
                seen.update(v["id"] for v in f.get("versions", []))
            assert seen <= set(visible), (actor.key, sorted(seen - set(visible)))
            whole = {
                fid
                for fid, f in visible.items()
                if all(self.sees(actor, v) for v in live.values() if v.document == f.document)
            }
            assert whole <= seen, (actor.key, sorted(seen), sorted(whole))
            for f in listed:
                document = live[f["id"]].document
                assert {live[v["id"]].document for v in f.get("versions", [])} <= {document}
            return listed

        def check_answer(self, actor: Person, events: list[Any]) -> None:
            """A chat answer names only the caller's tenant's files and data."""
            own = self.live_files(actor.tenant)
            text = "".join(e.data["text"] for e in events if e.event == "delta")
            # The offline responder repeats the question; the rest must quote own files only.
            quoted = "\n".join(line for line in text.split("\n") if "You asked:" not in line)
            leaked = set(MARKER.findall(quoted)) & self.markers_of_other_tenants(actor.tenant)
            assert not leaked, (actor.key, quoted)
            hidden = set(MARKER.findall(quoted)) & self.markers_hidden_from(actor)
            assert not hidden, (actor.key, quoted)
            own = self.visible_files(actor)
            for e in events:
                if e.event == "citation":
                    assert e.data["sourceId"] in own, (actor.key, e.data)
            others = {f.id for f in self.files_by_id.values() if f.tenant != actor.tenant}
            assert not any(fid in quoted for fid in others), quoted

        def chat(self, actor: Person, message: str, conversation_id: str | None) -> httpx.Response:
            body: dict[str, Any] = {"message": message}
            if conversation_id:
                body["conversationId"] = conversation_id
            return edge.call(actor, "POST", "/api/chat", json=body)

        def history(self, actor: Person, cid: str) -> list[dict[str, Any]]:
            messages: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                params: dict[str, Any] = {"conversationId": cid, "limit": 3}
                if cursor:
                    params["cursor"] = cursor
                response = edge.call(actor, "GET", "/api/chat-history", params=params)
                assert response.status_code == 200, response.text
                body = response.json()
                messages = body["messages"] + messages
                cursor = body["nextCursor"]
                if not cursor:
                    return messages

        def check_conversation_by_owner(self, conversation: ConversationModel) -> None:
            """The owner (if still signed in) sees the conversation as the model says."""
            owner = next(
                (
                    p
                    for p in self.people_by_key.values()
                    if p.user_id == conversation.owner and not p.removed
                ),
                None,
            )
            if owner is None:
                return  # nobody can see it any more; the model still keeps it hidden
            if conversation.deleted:
                gone = edge.call(
                    owner,
                    "GET",
                    "/api/chat-history",
                    params={"conversationId": conversation.id},
                )
                assert refusal(gone)[:2] == (404, "conversation_not_found")
                return
            messages = self.history(owner, conversation.id)
            assert len(messages) == conversation.messages, (conversation, messages)
            ratings = {
                m["id"]: m["feedback"]["rating"] for m in messages if m.get("feedback") is not None
            }
            assert ratings == conversation.feedback
            if conversation.title is not None:
                listed = {
                    c["id"]: c
                    for c in edge.pages(owner, "/api/conversations", "conversations", limit=10)
                }
                assert listed[conversation.id]["title"] == conversation.title

        def check_file_by_owner(self, file: FileModel) -> None:
            """A file's tenant still sees it (or its absence) as the model says."""
            owner = self.viewer(file.tenant)
            if owner is None:
                return
            response = edge.call(owner, "GET", f"/api/files/{file.id}")
            if file.deleted or not self.sees(owner, file):
                assert refusal(response)[:2] == (404, "file_not_found")
                return
            assert response.status_code == 200, response.text
            live = self.visible_files(owner)
            versions = {v["id"] for v in response.json().get("versions", [])}
            expected = {f.id for f in live.values() if f.document == file.document}
            # Versions are listed once a document has had more than one.
            assert versions in (expected, set()), (versions, expected)
            assert versions or len(expected) == 1, (versions, expected)

        def new_file(self, actor: Person, response: httpx.Response, **fields: Any) -> str:
            self.unsettled = True
            body = response.json()
            fid = str(body["id"])
            self.files_by_id[fid] = FileModel(
                id=fid,
                tenant=actor.tenant,
                uploader=actor.user_id,
                document=fields.pop("document", fid),
                # A new version may inherit the collections of the one it replaces.
                collections=writer.collections_of(actor.tenant, fid),
                **fields,
            )
            return fid

        def content(self, topic: str) -> tuple[str, bytes]:
            marker = f"mk{uuid.uuid4().hex[:8]}"
            text = f"The {topic} note {marker} says the plan costs {len(marker)} EUR per seat.\n"
            return marker, text.encode()

        # --- set-up -------------------------------------------------------------------

        @initialize(target=people)
        def three_tenants(self) -> Any:
            self.step("three_tenants")
            keys = []
            for n, (admin, member) in enumerate(tenants.take()):
                self.tenants.append(admin.tenant)
                self.branding[admin.tenant] = None
                for p in (admin, member):
                    p.key = f"t{n}.{p.key.rsplit('.', 1)[1]}"
                    self.people_by_key[p.key] = p
                    keys.append(p.key)
            return multiple(*keys)

        # --- chat ---------------------------------------------------------------------

        @rule(target=conversations, actor=people, topic=st.sampled_from(TOPICS))
        def start_conversation(self, actor: str, topic: str) -> Any:
            a = self.person(actor)
            self.step("start_conversation", a)
            question = f"What does our {topic} note say?"
            return self._start(a, question)

        @rule(target=conversations, actor=people, about=files)
        def ask_about_a_file(self, actor: str, about: str) -> Any:
            """Asks for a file's own words: only its tenant may get them back."""
            a = self.person(actor)
            file = self.files_by_id[about]
            self.step("ask_about_a_file", a)
            self.probe("ask_about_a_file", a, file.tenant)
            return self._start(a, f"What does the note {file.marker} say about the plan?")

        def _start(self, a: Person, question: str) -> Any:
            response = self.chat(a, question, None)
            if a.removed:
                self.revoked(response)
                return multiple()
            assert response.status_code == 200, response.text
            events, _ = parse_sse(response.text)
            meta = events[0].data
            self.check_answer(a, events)
            assert events[-1].event == "done", events[-1]
            cid = str(meta["conversationId"])
            self.turns[a.tenant] += 1
            self.conversations_by_id[cid] = ConversationModel(
                cid, a.tenant, a.user_id, 2, [str(meta["assistantMessageId"])]
            )
            return cid

        @rule(actor=actor_or_owner, conversation=conversations, about=files)
        def follow_up(self, actor: str, conversation: str, about: str) -> None:
            c = self.conversations_by_id[conversation]
            a = self.acting(actor, c.tenant, c.owner)
            file = self.files_by_id[about]
            self.step("follow_up", a)
            relation = self.probe("follow_up", a, c.tenant, c.owner)
            question = f"And what about {file.marker}?"
            response = self.chat(a, question, c.id)
            if relation == "removed-caller":
                self.revoked(response)
            elif relation == "own" and not c.deleted:
                assert response.status_code == 200, response.text
                events, _ = parse_sse(response.text)
                self.check_answer(a, events)
                assert events[0].data["conversationId"] == c.id
                c.messages += 2
                c.answers.append(str(events[0].data["assistantMessageId"]))
                self.turns[a.tenant] += 1
            else:
                self.like_missing(
                    response,
                    a,
                    "POST",
                    "/api/chat",
                    404,
                    "conversation_not_found",
                    json={"message": question, "conversationId": new_id()},
                )
                self.check_conversation_by_owner(c)

        @rule(
            actor=actor_or_owner,
            conversation=conversations,
            title=st.text("abc xyz", min_size=1, max_size=10).filter(str.strip),
        )
        def rename(self, actor: str, conversation: str, title: str) -> None:
            c = self.conversations_by_id[conversation]
            a = self.acting(actor, c.tenant, c.owner)
            self.step("rename", a)
            relation = self.probe("rename", a, c.tenant, c.owner)
            path = f"/api/conversations/{c.id}"
            response = edge.call(a, "PATCH", path, json={"title": title})
            if relation == "removed-caller":
                self.revoked(response)
            elif relation == "own" and not c.deleted:
                assert response.status_code == 200, response.text
                c.title = " ".join(title.split())
                assert response.json()["title"] == c.title
            else:
                self.like_missing(
                    response,
                    a,
                    "PATCH",
                    f"/api/conversations/{new_id()}",
                    404,
                    "conversation_not_found",
                    json={"title": title},
                )
                self.check_conversation_by_owner(c)

        @rule(actor=actor_or_owner, conversation=conversations)
        def delete_conversation(self, actor: str, conversation: str) -> None:
            c = self.conversations_by_id[conversation]
            a = self.acting(actor, c.tenant, c.owner)
            self.step("delete_conversation", a)
            relation = self.probe("delete_conversation", a, c.tenant, c.owner)
            response = edge.call(a, "DELETE", f"/api/conversations/{c.id}")
            if relation == "removed-caller":
                self.revoked(response)
            elif relation == "own" and not c.deleted:
                assert response.status_code == 204, response.text
                c.deleted = True
            else:
                self.like_missing(
                    response,
                    a,
                    "DELETE",
                    f"/api/conversations/{new_id()}",
                    404,
                    "conversation_not_found",
                )
                self.check_conversation_by_owner(c)

        @rule(actor=actor_or_owner, conversation=conversations)
        def read_history(self, actor: str, conversation: str) -> None:
            c = self.conversations_by_id[conversation]
            a = self.acting(actor, c.tenant, c.owner)
            self.step("read_history", a)
            relation = self.probe("read_history", a, c.tenant, c.owner)
            params = {"conversationId": c.id}
            if relation == "removed-caller":
                self.revoked(edge.call(a, "GET", "/api/chat-history", params=params))
            elif relation == "own" and not c.deleted:
                self.check_conversation_by_owner(c)
            else:
                response = edge.call(a, "GET", "/api/chat-history", params=params)
                self.like_missing(
                    response,
                    a,
                    "GET",
                    "/api/chat-history",
                    404,
                    "conversation_not_found",
                    params={"conversationId": new_id()},
                )

        @rule(
            actor=actor_or_owner,
            conversation=conversations,
            answer_of=conversations,
            rating=st.sampled_from(["up", "down"]),
        )
        def rate_answer(self, actor: str, conversation: str, answer_of: str, rating: str) -> None:
            """Feedback on `conversation`, naming the last answer of `answer_of` (the same
            conversation, or a mismatched one: another's answer must not be reachable)."""
            c = self.conversations_by_id[conversation]
            a = self.acting(actor, c.tenant, c.owner)
            source = self.conversations_by_id[answer_of]
            message = source.answers[-1]
            self.step("rate_answer", a)
            relation = self.probe("rate_answer", a, c.tenant, c.owner)
            if source.id != c.id:
                self.probe("rate_answer_of_another_conversation", a, source.tenant, source.owner)
            path = f"/api/conversations/{c.id}/messages/{message}/feedback"
            response = edge.call(a, "PUT", path, json={"rating": rating})
            if relation == "removed-caller":
                self.revoked(response)
            elif relation == "own" and not c.deleted and source.id == c.id:
                assert response.status_code == 200, response.text
                c.feedback[message] = rating
            else:
                self.like_missing(
                    response,
                    a,
                    "PUT",
                    f"/api/conversations/{c.id}/messages/{new_id()}/feedback",
                    404,
                    "message_not_found",
                    json={"rating": rating},
                )
                self.check_conversation_by_owner(c)
                self.check_conversation_by_owner(source)

        @rule(actor=actor_or_owner, conversation=conversations)
        def withdraw_rating(self, actor: str, conversation: str) -> None:
            c = self.conversations_by_id[conversation]
            a = self.acting(actor, c.tenant, c.owner)
            message = c.answers[-1]
            self.step("withdraw_rating", a)
            relation = self.probe("withdraw_rating", a, c.tenant, c.owner)
            path = f"/api/conversations/{c.id}/messages/{message}/feedback"
            response = edge.call(a, "DELETE", path)
            if relation == "removed-caller":
                self.revoked(response)
            elif relation == "own" and not c.deleted:
                assert response.status_code == 204, response.text
                c.feedback.pop(message, None)
            else:
                self.like_missing(
                    response,
                    a,
                    "DELETE",
                    f"/api/conversations/{new_id()}/messages/{message}/feedback",
                    404,
                    "message_not_found",
                )
                self.check_conversation_by_owner(c)

        @rule(actor=actor_or_owner, conversation=conversations, stop=st.booleans())
        def resume_or_stop_answer(self, actor: str, conversation: str, stop: bool) -> None:
            """An answer followed again (or stopped) by id (decision 0114): only its owner
            reaches it; for anyone else it is a message that never existed."""
            c = self.conversations_by_id[conversation]
            a = self.acting(actor, c.tenant, c.owner)
            message = c.answers[-1]
            name = "stop_answer" if stop else "resume_answer"
            self.step(name, a)
            relation = self.probe(name, a, c.tenant, c.owner)
            path, method, body = (
                ("/api/chat/stop", "POST", {"conversationId": c.id, "messageId": message})
                if stop
                else (f"/api/conversations/{c.id}/messages/{message}/stream", "GET", None)
            )
            response = edge.call(a, method, path, **({"json": body} if body else {}))
            if relation == "removed-caller":
                self.revoked(response)
            elif relation == "own" and not c.deleted:
                # Its answers are finished here: nothing to stop, the stored answer to follow.
                assert response.status_code == (204 if stop else 200), response.text
                assert stop or "event: done" in response.text, response.text
            else:
                missing = {"conversationId": c.id, "messageId": new_id()}
                never = f"/api/conversations/{c.id}/messages/{new_id()}/stream"
                self.like_missing(
                    response,
                    a,
                    method,
                    "/api/chat/stop" if stop else never,
                    404,
                    "message_not_found",
                    **({"json": missing} if stop else {}),
                )

        @rule(actor=people, other=people)
        def use_anothers_cursor(self, actor: str, other: str) -> None:
            """A listing cursor is bound to whoever it was issued to."""
            a, o = self.person(actor), self.person(other)
            self.step("use_anothers_cursor", a)
            if a.removed or o.removed or a.key == o.key:
                return
            self.probe("use_anothers_cursor", a, o.tenant, o.user_id)
            for path, key in (("/api/conversations", "conversations"), ("/api/files", "files")):
                page = edge.call(o, "GET", path, params={"limit": 1})
                cursor = page.json().get("nextCursor")
                if not cursor:
                    continue
                response = edge.call(a, "GET", path, params={"limit": 1, "cursor": cursor})
                # Bound to the caller even within the tenant (decision 0057).
                assert refusal(response)[:2] == (400, "invalid_cursor"), (key, response.text)

        # --- files --------------------------------------------------------------------

        @rule(target=files, actor=people, topic=st.sampled_from(TOPICS))
        def upload(self, actor: str, topic: str) -> Any:
            a = self.person(actor)
            self.step("upload", a)
            marker, data = self.content(topic)
            response = edge.call(
                a,
                "POST",
                "/api/upload-file",
                files={"file": (f"{topic}-{marker}.txt", data, "text/plain")},
            )
            if a.removed:
                self.revoked(response)
                return multiple()
            assert response.status_code == 201, response.text
            return self.new_file(a, response, marker=marker, content=data)

        @rule(target=files, actor=actor_or_owner, file=files, topic=st.sampled_from(TOPICS))
        def upload_new_version(self, actor: str, file: str, topic: str) -> Any:
            f = self.files_by_id[file]
            a = self.acting(actor, f.tenant, f.uploader)
            self.step("upload_new_version", a)
            relation = self.probe("upload_new_version", a, f.tenant, f.uploader, f)
            marker, data = self.content(topic)
            upload = {"file": (f"{topic}-{marker}.txt", data, "text/plain")}
            response = edge.call(
                a, "POST", "/api/upload-file", params={"replaces": f.id}, files=upload
            )
            if relation == "removed-caller":
                self.revoked(response)
            elif relation in WALLED or f.deleted:
                self.like_missing(
                    response,
                    a,
                    "POST",
                    "/api/upload-file",
                    404,
                    "file_not_found",
                    params={"replaces": new_file_id()},
                    files=upload,
                )
                self.check_file_by_owner(f)
            elif not self.may_change(a, f):
                assert refusal(response)[:2] == (403, "forbidden"), response.text
                self.check_file_by_owner(f)
            elif f.awaiting:
                assert refusal(response)[:2] == (409, "upload_not_completed"), response.text
                self.check_file_by_owner(f)
            else:
                assert response.status_code == 201, response.text
                return self.new_file(a, response, marker=marker, content=data, document=f.document)
            return multiple()

        @rule(target=files, actor=people, topic=st.sampled_from(TOPICS))
        def start_direct_upload(self, actor: str, topic: str) -> Any:
            """The presigned path: the form goes straight to S3, `complete` comes later."""
            a = self.person(actor)
            self.step("start_direct_upload", a)
            marker, data = self.content(topic)
            response = edge.call(
                a, "POST", "/api/files/uploads", json={"name": f"{topic}-{marker}.txt"}
            )
            if a.removed:
                self.revoked(response)
                return multiple()
            assert response.status_code == 201, response.text
            form = response.json()["upload"]
            assert form["fields"]["key"].startswith(f"tenants/{a.tenant}/")
            posted = httpx.post(
                form["url"], data=form["fields"], files={"file": ("x", data)}, timeout=30
            )
            assert posted.status_code in {200, 204}, posted.text
            return self.new_file(a, response, marker=marker, content=data, awaiting=True)

        @rule(target=files, actor=actor_or_owner, file=files, topic=st.sampled_from(TOPICS))
        def start_direct_new_version(self, actor: str, file: str, topic: str) -> Any:
            """A direct upload naming `replaces`: the same rights as any new version."""
            f = self.files_by_id[file]
            a = self.acting(actor, f.tenant, f.uploader)
            self.step("start_direct_new_version", a)
            relation = self.probe("start_direct_new_version", a, f.tenant, f.uploader, f)
            marker, data = self.content(topic)
            body = {"name": f"{topic}-{marker}.txt", "replaces": f.id}
            response = edge.call(a, "POST", "/api/files/uploads", json=body)
            if relation == "removed-caller":
                self.revoked(response)
            elif relation in WALLED or f.deleted:
                self.like_missing(
                    response,
                    a,
                    "POST",
                    "/api/files/uploads",
                    404,
                    "file_not_found",
                    json={**body, "replaces": new_file_id()},
                )
                self.check_file_by_owner(f)
            elif not self.may_change(a, f):
                assert refusal(response)[:2] == (403, "forbidden"), response.text
                self.check_file_by_owner(f)
            elif f.awaiting:
                assert refusal(response)[:2] == (409, "upload_not_completed"), response.text
                self.check_file_by_owner(f)
            else:
                assert response.status_code == 201, response.text
                form = response.json()["upload"]
                posted = httpx.post(
                    form["url"], data=form["fields"], files={"file": ("x", data)}, timeout=30
                )
                assert posted.status_code in {200, 204}, posted.text
                return self.new_file(
                    a, response, marker=marker, content=data, awaiting=True, document=f.document
                )
            return multiple()

        @rule(actor=actor_or_owner, file=files)
        def complete_direct_upload(self, actor: str, file: str) -> None:
            f = self.files_by_id[file]
            a = self.acting(actor, f.tenant, f.uploader)
            self.step("complete_direct_upload", a)
            relation = self.probe("complete_direct_upload", a, f.tenant, f.uploader, f)
            response = edge.call(a, "POST", f"/api/files/{f.id}/complete")
            if relation == "removed-caller":
                self.revoked(response)
            elif relation in WALLED or f.deleted:
                self.like_missing(
                    response,
                    a,
                    "POST",
                    f"/api/files/{new_file_id()}/complete",
                    404,
                    "file_not_found",
                )
                self.check_file_by_owner(f)
            elif not self.may_change(a, f):
                assert refusal(response)[:2] == (403, "forbidden"), response.text
            elif not f.awaiting:
                assert refusal(response)[:2] == (409, "already_completed"), response.text
            else:
                assert response.status_code == 200, response.text
                f.awaiting = False
                self.unsettled = True

        @rule(actor=actor_or_owner, file=files)
        def get_file(self, actor: str, file: str) -> None:
            f = self.files_by_id[file]
            a = self.acting(actor, f.tenant, f.uploader)
            self.step("get_file", a)
            relation = self.probe("get_file", a, f.tenant, file=f)
            response = edge.call(a, "GET", f"/api/files/{f.id}")
            if relation == "removed-caller":
                self.revoked(response)
            elif relation in WALLED or f.deleted:
                self.like_missing(
                    response, a, "GET", f"/api/files/{new_file_id()}", 404, "file_not_found"
                )
            else:
                assert response.status_code == 200, response.text
                body = response.json()
                assert body["id"] == f.id
                if f.awaiting:
                    assert body.get("downloadUrl") is None
                    return
                url = body["downloadUrl"]
                assert f"/tenants/{f.tenant}/files/{f.id}" in url, url
                assert httpx.get(url, timeout=30).content == f.content

        @rule(actor=actor_or_owner, file=files)
        def open_a_cited_place(self, actor: str, file: str) -> None:
            """What a citation opens (decision 0110): the file's bytes and its text at a
            place, to its own tenant only, as a missing id to any other."""
            f = self.files_by_id[file]
            a = self.acting(actor, f.tenant, f.uploader)
            self.step("open_a_cited_place", a)
            relation = self.probe("open_a_cited_place", a, f.tenant, file=f)
            for place in ("content", "passages"):
                response = edge.call(a, "GET", f"/api/files/{f.id}/{place}")
                if relation == "removed-caller":
                    self.revoked(response)
                elif relation in WALLED or f.deleted:
                    missing = f"/api/files/{new_file_id()}/{place}"
                    self.like_missing(response, a, "GET", missing, 404, "file_not_found")
                elif place == "content" and f.awaiting:
                    assert refusal(response)[:2] == (409, "upload_not_completed"), response.text
                elif place == "content":
                    assert response.status_code == 200, response.text
                    assert response.content == f.content
                    assert response.headers["x-content-type-options"] == "nosniff"
                else:
                    assert response.status_code == 200, response.text
                    text = " ".join(s["text"] for s in response.json()["sections"])
                    assert not set(MARKER.findall(text)) & self.markers_hidden_from(a)

        @rule(actor=actor_or_owner, file=files)
        def delete_file(self, actor: str, file: str) -> None:
            f = self.files_by_id[file]
            a = self.acting(actor, f.tenant, f.uploader)
            self.step("delete_file", a)
            relation = self.probe("delete_file", a, f.tenant, f.uploader, f)
            response = edge.call(a, "DELETE", f"/api/files/{f.id}")
            if relation == "removed-caller":
                self.revoked(response)
            elif relation in WALLED or f.deleted:
                self.like_missing(
                    response, a, "DELETE", f"/api/files/{new_file_id()}", 404, "file_not_found"
                )
                self.check_file_by_owner(f)
            elif not self.may_change(a, f):
                assert refusal(response)[:2] == (403, "forbidden"), response.text
                self.check_file_by_owner(f)
            else:
                assert response.status_code == 204, response.text
                f.deleted = True
                self.unsettled = True
                # Gone from search at once: the index is rebuilt before the answer.
                found = edge.call(a, "GET", "/api/files/search", params={"q": f.marker})
                assert f.id not in {r["fileId"] for r in found.json()["results"]}

        @rule(actor=actor_or_owner, file=files)
        def restore_version(self, actor: str, file: str) -> None:
            f = self.files_by_id[file]
            a = self.acting(actor, f.tenant, f.uploader)
            self.step("restore_version", a)
            relation = self.probe("restore_version", a, f.tenant, f.uploader, f)
            response = edge.call(a, "POST", f"/api/files/{f.id}/restore")
            if relation == "removed-caller":
                self.revoked(response)
            elif relation in WALLED or f.deleted:
                self.like_missing(
                    response,
                    a,
                    "POST",
                    f"/api/files/{new_file_id()}/restore",
                    404,
                    "file_not_found",
                )
                self.check_file_by_owner(f)
            elif not self.may_change(a, f):
                assert refusal(response)[:2] == (403, "forbidden"), response.text
                self.check_file_by_owner(f)
            elif response.status_code == 200:
                # Whether it was an older, ready version depends on ingestion's progress.
                assert response.json().get("supersededBy") is None
                self.unsettled = True
            else:
                assert refusal(response)[:2] == (409, "not_an_older_version"), response.text
                now = edge.call(a, "GET", f"/api/files/{f.id}").json()
                assert now.get("supersededBy") is None or now["status"] != "ready", now

        @rule(actor=people, about=files)
        def search(self, actor: str, about: str) -> None:
            a = self.person(actor)
            f = self.files_by_id[about]
            self.step("search", a)
            self.probe("search", a, f.tenant, file=f)
            for q in (f.marker, *TOPICS):
                response = edge.call(a, "GET", "/api/files/search", params={"q": q, "limit": 50})
                if a.removed:
                    self.revoked(response)
                    return
                assert response.status_code == 200, response.text
                hits = response.json()["results"]
                own = self.visible_files(a)
                assert {h["fileId"] for h in hits} <= set(own), (a.key, hits)
                text = " ".join(h["text"] for h in hits)
                assert not set(MARKER.findall(text)) & self.markers_hidden_from(a)
            # Scoped to the file: refused exactly like a missing id unless the actor sees it.
            scoped = edge.call(
                a, "GET", "/api/files/search", params={"q": f.marker, "fileId": f.id}
            )
            if self.sees(a, f) and not f.deleted:
                assert scoped.status_code == 200, scoped.text
                assert {h["fileId"] for h in scoped.json()["results"]} <= {f.id}
            else:
                unknown = edge.call(
                    a, "GET", "/api/files/search", params={"q": f.marker, "fileId": new_file_id()}
                )
                assert refusal(scoped) == refusal(unknown), scoped.text
                assert refusal(scoped)[:2] == (400, "unknown_scope"), scoped.text

        # --- audiences (decision 0111) ---------------------------------------------------

        @rule(target=collections, file=files, admitted=st.lists(people, max_size=2, unique=True))
        def restrict_a_document(self, file: str, admitted: list[str]) -> Any:
            """A new collection whose audience names those of `admitted` who are in the file's
            tenant (none: admins only), holding every live version of the file's document."""
            f = self.files_by_id[file]
            self.step("restrict_a_document")
            live = self.live_files(f.tenant).values()
            versions = [v for v in live if v.document == f.document]
            if not versions:
                return multiple()
            before = self.visibility(f.tenant)
            cid = uuid.uuid4().hex
            users = {self.person(k).user_id for k in admitted if self.person(k).tenant == f.tenant}
            # The members first (the id names nothing yet), then the collection: the one write
            # that changes who sees what, so a view holding it holds the members too.
            for v in versions:
                v.collections.append(cid)
                writer.file_into(v.tenant, v.id, v.collections)
            self.collections_by_id[cid] = CollectionModel(cid, f.tenant, users)
            writer.save(f.tenant, cid, users=users)
            self.governance_changed(f.tenant, before, time.monotonic())
            return cid

        @rule(file=files, collection=collections)
        def add_to_a_collection(self, file: str, collection: str) -> None:
            """One version joins a collection, perhaps another tenant's (which restricts
            nothing in the file's tenant: ids are looked up in the caller's tenant only)."""
            f = self.files_by_id[file]
            self.step("add_to_a_collection")
            if f.deleted or collection in f.collections:
                return
            before = self.visibility(f.tenant)
            f.collections.append(collection)
            writer.file_into(f.tenant, f.id, f.collections)
            self.governance_changed(f.tenant, before, time.monotonic(), membership=True)

        @rule(collection=collections, whom=people)
        def admit_to_a_collection(self, collection: str, whom: str) -> None:
            c, w = self.collections_by_id[collection], self.person(whom)
            self.step("admit_to_a_collection")
            if c.deleted or c.users is None or w.tenant != c.tenant or w.user_id in c.users:
                return
            before = self.visibility(c.tenant)
            c.users.add(w.user_id)
            writer.save(c.tenant, c.id, users=c.users)
            self.governance_changed(c.tenant, before, time.monotonic())

        @rule(collection=collections, delete=st.booleans())
        def open_or_delete_a_collection(self, collection: str, delete: bool) -> None:
            """Opened to the whole tenant, or deleted: either way it hides nothing any more
            (and deleting it keeps its files)."""
            c = self.collections_by_id[collection]
            self.step("open_or_delete_a_collection")
            if c.deleted:
                return
            before = self.visibility(c.tenant)
            if delete:
                c.deleted = True
                writer.delete(c.tenant, c.id)
            else:
                c.users = None
                writer.save(c.tenant, c.id, restricted=False)
            self.governance_changed(c.tenant, before, time.monotonic())

        @precondition(lambda self: self.unsettled)
        @rule()
        def settle(self) -> None:
            """Wait for ingestion, then check search and versions exactly: each document has
            one current version, found by its tenant only; older versions are not found."""
            self.step("settle")
            self.unsettled = False
            for tenant in self.tenants:
                viewer = self.viewer(tenant)
                if viewer is None:
                    continue
                listed, live = self.ingested(viewer)
                current = {f["id"] for f in listed if not live[f["id"]].awaiting}
                documents = {live[fid].document for fid in current}
                assert len(documents) == len(current), "two current versions of one document"
                for fid, model in live.items():
                    if model.awaiting:
                        continue
                    for searcher in self.tenants:
                        who = self.viewer(searcher)
                        if who is None:
                            continue
                        hits = edge.call(
                            who, "GET", "/api/files/search", params={"q": model.marker}
                        ).json()["results"]
                        found = fid in {h["fileId"] for h in hits}
                        expected = searcher == tenant and fid in current and self.sees(who, model)
                        assert found == expected, (
                            searcher,
                            tenant,
                            fid,
                            hits,
                        )

        def ingested(self, viewer: Person) -> tuple[list[dict[str, Any]], dict[str, FileModel]]:
            """The tenant's listing once no file is `pending` or `processing` (a direct upload
            nobody completed stays `pending`: it is not ingested)."""
            deadline = time.monotonic() + SETTLE_SECONDS
            while True:
                listed = self.check_file_listing(viewer)
                live = self.live_files(viewer.tenant)
                statuses = {f["id"]: f["status"] for f in listed} | {
                    v["id"]: v["status"] for f in listed for v in f.get("versions", [])
                }
                waiting = {
                    fid: status
                    for fid, status in statuses.items()
                    if status in ("pending", "processing") and not live[fid].awaiting
                }
                if not waiting:
                    return listed, live
                assert time.monotonic() < deadline, f"ingestion never settled: {waiting}"
                time.sleep(0.1)

        # --- the tenant API and user management ------------------------------------------

        @rule(actor=people, color=st.sampled_from(COLORS))
        def change_branding(self, actor: str, color: str) -> None:
            a = self.person(actor)
            self.step("change_branding", a)
            response = edge.call(a, "PATCH", "/api/tenant", json={"primaryColor": color})
            if a.removed:
                self.revoked(response)
            elif a.acts_as_admin:
                assert response.status_code == 200, response.text
                assert response.json()["tenantId"] == a.tenant
                self.branding[a.tenant] = color
            else:
                assert refusal(response)[:2] == (403, "forbidden"), response.text

        @rule(actor=people, victim=people, color=st.sampled_from(COLORS))
        def name_another_tenant_in_a_body(self, actor: str, victim: str, color: str) -> None:
            """A tenant id in a body is refused, never obeyed."""
            a, v = self.person(actor), self.person(victim)
            self.step("name_another_tenant_in_a_body", a)
            self.probe("name_another_tenant_in_a_body", a, v.tenant)
            body = {"primaryColor": color, "tenantId": v.tenant}
            response = edge.call(a, "PATCH", "/api/tenant", json=body)
            if a.removed:
                self.revoked(response)
            elif a.acts_as_admin:
                assert refusal(response)[:2] == (400, "invalid_request"), response.text
            else:
                assert refusal(response)[:2] == (403, "forbidden"), response.text
            self.view_of(v)

        @rule(actor=people)
        def look(self, actor: str) -> None:
            a = self.person(actor)
            self.step("look", a)
            self.view_of(a)

        def view_of(self, a: Person) -> None:
            """Everything a person can read about themselves and their tenant."""
            me = edge.call(a, "GET", "/api/me")
            if a.removed:
                self.revoked(me)
                return
            assert me.status_code == 200, me.text
            for old in a.old_tokens:
                # The same address's earlier account: its tokens stay refused.
                stale = edge.http.get("/api/me", headers={"Authorization": f"Bearer {old}"})
                self.revoked(stale)
            body = me.json()
            assert (body["tenantId"], body["userId"]) == (a.tenant, a.user_id)
            assert ("tenant_admin" in body["roles"]) == a.acts_as_admin, (a, body)
            tenant = edge.call(a, "GET", "/api/tenant").json()
            assert tenant["tenantId"] == a.tenant
            assert tenant["branding"].get("primaryColor") == self.branding[a.tenant]
            usage = edge.call(a, "GET", "/api/tenant/usage").json()
            if usage["month"] == self.month:
                assert usage["requests"] == self.turns[a.tenant], (a.tenant, usage)
            cited = {d["fileId"] for d in usage["topDocuments"]}
            assert cited <= {f.id for f in self.files_by_id.values() if f.tenant == a.tenant}
            users = edge.call(a, "GET", "/api/tenant/users")
            if not a.acts_as_admin:
                assert refusal(users)[:2] == (403, "forbidden"), users.text
                return
            assert users.status_code == 200, users.text
            listed = {u["userId"]: u["role"] for u in users.json()["users"]}
            expected = {
                p.user_id: "tenant_admin" if p.admin_now else "member"
                for p in self.tenant_people(a.tenant)
            }
            assert listed == expected, (a.tenant, listed, expected)

        @rule(target=people, actor=people, role=st.sampled_from(["member", "tenant_admin"]))
        def invite_someone_new(self, actor: str, role: str) -> Any:
            a = self.person(actor)
            self.step("invite_someone_new", a)
            self.invited += 1
            name = f"guest{self.invited}"
            email = f"{name}@{a.tenant}.example"
            response = edge.call(
                a, "POST", "/api/tenant/users", json={"email": email, "role": role}
            )
            if a.removed:
                self.revoked(response)
                return multiple()
            if not a.acts_as_admin:
                assert refusal(response)[:2] == (403, "forbidden"), response.text
                return multiple()
            assert response.status_code == 201, response.text
            body = response.json()
            token, password = accounts.first_sign_in(email, body["temporaryPassword"])
            admin = role == "tenant_admin"
            key = f"t{self.tenants.index(a.tenant)}.{name}"
            self.people_by_key[key] = Person(
                key, email, a.tenant, body["user"]["userId"], password, token, admin, admin
            )
            return key

        @rule(actor=people, whom=people, shout=st.booleans())
        def invite_an_existing_address(self, actor: str, whom: str, shout: bool) -> None:
            """An address with an account (in this tenant or another) cannot be invited, and the
            answer does not say where it is used; a removed person's address can, and the new
            account owns nothing of the old one."""
            a, w = self.person(actor), self.person(whom)
            self.step("invite_an_existing_address", a)
            self.probe("invite_an_existing_address", a, w.tenant, w.user_id)
            # Addresses are case-insensitive: an upper-case spelling is the same account.
            email = w.email.upper() if shout else w.email
            response = edge.call(a, "POST", "/api/tenant/users", json={"email": email})
            if a.removed:
                self.revoked(response)
            elif not a.acts_as_admin:
                assert refusal(response)[:2] == (403, "forbidden"), response.text
            elif not w.removed:
                assert refusal(response) == (
                    409,
                    "user_exists",
                    "This e-mail address already has an account and cannot be invited.",
                ), response.text
                roles = accounts.roles(w.tenant, w.user_id)
                assert roles == self.roles_of(w), (w, roles)
            else:
                assert response.status_code == 201, response.text
                body = response.json()
                token, password = accounts.first_sign_in(w.email, body["temporaryPassword"])
                assert body["user"]["userId"] != w.user_id
                w.old_tokens.append(w.token)
                w.tenant, w.user_id, w.password, w.token = (
                    a.tenant,
                    body["user"]["userId"],
                    password,
                    token,
                )
                w.admin_now = w.token_admin = False
                w.removed = False
                w.changed_at = 0.0

        def last_admin(self, w: Person) -> bool:
            return w.admin_now and [p.key for p in self.admins(w.tenant)] == [w.key]

        def roles_of(self, p: Person) -> tuple[str, ...]:
            return ("member", "tenant_admin") if p.admin_now else ("member",)

        @rule(
            actor=people,
            whom=people,
            role=st.sampled_from(["member", "tenant_admin"]),
            then_sign_in=st.booleans(),
        )
        def change_role(self, actor: str, whom: str, role: str, then_sign_in: bool) -> None:
            """Then, maybe, the person signs in again (a promotion needs a new token)."""
            a, w = self.person(actor), self.person(whom)
            self.step("change_role", a)
            relation = self.probe("change_role", a, w.tenant, w.user_id)
            path = f"/api/tenant/users/{w.user_id}"
            response = edge.call(a, "PATCH", path, json={"role": role})
            if relation == "removed-caller":
                self.revoked(response)
            elif not a.acts_as_admin:
                assert refusal(response)[:2] == (403, "forbidden"), response.text
            elif relation == "other-tenant" or w.removed:
                self.like_missing(
                    response,
                    a,
                    "PATCH",
                    f"/api/tenant/users/{uuid.uuid4()}",
                    404,
                    "user_not_found",
                    json={"role": role},
                )
                if not w.removed:
                    assert accounts.roles(w.tenant, w.user_id) == self.roles_of(w)
            elif (
                role == "member"
                and w.admin_now
                and [p.key for p in self.admins(w.tenant)] == [w.key]
            ):
                assert refusal(response)[:2] == (409, "last_admin"), response.text
            else:
                assert response.status_code == 200, response.text
                assert response.json()["role"] == role
                if role == "member" and w.admin_now:
                    w.token_admin = False
                    w.changed_at = time.time()
                w.admin_now = role == "tenant_admin"
            if then_sign_in:
                self.sign_in_again(w)

        @rule(actor=people, whom=people)
        def remove_user(self, actor: str, whom: str) -> None:
            a, w = self.person(actor), self.person(whom)
            self.step("remove_user", a)
            relation = self.probe("remove_user", a, w.tenant, w.user_id)
            response = edge.call(a, "DELETE", f"/api/tenant/users/{w.user_id}")
            if relation == "removed-caller":
                self.revoked(response)
            elif not a.acts_as_admin:
                assert refusal(response)[:2] == (403, "forbidden"), response.text
            elif relation == "other-tenant" or w.removed:
                self.like_missing(
                    response,
                    a,
                    "DELETE",
                    f"/api/tenant/users/{uuid.uuid4()}",
                    404,
                    "user_not_found",
                )
                if not w.removed:
                    assert accounts.roles(w.tenant, w.user_id) == self.roles_of(w)
            elif self.last_admin(w):
                assert refusal(response)[:2] == (409, "last_admin"), response.text
            else:
                assert response.status_code == 204, response.text
                w.removed = True
                w.changed_at = time.time()
                self.sign_in_again(w)

        def sign_in_again(self, p: Person) -> None:
            """A new token: it carries the roles the user holds now."""
            tally.rules["sign_in_again"] += 1
            if p.removed:
                with pytest.raises(ClientError):
                    accounts.sign_in(p.email, p.password)
                return
            wait_for_new_token_second(p.changed_at)
            p.token = accounts.sign_in(p.email, p.password)
            p.token_admin = p.admin_now

        # --- after every step -------------------------------------------------------------

        @precondition(lambda self: self.last is not None)
        @invariant()
        def the_last_actor_sees_exactly_their_own(self) -> None:
            assert self.last is not None
            a = self.person(self.last)
            if a.removed:
                self.revoked(edge.call(a, "GET", "/api/conversations"))
                self.revoked(edge.call(a, "GET", "/api/files"))
                return
            listed = edge.pages(a, "/api/conversations", "conversations", limit=4)
            ids = [c["id"] for c in listed]
            assert len(ids) == len(set(ids))
            assert set(ids) == self.visible_conversations(a), (a.key, ids)
            self.check_file_listing(a)

        def teardown(self) -> None:
            # Ingestion still running for this example's tenants goes on in the background;
            # the next example's tenants are new and do not wait for it.
            if self.running is not None:
                tally.seconds[self.running[0]] += time.monotonic() - self.running[1]

    return Isolation


def test_no_sequence_of_calls_crosses_a_tenant_or_reaches_anothers_conversation(
    dev_platform: DevPlatform, capsys: pytest.CaptureFixture[str]
) -> None:
    name, chosen = profile()
    tally = Tally()
    started = time.monotonic()
    resources = resources_of(dev_platform.outputs)
    accounts = Accounts(resources)
    writer = CollectionWriter(
        aws_client("dynamodb", resources.endpoint_url), resources.tables["files"]
    )
    edge = Edge(dev_platform.web_url)
    try:
        with FreshTenants(accounts, count=3) as tenants:
            machine = make_machine(accounts, tenants, edge, tally, writer)
            run_state_machine_as_test(machine, settings=chosen)
    finally:
        edge.close()
        report = {"profile": name, "seconds": round(time.monotonic() - started, 1)}
        report |= tally.report()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
        with capsys.disabled():
            sys.stdout.write(f"\nisolation by property: {json.dumps(report, indent=2)}\n")
