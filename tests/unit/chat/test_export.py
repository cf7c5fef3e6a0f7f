"""Export of a conversation (decision 0113): Markdown with numbered sources under each answer,
JSON of the documented shape, sources the caller may no longer see unavailable, a
conversation that is not the caller's answered as a missing one, and thousands of messages
streamed a page at a time."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.conversations import keys
from engageiq_chat.conversations.export import export_chunks
from engageiq_chat.ids import new_id
from engageiq_chat.knowledge.sources import SourceWall
from engageiq_chat.messages.model import Citation, MessageStatus, Role, StoredMessage
from engageiq_chat.plugin import ChatPlugin
from engageiq_chat.services import ChatServices
from engageiq_chat.storage import DynamoTables
from engageiq_tenancy.context import Role as TenantRole
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import to_item
from tests.support.chat import ChatHarness, ScriptedProvider, cites, dynamodb, parse_sse
from tests.support.governance import govern_file, put_collection, put_file_record
from tests.unit.chat.test_sharing import Governed

PRICE = Passage(
    "f-price",
    "pricing.pdf",
    "Pro costs 30 EUR per seat.",
    "page 2",
    uploaded_at="2026-11-02T09:00:00.000000Z",
)
NOTES = Passage("f-notes", "notes.txt", "Pro includes SSO.")
MEMBER = TenantContext("acme", "user-1", "user-1", frozenset({TenantRole.MEMBER}))


@pytest.fixture
def governed(harness: ChatHarness) -> ChatHarness:
    for passage in (PRICE, NOTES):
        put_file_record(harness.resources, "acme", passage.source_id, passage.title)
    put_collection(harness.resources, "acme", "board", users=["boss"])
    harness.retriever = Governed([PRICE, NOTES])
    harness.provider = ScriptedProvider(
        ("Pro costs 30 EUR", cites(0, text="30 EUR"), " with SSO", cites(1, text="SSO"), ".")
    )
    return harness


def ask(client: TestClient[Litestar], headers: dict[str, str]) -> str:
    response = client.post("/api/chat", json={"message": "What does Pro cost?"}, headers=headers)
    assert response.status_code == 200, response.text
    cid: str = parse_sse(response.text)[0][0].data["conversationId"]
    return cid


def export(
    client: TestClient[Litestar], headers: dict[str, str], cid: str, export_format: str
) -> Any:
    return client.get(
        f"/api/conversations/{cid}/export", params={"format": export_format}, headers=headers
    )


def test_markdown_and_json_carry_each_source_and_hidden_ones_become_unavailable(
    governed: ChatHarness,
) -> None:
    headers = governed.headers()
    with TestClient(governed.app()) as client:
        cid = ask(client, headers)
        client.patch(
            f"/api/conversations/{cid}", json={"title": "Prix für Acme / Q4"}, headers=headers
        )
        markdown = export(client, headers, cid, "md")
        as_json = export(client, headers, cid, "json")
    assert markdown.status_code == 200, markdown.text
    assert markdown.headers["content-type"].startswith("text/markdown")
    disposition = markdown.headers["content-disposition"]
    assert re.fullmatch(r'attachment; filename="prix-fur-acme-q4-\d{4}-\d\d-\d\d\.md"', disposition)
    text = markdown.text
    assert text.startswith("# Prix für Acme / Q4\n")
    assert "**Question**" in text
    assert "What does Pro cost?" in text
    assert "Pro costs 30 EUR[1] with SSO[2]." in text
    assert "[1] pricing.pdf, page 2 (version of 2026-11-02)\n" in text
    assert "[2] notes.txt\n" in text

    assert as_json.status_code == 200
    assert as_json.headers["content-disposition"].endswith('.json"')
    document = as_json.json()
    assert document["format"] == "engageiq.conversation.v1"
    assert document["conversation"]["id"] == cid
    question, answer = document["messages"]
    assert (question["role"], question["content"], question["citations"]) == (
        "user",
        "What does Pro cost?",
        [],
    )
    assert answer["status"] == "complete"
    assert answer["citations"][0] == {
        "number": 1,
        "available": True,
        "fileId": "f-price",
        "fileName": "pricing.pdf",
        "location": "page 2",
        "versionDate": "2026-11-02T09:00:00.000000Z",
        "quote": "30 EUR",
    }

    # pricing.pdf moves into a collection the member is not in: unavailable, never revealed.
    govern_file(governed.resources, "acme", "f-price", collection_ids=["board"])
    with TestClient(governed.app()) as client:
        markdown = export(client, headers, cid, "md")
        as_json = export(client, headers, cid, "json")
    assert "[1] (source unavailable)\n" in markdown.text
    assert "[2] notes.txt\n" in markdown.text
    assert as_json.json()["messages"][1]["citations"][0] == {"number": 1, "available": False}
    for answer_text in (markdown.text, as_json.text):
        assert "pricing.pdf" not in answer_text
        assert "f-price" not in answer_text


def test_a_conversation_not_yours_is_missing_and_an_unknown_format_is_refused(
    governed: ChatHarness,
) -> None:
    owner = governed.headers()
    with TestClient(governed.app()) as client:
        cid = ask(client, owner)
        deleted = ask(client, owner)
        assert client.delete(f"/api/conversations/{deleted}", headers=owner).status_code == 204
        answers = [
            export(client, owner, "z" * 26, "md"),
            export(client, owner, "bad.id", "md"),
            export(client, governed.headers(user_id="user-2"), cid, "md"),
            export(client, governed.headers("globex"), cid, "json"),
            export(client, owner, deleted, "md"),
        ]
        unknown = export(client, owner, cid, "pdf")
    bodies = [
        (r.status_code, {k: v for k, v in r.json().items() if k != "requestId"}) for r in answers
    ]
    assert bodies[0][0] == 404
    assert bodies[0][1]["code"] == "conversation_not_found"
    assert bodies == [bodies[0]] * len(bodies)
    assert unknown.status_code == 400
    assert unknown.json()["code"] == "unknown_export_format"


def write_conversation(harness: ChatHarness, count: int) -> str:
    """`count` messages (questions and answers citing pricing.pdf) of user-1's, written
    straight into the table as `MessageStore` lays them out, and their conversation item."""
    cid = new_id()
    db = dynamodb(harness.resources)
    table = harness.resources.tables["conversations"]
    pk = keys.partition(MEMBER)
    items = []
    for n in range(count):
        answer = n % 2 == 1
        message = StoredMessage(
            id=new_id(),
            conversation_id=cid,
            role=Role.ASSISTANT if answer else Role.USER,
            content=f"{'Answer' if answer else 'Question'} {n}[1]" if answer else f"Question {n}",
            created_at=keys.now_iso(),
            status=MessageStatus.COMPLETE,
            route="general",
            citations=[Citation(source_id="f-price", title="pricing.pdf", location="page 2")]
            if answer
            else [],
        )
        items.append(
            to_item(
                {"pk": pk, "sk": keys.message_sk(cid, message.id), **msgspec.to_builtins(message)}
            )
        )
    for at in range(0, len(items), 25):
        db.batch_write_item(
            RequestItems={table: [{"PutRequest": {"Item": i}} for i in items[at : at + 25]]}
        )
    now = keys.now_iso()
    db.put_item(
        TableName=table,
        Item=to_item(
            {
                "pk": pk,
                "sk": keys.conversation_sk(cid),
                "id": cid,
                "title": "A long one",
                "createdAt": now,
                "updatedAt": now,
                "status": "active",
                "messageCount": count,
            }
        ),
    )
    return cid


MESSAGES = 2_000


def test_thousands_of_messages_export_complete_and_in_order(governed: ChatHarness) -> None:
    cid = write_conversation(governed, MESSAGES)
    headers = governed.headers()
    with TestClient(governed.app()) as client:
        as_json = export(client, headers, cid, "json")
    messages = json.loads(as_json.content)["messages"]
    assert len(messages) == MESSAGES
    assert [m["content"].split("[")[0] for m in messages] == [
        f"{'Answer' if n % 2 else 'Question'} {n}" for n in range(MESSAGES)
    ]
    assert [m["citations"] for m in messages[1::2]] == [
        [
            {"number": 1, "available": True, "fileId": "f-price", "fileName": "pricing.pdf"}
            | {"location": "page 2", "versionDate": "", "quote": ""}
        ]
    ] * (MESSAGES // 2)


def test_the_export_reads_a_page_only_when_the_previous_one_is_sent(
    governed: ChatHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = write_conversation(governed, 250)
    reads: list[int] = []
    original = DynamoTables.call

    async def counting(self: DynamoTables, tenant: TenantContext, operation: str, **kw: Any) -> Any:
        answer = await original(self, tenant, operation, **kw)
        if operation == "query" and kw.get("TableName") == self.conversations:
            reads.append(len(answer.get("Items", [])))
        return answer

    monkeypatch.setattr(DynamoTables, "call", counting)
    app = governed.app()
    plugin = next(p for p in app.plugins.init if isinstance(p, ChatPlugin))
    services: ChatServices = plugin.services

    async def consume() -> list[tuple[int, int]]:
        conversation = await services.conversations.get(MEMBER, cid)
        assert conversation is not None
        seen = []
        async for chunk in export_chunks(services, MEMBER, conversation, "json", page_messages=100):
            seen.append((len(reads), len(chunk)))
        return seen

    seen = asyncio.run(consume())
    # The head goes out before any message is read; then one chunk per page of at most 100,
    # each sent before the next page is read.
    assert [r for r, _ in seen] == [0, 1, 2, 3, 3]
    assert reads == [100, 100, 50]


def test_names_from_others_stay_text_in_the_markdown(harness: ChatHarness) -> None:
    """A title or file name that is Markdown (an image that loads a tracker, a link, raw
    HTML, a line break that starts a fake answer) is written so that it renders as text."""
    trap = Passage(
        "f-trap",
        "![x](https://tracker.example/p.png) [deal](https://evil.example)\n**Answer** <b>.pdf",
        "Pro costs 30 EUR per seat.",
        "page 2\n# Heading",
    )
    put_file_record(harness.resources, "acme", trap.source_id, trap.title)
    harness.retriever = Governed([trap])
    harness.provider = ScriptedProvider(("Pro costs 30 EUR", cites(0, text="30 EUR"), "."))
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        cid = ask(client, headers)
        client.patch(
            f"/api/conversations/{cid}",
            json={"title": "<img src=x onerror=alert(1)> ![t](https://tracker.example/t.png)"},
            headers=headers,
        )
        text = export(client, headers, cid, "md").text
    assert text.startswith(
        r"# \<img src=x onerror=alert(1)\> !\[t\](https://tracker.example/t.png)" + "\n"
    )
    assert (
        r"[1] !\[x\](https://tracker.example/p.png) \[deal\](https://evil.example) "
        r"\*\*Answer\*\* \<b\>.pdf, page 2 # Heading" + "\n"
    ) in text
    # No unescaped link, image or tag is left anywhere.
    assert re.search(r"(?<!\\)\]\(|(?<!\\)<[a-z]", text) is None


def test_an_answers_images_and_raw_html_show_as_text_as_in_the_web_app(
    harness: ChatHarness,
) -> None:
    """An answer is Markdown and keeps its formatting, but an image (fetched by the mail
    client: a tracker, or an address a document's instructions made the model write) and raw
    HTML stay text, as the web app shows them; code is left as it is."""
    harness.provider = ScriptedProvider(
        (
            "**Pro** costs 30 EUR. ![chart](https://tracker.example/x?d=secret) "
            "<img src=https://t.example/p.png> a < b `<kbd>`\n```\n<div>![kept](code)</div>\n```",
        )
    )
    headers = harness.headers()
    with TestClient(harness.app()) as client:
        cid = ask(client, headers)
        text = export(client, headers, cid, "md").text
    assert (
        r"**Pro** costs 30 EUR. !\[chart](https://tracker.example/x?d=secret) "
        "&lt;img src=https://t.example/p.png> a < b `<kbd>`\n```\n<div>![kept](code)</div>\n```"
    ) in text


def test_markdown_sources_stay_one_per_line_when_the_note_is_rendered(
    governed: ChatHarness,
) -> None:
    from markdown_it import MarkdownIt

    # A CRM note or a Markdown mail renders CommonMark, which joins plain consecutive lines:
    # the sources must be list items to stay one per line.
    headers = governed.headers()
    with TestClient(governed.app()) as client:
        cid = ask(client, headers)
        markdown = export(client, headers, cid, "md")
    rendered = MarkdownIt("commonmark").render(markdown.text)
    assert "<li>[1] pricing.pdf, page 2 (version of 2026-11-02)</li>" in rendered
    assert "<li>[2] notes.txt</li>" in rendered


@pytest.mark.parametrize(
    ("status", "note"),
    [
        (MessageStatus.INCOMPLETE, "_(This answer is incomplete.)_"),
        (MessageStatus.FAILED, "_(This answer failed.)_"),
        (MessageStatus.STREAMING, "_(This answer was still being written when exported.)_"),
    ],
)
def test_an_unfinished_answer_says_so_in_words(status: MessageStatus, note: str) -> None:
    from engageiq_chat.conversations.export import _markdown_message

    # Exported while the answer is written (or after it failed): a sentence, not "is streaming".
    answer = StoredMessage(
        id="m1",
        conversation_id="c1",
        role=Role.ASSISTANT,
        content="Pro costs",
        created_at="2026-12-06T09:00:00.000000Z",
        status=status,
        route="general",
    )
    wall = SourceWall(view=None, reader=None, existing=frozenset())  # type: ignore[arg-type]
    assert note in _markdown_message(answer, wall)
