"""The Server-Sent Events of a chat stream, as bytes on the wire."""

from __future__ import annotations

from typing import Final

import msgspec

HEARTBEAT: Final = b": keep-alive\n\n"


class Meta(msgspec.Struct, rename="camel"):
    conversation_id: str
    user_message_id: str
    assistant_message_id: str
    route: str
    provider: str
    model: str


class Delta(msgspec.Struct):
    text: str


class CitationEvent(msgspec.Struct, rename="camel"):
    source_id: str
    """The file id."""
    title: str
    """The file name."""
    location: str
    """Page or section within the file ("" when the file has neither)."""
    snippet: str
    uploaded_at: str = ""
    """When the cited version of the file was uploaded (ISO 8601; "" when unknown)."""


class Usage(msgspec.Struct, rename="camel"):
    input_tokens: int
    output_tokens: int


class Done(msgspec.Struct, rename="camel"):
    finish_reason: str
    usage: Usage


class ErrorEvent(msgspec.Struct):
    code: str
    message: str


_encoder: Final = msgspec.json.Encoder()


def sse(event: str, data: msgspec.Struct) -> bytes:
    # JSON never contains a raw newline, so one `data:` line carries the whole payload.
    return b"event: " + event.encode() + b"\ndata: " + _encoder.encode(data) + b"\n\n"
