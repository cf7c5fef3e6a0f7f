"""A hypothesis state machine: three callers (two users of one tenant, one of another) chat,
rename, delete, list and read history in random order. Invariant: each caller sees exactly
their own live conversations, and every route answers 404 for anyone else's."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from litestar.testing import TestClient

from tests.support.chat import ChatHarness, chat

CALLERS = [("acme", "alice"), ("acme", "bob"), ("globex", "carol")]


def test_no_sequence_of_calls_reaches_another_callers_conversations(harness: ChatHarness) -> None:
    with TestClient(harness.app()) as client:
        headers = {caller: harness.headers(*caller) for caller in CALLERS}

        class Isolation(RuleBasedStateMachine):
            conversations = Bundle("conversations")

            def __init__(self) -> None:
                super().__init__()
                self.owned: dict[str, tuple[str, str]] = {}  # id -> owner
                self.titles: dict[str, str] = {}
                # Earlier examples' conversations stay in the table; judge only this run's.
                self.before = {caller: self.listing(caller) for caller in CALLERS}

            def listing(self, caller: tuple[str, str]) -> set[str]:
                ids: set[str] = set()
                cursor = None
                while True:
                    params: dict[str, str | int] = {"limit": 3}
                    if cursor:
                        params["cursor"] = cursor
                    page = client.get(
                        "/api/conversations", params=params, headers=headers[caller]
                    ).json()
                    ids |= {c["id"] for c in page["conversations"]}
                    cursor = page["nextCursor"]
                    if not cursor:
                        return ids

            @rule(
                target=conversations,
                caller=st.sampled_from(CALLERS),
                text=st.sampled_from(["pricing?", "draft an email", "hi"]),
            )
            def start(self, caller: tuple[str, str], text: str) -> str:
                cid = str(chat(client, headers[caller], text)[0].data["conversationId"])
                self.owned[cid] = caller
                return cid

            @rule(cid=conversations, caller=st.sampled_from(CALLERS))
            def follow_up(self, cid: str, caller: tuple[str, str]) -> None:
                response = client.post(
                    "/api/chat",
                    headers=headers[caller],
                    json={"message": "and then?", "conversationId": cid},
                )
                expected = 200 if self.owned.get(cid) == caller else 404
                assert response.status_code == expected

            @rule(
                cid=conversations,
                caller=st.sampled_from(CALLERS),
                title=st.text("abcxyz ", min_size=1, max_size=12).filter(str.strip),
            )
            def rename(self, cid: str, caller: tuple[str, str], title: str) -> None:
                response = client.patch(
                    f"/api/conversations/{cid}", headers=headers[caller], json={"title": title}
                )
                if self.owned.get(cid) == caller:
                    assert response.status_code == 200
                    self.titles[cid] = " ".join(title.split())
                else:
                    assert response.status_code == 404

            @rule(cid=consumes(conversations), caller=st.sampled_from(CALLERS))
            def delete(self, cid: str, caller: tuple[str, str]) -> None:
                response = client.delete(f"/api/conversations/{cid}", headers=headers[caller])
                if self.owned.get(cid) == caller:
                    assert response.status_code == 204
                    del self.owned[cid]
                else:
                    assert response.status_code == 404

            @rule(cid=conversations, caller=st.sampled_from(CALLERS))
            def history(self, cid: str, caller: tuple[str, str]) -> None:
                response = client.get(
                    "/api/chat-history", headers=headers[caller], params={"conversationId": cid}
                )
                assert response.status_code == (200 if self.owned.get(cid) == caller else 404)

            @invariant()
            def each_caller_lists_exactly_their_own(self) -> None:
                for caller in CALLERS:
                    mine = {cid for cid, owner in self.owned.items() if owner == caller}
                    assert self.listing(caller) - self.before[caller] == mine

        run_state_machine_as_test(
            Isolation,
            settings=settings(
                max_examples=6,
                stateful_step_count=12,
                deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture],
            ),
        )
