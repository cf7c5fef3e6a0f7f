"""A conversation as a file (decision 0113): Markdown that reads well pasted into an e-mail or
a CRM note, or JSON of the documented shape below. Both are produced a page of messages at a
time (`transcript.pages`), so an export of thousands of messages never holds them all.

Markdown: a title line, then each question and answer under a bold label with its time; under
each answer its sources as a list matching the answer's `[n]` markers:
`- [1] pricing.pdf, page 3 (version of 2026-11-02)`, or `- [2] (source unavailable)` for a file
the caller may no longer see or that is gone.

JSON (`"format": "engageiq.conversation.v1"`)::

    {"format": "engageiq.conversation.v1", "exportedAt": "<ISO 8601>",
     "conversation": {"id", "title", "createdAt", "updatedAt"},
     "messages": [{"id", "role": "user"|"assistant", "createdAt", "status": "complete"|
                   "incomplete"|"failed"|"streaming", "content", "citations": [
                     {"number", "available": true, "fileId", "fileName", "location",
                      "versionDate", "quote"} | {"number", "available": false}]}]}

`location` is the page, slide, sheet range or section as stored ("" when none);
`versionDate` the cited file version's upload time; `quote` the cited words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Final, Literal

import msgspec

from engageiq_chat.conversations import keys
from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.conversations.store import Conversation
from engageiq_chat.conversations.transcript import PAGE_MESSAGES, Transcript, pages
from engageiq_chat.knowledge.sources import SourceWall
from engageiq_chat.messages.model import MessageStatus, Role, StoredMessage
from engageiq_chat.services import ChatServices
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.display_text import clean_display_text

ExportFormat = Literal["md", "json"]
FORMATS: Final[dict[str, tuple[str, str]]] = {
    "md": ("text/markdown; charset=utf-8", "md"),
    "json": ("application/json", "json"),
}
"""Each format's media type and file extension."""
JSON_FORMAT: Final = "engageiq.conversation.v1"
FILE_NAME_CHARS: Final = 60
UNAVAILABLE: Final = "(source unavailable)"
UNFINISHED: Final[dict[MessageStatus, str]] = {
    MessageStatus.INCOMPLETE: "This answer is incomplete.",
    MessageStatus.FAILED: "This answer failed.",
    MessageStatus.STREAMING: "This answer was still being written when exported.",
}
"""The line under an answer that did not end normally, in Markdown."""


class ExportedCitation(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    number: int
    available: bool
    file_id: str | msgspec.UnsetType = msgspec.UNSET
    file_name: str | msgspec.UnsetType = msgspec.UNSET
    location: str | msgspec.UnsetType = msgspec.UNSET
    version_date: str | msgspec.UnsetType = msgspec.UNSET
    quote: str | msgspec.UnsetType = msgspec.UNSET


class ExportedMessage(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    role: str
    created_at: str
    status: str
    content: str
    citations: list[ExportedCitation]


class ExportedConversation(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    title: str
    created_at: str
    updated_at: str


def exported_citations(message: StoredMessage, wall: SourceWall) -> list[ExportedCitation]:
    """The message's sources as the caller may see them now (the wall of history)."""
    return [
        ExportedCitation(
            number=n,
            available=True,
            file_id=c.source_id,
            file_name=c.title,
            location=c.location,
            version_date=c.uploaded_at,
            quote=c.snippet,
        )
        if wall.shows(c.source_id)
        else ExportedCitation(number=n, available=False)
        for n, c in enumerate(message.citations, start=1)
    ]


def file_name(conversation: Conversation, extension: str) -> str:
    """A name safe in any file system and header: ASCII letters, digits and '-' from the
    title, then the export's date, e.g. `pricing-for-acme-2026-12-06.md`."""
    folded = unicodedata.normalize("NFKD", conversation.title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:FILE_NAME_CHARS].strip("-")
    return f"{slug or 'conversation'}-{datetime.now(UTC):%Y-%m-%d}.{extension}"


_MARKDOWN_SYNTAX: Final = re.compile(r"([\\`*_\[\]<>~])")
"""What can turn a name into a link, an image, HTML or emphasis when the Markdown is rendered."""


def markdown_literal(text: str) -> str:
    """`text` (a title, file name or location: written by others, or read from documents) as
    one line of Markdown that renders as exactly that text: line breaks and control
    characters removed (a name cannot start a heading or a fake answer), and the characters
    that make links, images, HTML or emphasis escaped, so `![x](https://tracker/p.png)` in a
    file name stays text in the e-mail or CRM note it is pasted into."""
    return _MARKDOWN_SYNTAX.sub(r"\\\1", clean_display_text(text))


_FENCE_OPEN: Final = re.compile(r" {0,3}(`{3,}(?=[^`]*$)|~{3,})")
_CODE_SPAN: Final = re.compile(r"(?<![`\\])(`+)(?!`).*?(?<!`)\1(?!`)")
"""A code span as CommonMark reads one: a whole run of backticks (not escaped) closed by a
run of the same length. Where this finds none, the text is made inert: the safe side."""
_ACTIVE: Final = re.compile(r"!\[|<(?=[A-Za-z/!?])")


def _inert(text: str) -> str:
    # `![` -> `!\[`: no image, and no link either (the bracket is text); `<` -> `&lt;`: no tag
    # (an entity stays an entity whatever backslashes precede it).
    return _ACTIVE.sub(lambda m: "!\\[" if m.group(0) == "![" else "&lt;", text)


def _inert_line(line: str) -> str:
    out: list[str] = []
    at = 0
    for span in _CODE_SPAN.finditer(line):
        out += [_inert(line[at : span.start()]), span.group(0)]
        at = span.end()
    out.append(_inert(line[at:]))
    return "".join(out)


def markdown_content(text: str) -> str:
    """A message's Markdown as the web app shows it (`web/src/lib/markdown.ts`): its
    formatting kept, but an image (`![alt](address)`, which a mail client would fetch: a
    tracker, or a document's instructions making the model send data to an address) and raw
    HTML written so that they show as text. Fenced code blocks and code spans are left as
    they are (they render as text already)."""
    out: list[str] = []
    fence = ""  # the open fence's run of backticks or tildes; "" outside a code block
    for line in text.split("\n"):
        if fence:
            # Closed by a run of the same character, at least as long, and nothing else.
            stripped = line.strip(" ")
            indent = len(line) - len(line.lstrip(" "))
            if indent <= 3 and stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = ""
            out.append(line)
            continue
        opened = _FENCE_OPEN.match(line)
        if opened:
            fence = opened.group(1)
            out.append(line)
            continue
        out.append(_inert_line(line))
    return "\n".join(out)


def _when(iso: str) -> str:
    """`2026-12-01T10:22:31.123456Z` as `2026-12-01 10:22 UTC`."""
    return f"{iso[:10]} {iso[11:16]} UTC" if len(iso) >= 16 else iso


def _markdown_message(message: StoredMessage, wall: SourceWall) -> str:
    label = "Question" if message.role == Role.USER else "Answer"
    content = markdown_content(message.content.strip())
    lines = [f"**{label}** · {_when(message.created_at)}", "", content]
    note = UNFINISHED.get(message.status)
    if message.role == Role.ASSISTANT and note:
        lines += ["", f"_({note})_"]
    citations = exported_citations(message, wall)
    if citations:
        # A list, not bare lines: rendered Markdown (a CRM note) joins consecutive lines.
        lines += ["", "Sources:", ""]
        for c in citations:
            if not c.available:
                lines.append(f"- [{c.number}] {UNAVAILABLE}")
                continue
            where = f", {markdown_literal(str(c.location))}" if c.location else ""
            version = f" (version of {str(c.version_date)[:10]})" if c.version_date else ""
            lines.append(f"- [{c.number}] {markdown_literal(str(c.file_name))}{where}{version}")
    return "\n".join(lines) + "\n\n"


def _markdown_entry(message: StoredMessage, wall: SourceWall, _first: bool) -> bytes:
    return _markdown_message(message, wall).encode()


def _json_entry(message: StoredMessage, wall: SourceWall, first: bool) -> bytes:
    encoded = msgspec.json.encode(
        ExportedMessage(
            id=message.id,
            role=message.role.value,
            created_at=message.created_at,
            status=message.status.value,
            content=message.content,
            citations=exported_citations(message, wall),
        )
    )
    return encoded if first else b"," + encoded


def _head(conversation: Conversation, export_format: ExportFormat) -> bytes:
    if export_format == "md":
        title = markdown_literal(conversation.title)
        return f"# {title}\n\nExported from EngageIQ on {_when(now_iso())}.\n\n---\n\n".encode()
    summary = ExportedConversation(
        id=conversation.id,
        title=conversation.title,
        created_at=conversation.created_at,
        updated_at=conversation.updated_at,
    )
    return b"".join(
        (
            b'{"format":',
            msgspec.json.encode(JSON_FORMAT),
            b',"exportedAt":',
            msgspec.json.encode(now_iso()),
            b',"conversation":',
            msgspec.json.encode(summary),
            b',"messages":[',
        )
    )


async def export_chunks(
    chat: ChatServices,
    tenant: TenantContext,
    conversation: Conversation,
    export_format: ExportFormat,
    *,
    page_messages: int = PAGE_MESSAGES,
) -> AsyncIterator[bytes]:
    """The export of the caller's `conversation`, one chunk per page of messages: each page
    is read, its cited files checked (one read of their records) and rendered before the
    next page is read."""
    transcript = Transcript(keys.partition(tenant), conversation.id)
    view = await chat.knowledge.view(tenant)
    render = _markdown_entry if export_format == "md" else _json_entry
    yield _head(conversation, export_format)
    first = True
    async for page in pages(chat.tables, tenant, transcript, limit=page_messages):
        cited = (c for m in page for c in m.citations)
        wall = await chat.knowledge.source_wall(tenant, view, cited)
        chunk = bytearray()
        for message in page:
            chunk += render(message, wall, first)
            first = False
        yield bytes(chunk)
    if export_format == "json":
        yield b"]}"
