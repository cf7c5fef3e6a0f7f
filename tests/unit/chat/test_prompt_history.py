"""The history builder only produces requests the Messages API accepts, whatever is stored:
the first and last turns are the user's, roles alternate, and no content is empty or
whitespace-only (the API refuses those, which would break every later turn)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from engageiq_chat.context.prompt import Persona, PromptBuilder
from engageiq_chat.messages.model import MessageStatus, Role, StoredMessage
from engageiq_chat.routing.intents import Intent

WHITESPACE = " \t\n\r\u00a0\u2003\u3000"
contents = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=WHITESPACE, max_size=20),  # an answer cut off before any words
    st.sampled_from(["", " ", "\n\n", "Half"]),
)
stored = st.builds(
    lambda n, role, status, content: StoredMessage(
        id=f"m{n}",
        conversation_id="c1",
        role=role,
        content=content,
        created_at="2026-11-29T00:00:00Z",
        status=status,
        route="general",
    ),
    st.integers(0, 10_000),
    st.sampled_from(list(Role)),
    st.sampled_from(list(MessageStatus)),
    contents,
)
new_messages = st.text(min_size=1, max_size=40).filter(lambda t: t.strip())


@settings(max_examples=300, deadline=None)
@given(
    history=st.lists(stored, max_size=12),
    message=new_messages,
    budget=st.integers(1, 400),
)
def test_any_stored_history_gives_an_acceptable_request(
    history: list[StoredMessage], message: str, budget: int
) -> None:
    request = PromptBuilder(budget).build(
        model="m",
        max_tokens=100,
        intent=Intent.GENERAL,
        persona=Persona("Acme"),
        history=history,
        message=message,
        passages=[],
    )
    roles = [m.role for m in request.messages]
    assert roles[0] == "user"
    assert roles[-1] == "user"
    assert all(a != b for a, b in itertools.pairwise(roles))
    assert all(m.content.strip() for m in request.messages)
    assert request.messages[-1].content.endswith(message)


def test_a_whitespace_only_partial_answer_is_not_sent_back() -> None:
    past = [
        StoredMessage(
            id=f"m{n}",
            conversation_id="c1",
            role=role,
            content=content,
            created_at="2026-11-29T00:00:00Z",
            status=status,
            route="general",
        )
        for n, (role, content, status) in enumerate(
            [
                (Role.USER, "Hello", MessageStatus.COMPLETE),
                (Role.ASSISTANT, " \n", MessageStatus.INCOMPLETE),
            ]
        )
    ]
    request = PromptBuilder(1000).build(
        model="m",
        max_tokens=100,
        intent=Intent.GENERAL,
        persona=Persona("Acme"),
        history=past,
        message="continue",
        passages=[],
    )
    assert [(m.role, m.content) for m in request.messages] == [("user", "Hello\n\ncontinue")]
