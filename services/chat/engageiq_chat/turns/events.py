"""The Server-Sent Events of a chat stream, as bytes on the wire."""

from __future__ import annotations

from typing import Any, Final

import msgspec

from engageiq_chat.messages.model import Notice
from engageiq_tenancy.governance import Freshness

HEARTBEAT: Final = b": keep-alive\n\n"


class Meta(msgspec.Struct, rename="camel"):
    conversation_id: str
    user_message_id: str
    assistant_message_id: str
    route: str
    provider: str
    model: str
    passages: int = 0
    """How many retrieved passages the model was given: an answer that ends citing none of
    them is `uncited` (what `done` says, for a client whose stream was cut before it)."""


class Delta(msgspec.Struct):
    text: str


class CitationEvent(msgspec.Struct, rename="camel"):
    """A source of the answer, sent when first cited (or when its cited text grows), before
    the marker `[number]` that cites it."""

    number: int
    """The source's number in the answer (1-based); the same number again replaces it."""
    source_id: str
    """The file id."""
    title: str
    """The file name."""
    location: str
    """Page or section within the file ("" when the file has neither)."""
    snippet: str
    """The cited text."""
    uploaded_at: str = ""
    """When the cited version of the file was uploaded (ISO 8601; "" when unknown)."""
    freshness: Freshness | None = None
    """`verified`, `stale` (its review date passed) or `unverified` (decision 0111); None
    only in replays of answers saved before files had a freshness."""
    verified_at: str | None = None
    """When the file was last verified (ISO 8601); None when never."""
    review_by: str | None = None
    """The day (`YYYY-MM-DD`) the verification holds until; None when never verified."""
    withheld: bool | msgspec.UnsetType = msgspec.UNSET
    """Only in a replay (`Idempotency-Key`), true for a source whose file is gone (deleted)
    or that the reader may no longer see, the two alike: its other fields are then empty
    (decision 0111)."""


class Usage(msgspec.Struct, rename="camel"):
    input_tokens: int
    output_tokens: int


class Done(msgspec.Struct, rename="camel"):
    finish_reason: str
    usage: Usage
    uncited: bool = False
    """The answer has text but cites none of the documents (say so; no sources are shown)."""
    notice: Notice | msgspec.UnsetType = msgspec.UNSET
    """Present when every source the answer cites is stale (`stale_sources`, if any is) or
    unverified (`unverified_sources`): show it with the answer (decision 0111)."""


class ErrorEvent(msgspec.Struct):
    code: str
    message: str


_encoder: Final = msgspec.json.Encoder()


def sse(event: str, data: msgspec.Struct, event_id: int | None = None) -> bytes:
    """One event. `event_id`: where the answer's text stands after it (characters of the
    stored answer): a client resumes after the last one it read (`Last-Event-ID`)."""
    # JSON never contains a raw newline, so one `data:` line carries the whole payload.
    head = b"" if event_id is None else b"id: " + str(event_id).encode() + b"\n"
    return head + b"event: " + event.encode() + b"\ndata: " + _encoder.encode(data) + b"\n\n"


STREAM_EVENTS: Final[dict[str, type[msgspec.Struct]]] = {
    "meta": Meta,
    "delta": Delta,
    "citation": CitationEvent,
    "done": Done,
    "error": ErrorEvent,
}
"""Every event a chat stream sends, by its `event:` name (what `sse` writes)."""


def _inlined(schema: Any, definitions: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return _inlined(definitions[ref.rsplit("/", 1)[1]], definitions)
        return {key: _inlined(value, definitions) for key, value in schema.items()}
    if isinstance(schema, list):
        return [_inlined(item, definitions) for item in schema]
    return schema


def stream_item_schema() -> dict[str, Any]:
    """One event of the stream as OpenAPI 3.2's `itemSchema` describes it: `{event, data}`, the
    `data` being JSON whose schema is the event's struct (generated from the structs above, so
    the document cannot drift from what `sse` writes). Heartbeat comment lines are not events."""
    _, definitions = msgspec.json.schema_components(STREAM_EVENTS.values())
    return {
        "oneOf": [
            {
                "type": "object",
                "required": ["event", "data"],
                "properties": {
                    "event": {"const": name},
                    "data": {
                        "type": "string",
                        "contentMediaType": "application/json",
                        "contentSchema": _inlined(definitions[struct.__name__], definitions),
                    },
                },
            }
            for name, struct in STREAM_EVENTS.items()
        ]
    }
