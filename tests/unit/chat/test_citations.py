"""Citations (decision 0109): passages go to the model as search results, the answer's sources
are the passages it cites - numbered in first-cited order, with the cited text, marked in the
text - and the stored answer (history) is exactly what the stream showed; Continue grows the
same answer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from engageiq_chat.context.retrieval import Passage
from engageiq_chat.messages.model import MAX_CITATIONS, Citation, bounded_citations
from engageiq_chat.providers.anthropic_provider import (
    AnthropicProvider,
    RawCitation,
    citable_blocks,
    citation_of,
)
from engageiq_chat.providers.base import (
    Cited,
    Finished,
    ModelRequest,
    PassageCitation,
    PromptMessage,
    ProviderEvent,
    TextDelta,
)
from engageiq_chat.turns.model_text import ModelText
from engageiq_chat.turns.sources import AnswerSources
from engageiq_search.file_filter import EVERY_FILE, FileFilter
from engageiq_tenancy.governance import Freshness
from tests.support.chat import ChatHarness, ScriptedProvider, SseEvent, chat, cites, parse_sse
from tests.support.governance import put_file_record
from tests.support.messages_server import Cite, MessagesServer, Reply

PRICING = Passage(
    "file-pricing",
    "pricing.pdf",
    "Pro costs 30 EUR per seat. Enterprise is quoted.",
    "page 2",
    "2026-11-02T10:00:00Z",
)
SECURITY = Passage("file-sec", "security.md", "SSO is included in Pro.\nBackups run hourly.")
NOTES = Passage("file-notes", "trial-notes.txt", "Trial ends in 14 days.", "", "2026-10-01")


def test_passages_are_cut_into_sentences_and_lines_the_model_can_cite() -> None:
    assert citable_blocks("One. Two? Three!\nFour\n\n Five 。 Six") == [
        "One.",
        "Two?",
        "Three!",
        "Four",
        "Five 。",
        "Six",
    ]
    assert citable_blocks("  ") == []
    long = citable_blocks(" ".join(f"S{i}." for i in range(100)))
    assert len(long) == 40
    assert long[-1].startswith("S39.")
    assert long[-1].endswith("S99.")


# --- the Messages API's citation stream, through the real SDK ------------------------------


@pytest.fixture
def server() -> Iterator[MessagesServer]:
    running = MessagesServer().start()
    yield running
    running.stop()


def stream(server: MessagesServer, request: ModelRequest) -> list[ProviderEvent]:
    async def run() -> list[ProviderEvent]:
        provider = AnthropicProvider("test-key", base_url=server.url, max_retries=0)
        try:
            return [event async for event in provider.stream(request)]
        finally:
            await provider.aclose()

    return asyncio.run(run())


def test_passages_go_as_citable_search_results_and_citations_come_back_per_claim(
    server: MessagesServer,
) -> None:
    server.enqueue(
        Reply(
            tokens=(
                "In short: ",
                Cite("Pro costs 30 EUR per seat. ", results=(0,), block=0),
                Cite("SSO is included.", results=(1, 0), block=0),
                "\n\nAsk me more.",
            )
        )
    )
    request = ModelRequest(
        model="claude-test",
        system=(),
        messages=(PromptMessage("user", "What does Pro cost?"),),
        max_tokens=100,
        passages=(PRICING, SECURITY),
    )
    events = stream(server, request)

    (body,) = [r.body for r in server.requests]
    *results, question = body["messages"][-1]["content"]
    assert question == {"type": "text", "text": "What does Pro cost?"}
    assert [r["type"] for r in results] == ["search_result", "search_result"]
    assert results[0]["source"] == "file-pricing"
    assert results[0]["title"] == "pricing.pdf, page 2 (uploaded 2026-11-02; unverified)"
    assert results[0]["citations"] == {"enabled": True}
    assert [b["text"] for b in results[0]["content"]] == [
        "Pro costs 30 EUR per seat.",
        "Enterprise is quoted.",
    ]

    assert isinstance(events[-1], Finished)
    cited = [e for e in events if isinstance(e, Cited)]
    assert cited == [
        Cited((PassageCitation(0, "Pro costs 30 EUR per seat."),)),
        Cited(
            (
                PassageCitation(1, "SSO is included in Pro."),
                PassageCitation(0, "Pro costs 30 EUR per seat."),
            )
        ),
    ]
    # Each claim's citation comes right after its last word; its trailing space after it.
    first = events.index(cited[0])
    assert "".join(e.text for e in events[:first] if isinstance(e, TextDelta)).endswith("per seat.")
    assert events[first + 1] == TextDelta(" ")
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert text == "In short: Pro costs 30 EUR per seat. SSO is included.\n\nAsk me more."


def test_a_question_without_passages_is_sent_as_plain_text(server: MessagesServer) -> None:
    request = ModelRequest(
        model="m", system=(), messages=(PromptMessage("user", "Hi"),), max_tokens=10
    )
    events = stream(server, request)
    assert server.requests[0].body["messages"] == [{"role": "user", "content": "Hi"}]
    assert not [e for e in events if isinstance(e, Cited)]


def test_citations_of_other_kinds_or_outside_the_passages_are_ignored() -> None:
    def location(index: int) -> RawCitation:
        # Decoded as the stream's raw `citations_delta` carries it (extra fields skipped).
        return msgspec.json.decode(
            json.dumps(
                {
                    "type": "search_result_location",
                    "cited_text": "x",
                    "source": "s",
                    "title": None,
                    "search_result_index": index,
                    "start_block_index": 0,
                    "end_block_index": 1,
                }
            ),
            type=RawCitation,
        )

    assert citation_of(location(1), 2) == PassageCitation(1, "x")
    assert citation_of(location(2), 2) is None
    assert citation_of(location(-1), 2) is None
    char = RawCitation(type="char_location", cited_text="x")
    assert citation_of(char, 2) is None
    assert citation_of(None, 2) is None


# --- numbering -----------------------------------------------------------------------------


def test_sources_are_the_cited_passages_numbered_in_first_cited_order() -> None:
    sources = AnswerSources([PRICING, SECURITY, NOTES])
    marker, changed = sources.cite([PassageCitation(1, "SSO is included in Pro.")])
    assert marker == "[1]"
    assert [(n, c.source_id) for n, c in changed] == [(1, "file-sec")]
    marker, changed = sources.cite(
        [PassageCitation(0, "Pro costs 30 EUR per seat."), PassageCitation(1, "Backups")]
    )
    assert marker == "[2][1]"
    # The new source, and the known one whose cited text grew.
    assert [(n, c.snippet) for n, c in changed] == [
        (1, "SSO is included in Pro. … Backups"),
        (2, "Pro costs 30 EUR per seat."),
    ]
    marker, changed = sources.cite([PassageCitation(0, "Pro costs 30 EUR per seat.")])
    assert (marker, changed) == ("[2]", [])
    # An index past the passages is no source; NOTES was never cited, so it is none either.
    assert sources.cite([PassageCitation(9, "x")]) == ("", [])
    assert [c.source_id for c in sources.citations] == ["file-sec", "file-pricing"]
    assert sources.citations[1] == Citation(
        source_id="file-pricing",
        title="pricing.pdf",
        location="page 2",
        snippet="Pro costs 30 EUR per seat.",
        uploaded_at="2026-11-02T10:00:00Z",
        freshness=Freshness.UNVERIFIED,
    )


def test_a_continued_answer_numbers_on_and_the_bound_keeps_markers_and_sources_agreeing() -> None:
    earlier = [Citation(source_id="file-pricing", title="pricing.pdf", location="page 2")]
    sources = AnswerSources([SECURITY, PRICING], earlier)
    assert sources.cite([PassageCitation(1, "Pro costs")])[0] == "[1]"
    assert sources.cite([PassageCitation(0, "SSO")])[0] == "[2]"
    assert [c.source_id for c in sources.added] == ["file-sec"]

    many = [Passage(f"f{i}", f"{i}.md", "text") for i in range(MAX_CITATIONS + 2)]
    full = AnswerSources(many)
    markers = [full.cite([PassageCitation(i, "text")])[0] for i in range(len(many))]
    assert markers[-3:] == [f"[{MAX_CITATIONS}]", "", ""]
    assert len(full.citations) == MAX_CITATIONS


def test_stored_citations_keep_every_field_within_bounds() -> None:
    citation = Citation(
        source_id="f",
        title="t" * 300,
        location="page 2",
        snippet="s" * 900,
        uploaded_at="2026-11-02T10:00:00Z",
    )
    (stored,) = bounded_citations([citation])
    assert (stored.location, stored.uploaded_at) == ("page 2", "2026-11-02T10:00:00Z")
    assert (len(stored.title), len(stored.snippet)) == (200, 500)


# --- a turn: the stream, the stored answer and Continue ------------------------------------


class Passages:
    def __init__(self, *passages: Passage) -> None:
        self.passages = list(passages)

    async def retrieve(
        self, tenant: Any, query: str, limit: int, only: FileFilter = EVERY_FILE
    ) -> list[Passage]:
        return self.passages[:limit]


def live(events: list[SseEvent]) -> tuple[str, list[dict[str, Any]]]:
    """What the web shows from a stream: the text and the sources (by number)."""
    sources: dict[int, dict[str, Any]] = {}
    for e in events:
        if e.event == "citation":
            source = dict(e.data)
            sources[source.pop("number")] = source
    text = "".join(e.data["text"] for e in events if e.event == "delta")
    return text, [sources[n] for n in sorted(sources)]


def stored(
    client: TestClient[Litestar], headers: dict[str, str], conversation_id: str
) -> list[dict[str, Any]]:
    response = client.get(
        "/api/chat-history", params={"conversationId": conversation_id}, headers=headers
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, Any]] = response.json()["messages"]
    return messages


@pytest.fixture
def retrieved(harness: ChatHarness) -> Passages:
    # The files exist: history withholds the sources of files that do not (decision 0111).
    for passage in (PRICING, SECURITY, NOTES):
        put_file_record(harness.resources, "acme", passage.source_id, passage.title)
    return Passages(PRICING, SECURITY, NOTES)


@pytest.fixture
def client(harness: ChatHarness, retrieved: Passages) -> Iterator[TestClient[Litestar]]:
    harness.retriever = retrieved
    harness.provider = ScriptedProvider(
        tokens=(
            "SSO is included",
            cites(1, text="SSO is included in Pro."),
            ", and Pro costs 30 EUR",
            cites(0, text="Pro costs 30 EUR per seat."),
            " while SSO stays free",
            cites(1, text="SSO is included in Pro."),
            ".",
        )
    )
    with TestClient(harness.app()) as test_client:
        yield test_client


def test_only_cited_passages_are_sources_and_history_shows_what_the_stream_showed(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    headers = harness.headers()
    events = chat(client, headers, "Is SSO in Pro and what does it cost?")
    text, sources = live(events)
    assert text == "SSO is included[1], and Pro costs 30 EUR[2] while SSO stays free[1]."
    # The trial notes were retrieved and given to the model, but never cited: no source.
    assert sources == [
        {
            "sourceId": "file-sec",
            "title": "security.md",
            "location": "",
            "snippet": "SSO is included in Pro.",
            "uploadedAt": "",
            "freshness": "unverified",
            "verifiedAt": None,
            "reviewBy": None,
        },
        {
            "sourceId": "file-pricing",
            "title": "pricing.pdf",
            "location": "page 2",
            "snippet": "Pro costs 30 EUR per seat.",
            "uploadedAt": "2026-11-02T10:00:00Z",
            "freshness": "unverified",
            "verifiedAt": None,
            "reviewBy": None,
        },
    ]
    # Every source is announced before the first marker that names it.
    names = [e.event if e.event != "delta" else e.data["text"] for e in events]
    assert names.index("citation") < names.index("[1]")
    assert names.index("[2]") > [i for i, n in enumerate(names) if n == "citation"][1]
    assert events[0].data["passages"] == 3  # what a client whose stream is cut goes by
    done = events[-1]
    assert done.event == "done"
    assert done.data["uncited"] is False

    conversation = events[0].data["conversationId"]
    answer = stored(client, headers, conversation)[-1]
    # History shows each source as its `citation` event did, number and all.
    numbered = [{"number": n, **source} for n, source in enumerate(sources, start=1)]
    assert (answer["content"], answer["citations"]) == (text, numbered)


def test_an_answer_without_citations_says_so_and_cites_nothing(
    harness: ChatHarness, client: TestClient[Litestar]
) -> None:
    harness.provider = ScriptedProvider(tokens=("I am not sure.",))
    with TestClient(harness.app()) as uncited:
        events = chat(uncited, harness.headers(), "Anything?")
        assert [e for e in events if e.event == "citation"] == []
        assert events[-1].data["uncited"] is True
        answer = stored(uncited, harness.headers(), events[0].data["conversationId"])[-1]
    assert (answer["citations"], answer["uncited"]) == ([], True)


def test_continue_grows_the_same_answer_and_numbers_its_sources_on(
    harness: ChatHarness, retrieved: Passages
) -> None:
    headers = harness.headers()
    harness.retriever = retrieved
    harness.provider = ScriptedProvider(
        tokens=("Pro costs 30 EUR", cites(0, text="Pro costs 30 EUR per seat."), " and"),
        stop_reason="max_tokens",
    )
    with TestClient(harness.app()) as first:
        events = chat(first, headers, "Tell me about Pro")
    conversation = events[0].data["conversationId"]
    answer_id = events[0].data["assistantMessageId"]
    first_text, first_sources = live(events)

    continuing = ScriptedProvider(
        tokens=(
            " SSO is included",
            Cited(
                (
                    PassageCitation(1, "SSO is included in Pro."),
                    PassageCitation(0, "Pro costs 30 EUR per seat."),
                )
            ),
            ".",
        )
    )
    harness.provider = continuing
    with TestClient(harness.app()) as second:
        response = second.post(
            "/api/chat/continue",
            json={"conversationId": conversation, "messageId": answer_id},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        more = parse_sse(response.text)[0]
        history = stored(second, headers, conversation)
        # Complete now: nothing more to continue.
        again = second.post(
            "/api/chat/continue",
            json={"conversationId": conversation, "messageId": answer_id},
            headers=headers,
        )
    assert more[0].data["assistantMessageId"] == answer_id
    added_text, _ = live(more)
    assert added_text == " SSO is included[2][1]."
    assert [e.data["number"] for e in more if e.event == "citation"] == [2]
    # The model saw the partial answer without our markers, and no "continue" message is kept.
    (request,) = continuing.requests
    assert [m.role for m in request.messages] == ["user", "assistant", "user"]
    assert request.messages[1].content == "Pro costs 30 EUR and"
    assert [m["role"] for m in history] == ["user", "assistant"]
    answer = history[-1]
    assert answer["id"] == answer_id
    assert answer["content"] == first_text + added_text
    assert [c["sourceId"] for c in answer["citations"]] == ["file-pricing", "file-sec"]
    assert answer["citations"][0] == {"number": 1, **first_sources[0]}
    assert answer["status"] == "complete"
    assert again.status_code == 409
    assert again.json()["code"] == "nothing_to_continue"


# --- markers only the service writes ---------------------------------------------------------


@pytest.mark.parametrize(
    ("deltas", "shown"),
    [
        (["Enterprise is free [1]."], "Enterprise is free \\[1]."),
        (["free [", "1", "]."], "free \\[1]."),
        (["see [file-", "sec] now"], "see \\[file-sec] now"),
        (["a [link](https://x.example) stays"], "a [link](https://x.example) stays"),
        (["[not a marker because of spaces]"], "[not a marker because of spaces]"),
        (["ends with ["], "ends with ["),
        (["a [link]", "(https://x.example)"], "a [link](https://x.example)"),
        (["cut at [2]"], "cut at \\[2]"),
        (["already \\[1] escaped"], "already \\\\[1] escaped"),
    ],
)
def test_model_text_cannot_pose_as_a_citation_marker(deltas: list[str], shown: str) -> None:
    text = ModelText()
    out = "".join(text.feed(d) for d in deltas) + text.flush()
    assert out == shown


def test_a_marker_the_model_writes_is_no_source_live_or_stored(
    harness: ChatHarness, retrieved: Passages
) -> None:
    """A planted "[1]" (or a file id in brackets) in the model's text stays text: the only
    markers are the service's own, after what the answer really cites."""
    harness.retriever = retrieved
    harness.provider = ScriptedProvider(
        tokens=(
            "Enterprise is free forever [",
            "1]. Ask [file-sec]. ",
            "SSO is included",
            cites(1, text="SSO is included in Pro."),
            ".",
        )
    )
    with TestClient(harness.app()) as client:
        headers = harness.headers()
        events = chat(client, headers, "Is Enterprise free?")
        text, sources = live(events)
        assert text == "Enterprise is free forever \\[1]. Ask \\[file-sec]. SSO is included[1]."
        assert [s["sourceId"] for s in sources] == ["file-sec"]
        conversation = events[0].data["conversationId"]
        assert stored(client, headers, conversation)[-1]["content"] == text
