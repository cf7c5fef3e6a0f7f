"""`ChatTurns` prepares a turn (every check and the user message's write happen before the
response starts, so failures there are plain HTTP errors); `Turn.events` streams it.

Stream policy (docs/decisions/0021-chat-streaming.md):
- `meta` is sent at once; a comment line goes out whenever `heartbeat_seconds` pass silently;
- the model runs in its own task feeding a queue, so waiting for it never blocks heartbeats,
  and cancelling it (client gone) or its time limit closes the model connection;
- at `stream_max_seconds` the answer so far is saved `incomplete` and `done` says
  `length_limit`; the client continues it in place (`ChatTurns.resume`: the same message
  grows, numbering its sources on; decision 0109), or with a follow-up "continue" (0023);
- sources are the passages the provider cites, numbered in first-cited order: each new one is
  sent as a `citation` event before the marker (`[n]`) that follows its claim (0109);
- retrieval leaves out the files the caller's audiences hide and keeps to the conversation's
  scope; the passages go to the model verified first, each with its freshness, and an answer
  citing only stale or unverified sources ends with a `notice` (0111);
- the answer does not depend on its connection (decision 0114): its item is written
  `streaming` with the question, checkpointed as it grows (`checkpoint_seconds`; a lease
  renewed at least every `renew_seconds`), and generated to its end when the client is gone;
  events carry `id:` (the answer's length so far) so a client resumes where it was
  (`turns.follow`); only an explicit Stop (`stop`, or a flag on the item that refuses the
  next checkpoint) stops the model;
- whatever ends the turn, the assistant message is saved (complete, incomplete or failed)
  and usage and the content signals are recorded."""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field

import msgspec
import structlog

from engageiq_chat.context.prompt import Persona
from engageiq_chat.context.retrieval import Passage
from engageiq_chat.context.tokens import estimate_tokens
from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.conversations.store import Conversation, title_from
from engageiq_chat.ids import new_id
from engageiq_chat.knowledge.scope import ConversationScope, file_filter
from engageiq_chat.knowledge.trust import governed_passages, notice_for
from engageiq_chat.messages.model import (
    INTERRUPTED,
    Citation,
    MessageStatus,
    Role,
    StoredMessage,
    epoch_ms,
    renew_seconds,
)
from engageiq_chat.messages.store import CheckpointRefused, ConversationGone
from engageiq_chat.providers.base import Cited, Finished, ModelRequest, ProviderError, TextDelta
from engageiq_chat.routing.intents import Intent
from engageiq_chat.services import HISTORY_MAX_MESSAGES, ChatServices
from engageiq_chat.turns import events
from engageiq_chat.turns.model_text import ModelText
from engageiq_chat.turns.sources import AnswerSources
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError
from engageiq_tenancy.governance import KnowledgeView
from engageiq_tenancy.keys import InvalidObjectId, object_id
from engageiq_tenancy.tenant_gate import StorageUnavailable

log = structlog.get_logger(__name__)

PASSAGES_PER_TURN = 5
# A refusal is a finished answer too; max_tokens and our time limit leave it incomplete.
COMPLETE_REASONS = frozenset({"end_turn", "stop_sequence", "refusal"})
# What the model is asked when an answer is continued in place; never stored as a message.
CONTINUE_INSTRUCTION = (
    "Continue your previous answer exactly where it stopped, without repeating any of it and "
    "without any preface."
)
_RUNNING: set[asyncio.Task[None]] = set()


class ConversationNotFound(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.CONVERSATION_NOT_FOUND)


def conversation_id_of(value: str) -> str:
    """A conversation id from a request; malformed ids are just ids that do not exist."""
    try:
        return object_id(value)
    except InvalidObjectId:
        raise ConversationNotFound() from None


class ChatTurns:
    def __init__(self, chat: ChatServices) -> None:
        self._chat = chat

    async def start(
        self,
        tenant: TenantContext,
        message: str,
        conversation_id: str | None,
        scope: ConversationScope | None = None,
        *,
        intent: Intent | None = None,
    ) -> Turn:
        """Check and save the question, and prepare its answer. `scope` None: the
        conversation's stored scope applies; given, it is checked (400 `unknown_scope`) and
        stored with the question (both lists empty: the stored scope is cleared). `intent`
        given (a play's): the turn's route, instead of the router's guess."""
        chat = self._chat
        started = time.perf_counter()
        text = message.strip()
        if not text:
            raise ApiError(Errors.EMPTY_MESSAGE)
        if len(text) > chat.settings.max_message_chars:
            raise ApiError(Errors.MESSAGE_TOO_LONG, limit=chat.settings.max_message_chars)
        cid = conversation_id_of(conversation_id) if conversation_id is not None else None
        requested = scope.normalised() if scope is not None else None

        # Retrieval (the index pointer's read and the search) needs only the knowledge view
        # (which files the caller may not see) and the scope (the request's, else the stored
        # one): it starts as soon as those two reads are back and runs beside the other
        # checks and the user message's write, so the turn start waits for the longer of the
        # two, not their sum (docs/decisions/0101).
        viewing = asyncio.create_task(chat.knowledge.view(tenant), name="knowledge")
        reading = asyncio.create_task(
            chat.conversations.get(tenant, cid) if cid else _none(), name="conversation"
        )
        retrieving = asyncio.create_task(
            self._retrieve(tenant, text, viewing, reading, requested), name="retrieval"
        )
        try:
            prepared = await self._prepare(tenant, text, cid, viewing, reading, requested, intent)
            waiting = time.perf_counter()
            passages = await retrieving
        finally:
            # A refused turn (budget, missing conversation, storage) does not wait for them.
            for task in (retrieving, viewing, reading):
                _drop(task)
        read_ms, write_ms = prepared.read_ms, prepared.write_ms
        retrieval_wait_ms = (time.perf_counter() - waiting) * 1000
        user_message, history, route = prepared.user_message, prepared.history, prepared.route
        model = chat.settings.model_for(route.value)
        request = chat.prompts.build(
            model=model,
            max_tokens=chat.settings.max_output_tokens,
            intent=route,
            persona=prepared.persona,
            history=history,
            message=text,
            passages=passages,
        )
        done = time.perf_counter()
        # Per-phase timings: where a slow turn start spends its time (reads, the write, ours).
        log.info(
            "chat_turn_started",
            conversation_id=user_message.conversation_id,
            route=route.value,
            model=model,
            provider=chat.provider.name,
            history_messages=len(history),
            prompt_chars=len(text),
            read_ms=round(read_ms, 2),
            write_ms=round(write_ms, 2),
            retrieval_wait_ms=round(retrieval_wait_ms, 2),
            total_ms=round((done - started) * 1000, 2),
        )
        return Turn(
            chat,
            tenant,
            user_message,
            request,
            prepared.answer.id,
            AnswerSources(passages),
            prepared.version,
            owner=prepared.answer.stream_id or "",
            created_at=prepared.answer.created_at,
        )

    async def resume(self, tenant: TenantContext, conversation_id: str, message_id: str) -> Turn:
        """A turn that continues the conversation's last answer in place: it must be the
        newest message and cut off (stopped, at the time limit or the token limit). Nothing
        is written before the stream: the same message is rewritten when it ends."""
        chat = self._chat
        cid = conversation_id_of(conversation_id)
        # Independent reads, together (the history of a conversation that turns out missing
        # is an empty Query of the caller's own partition).
        profile, usage, conversation, view, history = await asyncio.gather(
            chat.profiles.get(tenant),
            chat.usage.current(tenant),
            chat.conversations.get(tenant, cid),
            chat.knowledge.view(tenant),
            chat.messages.recent(tenant, cid, HISTORY_MAX_MESSAGES),
        )
        chat.usage.check(usage, profile.monthly_token_budget)
        if conversation is None:
            raise ConversationNotFound()
        answer = history[-1] if history else None
        if answer is None or answer.id != message_id or not continuable(answer):
            raise ApiError(Errors.NOTHING_TO_CONTINUE)
        question = next((m for m in reversed(history) if m.role == Role.USER), None)
        if question is None:
            raise ApiError(Errors.NOTHING_TO_CONTINUE)
        # The answer is this generation's from here (a second Continue, or one of an answer
        # still being written, is refused): checkpoints and the final write are fenced by it.
        owner = new_id()
        if not await chat.messages.claim(tenant, answer, owner=owner, at=epoch_ms(time.time())):
            raise ApiError(Errors.NOTHING_TO_CONTINUE)
        route = Intent(answer.route) if answer.route in set(Intent) else Intent.GENERAL
        found = await chat.retriever.retrieve(
            tenant,
            question.content,
            PASSAGES_PER_TURN,
            file_filter(view, tenant, conversation.scope),
        )
        passages = governed_passages(question.content, found, view)
        request = chat.prompts.build(
            model=chat.settings.model_for(route.value),
            max_tokens=chat.settings.max_output_tokens,
            intent=route,
            persona=profile.persona,
            history=history,
            message=CONTINUE_INSTRUCTION,
            passages=passages,
        )
        log.info("chat_turn_resumed", conversation_id=cid, message_id=answer.id)
        return Turn(
            chat,
            tenant,
            question,
            request,
            answer.id,
            AnswerSources(passages, answer.citations),
            conversation.updated_at,
            owner=owner,
            created_at=answer.created_at,
            continues=answer,
        )

    async def _retrieve(
        self,
        tenant: TenantContext,
        text: str,
        viewing: asyncio.Task[KnowledgeView],
        reading: asyncio.Task[Conversation | None],
        requested: ConversationScope | None,
    ) -> list[Passage]:
        """The turn's passages: of the scope's files only (the request's scope, else the
        conversation's), never of a file the caller may not see, verified ones first."""
        # Shielded: cancelling retrieval must not cancel the reads `_prepare` also awaits.
        view = await asyncio.shield(viewing)
        if requested is not None:
            scope = None if requested.empty else requested
        else:
            conversation = await asyncio.shield(reading)
            scope = conversation.scope if conversation is not None else None
        found = await self._chat.retriever.retrieve(
            tenant,
            text,
            PASSAGES_PER_TURN,
            file_filter(view, tenant, scope),
        )
        return governed_passages(text, found, view)

    async def _prepare(
        self,
        tenant: TenantContext,
        text: str,
        cid: str | None,
        viewing: asyncio.Task[KnowledgeView],
        reading: asyncio.Task[Conversation | None],
        requested: ConversationScope | None,
        intent: Intent | None = None,
    ) -> _Prepared:
        """Everything of a turn start but retrieval: the reads it checks (tenant record, usage,
        conversation, knowledge view, the scope's file records; concurrent, the first two
        usually cached), the budget, the scope, the history, and the user message's write
        (with the scope when one was given)."""
        chat = self._chat
        started = time.perf_counter()
        file_ids = requested.file_ids if requested is not None else ()
        profile, usage, conversation, view, scoped_files = await asyncio.gather(
            chat.profiles.get(tenant),
            chat.usage.current(tenant),
            reading,
            viewing,
            chat.knowledge.file_collections(tenant, file_ids),
        )
        chat.usage.check(usage, profile.monthly_token_budget)
        if cid is not None and conversation is None:
            raise ConversationNotFound()
        scope_change: ConversationScope | msgspec.UnsetType | None = msgspec.UNSET
        if requested is not None:
            if not requested.empty:
                await chat.knowledge.check(tenant, requested, view, scoped_files)
            scope_change = None if requested.empty else requested
        history: list[StoredMessage] = []
        if conversation is not None:
            key = (tenant.tenant_id, tenant.user_id, conversation.id)
            cached = chat.history.get(key, conversation.updated_at)
            if cached is None:
                history = await chat.messages.recent(tenant, conversation.id, HISTORY_MAX_MESSAGES)
                chat.history.put(key, conversation.updated_at, history)
            else:
                history = cached
        last_route = conversation.last_route if conversation else None
        previous = Intent(last_route) if last_route in set(Intent) else None
        route = intent or chat.router.classify(text, previous).intent
        user_message = StoredMessage(
            id=new_id(),
            conversation_id=cid or new_id(),
            role=Role.USER,
            content=text,
            created_at=now_iso(),
            status=MessageStatus.COMPLETE,
            route=route.value,
        )
        # The answer's item exists from the start, `streaming` (decision 0114): a resume, a
        # Stop or a second tab finds it at once, and a generator that dies leaves it behind.
        answer = StoredMessage(
            id=new_id(),
            conversation_id=user_message.conversation_id,
            role=Role.ASSISTANT,
            content="",
            created_at=user_message.created_at,
            status=MessageStatus.STREAMING,
            route=route.value,
            provider=chat.provider.name,
            model=chat.settings.model_for(route.value),
            checkpoint_at=epoch_ms(time.time()),
            stream_id=new_id(),
        )
        key = (tenant.tenant_id, tenant.user_id, user_message.conversation_id)
        writing = time.perf_counter()
        try:
            version = await chat.messages.add(
                tenant,
                user_message,
                new_conversation=cid is None,
                title=title_from(text),
                scope=scope_change,
                answer=answer,
            )
        except ConversationGone:
            raise ConversationNotFound() from None
        chat.history.extend(
            key, conversation.updated_at if conversation else None, version, user_message
        )
        chat.history.extend(key, version, version, answer)
        return _Prepared(
            user_message=user_message,
            answer=answer,
            history=history,
            route=route,
            persona=profile.persona,
            version=version,
            read_ms=(writing - started) * 1000,
            write_ms=(time.perf_counter() - writing) * 1000,
        )


@dataclass(frozen=True, slots=True)
class _Prepared:
    user_message: StoredMessage
    answer: StoredMessage
    """The answer's `streaming` item, written with the question."""
    history: list[StoredMessage]
    route: Intent
    persona: Persona
    version: str
    read_ms: float
    write_ms: float


async def _none() -> Conversation | None:
    return None


def _drop(task: asyncio.Task[object]) -> None:
    """Cancel `task`; if it already failed, its error was raised elsewhere (the reads it
    shares with `_prepare`), so it is marked seen rather than logged as never retrieved."""
    task.cancel()
    if task.done() and not task.cancelled():
        task.exception()


def continuable(message: StoredMessage) -> bool:
    """An answer that was cut off: stopped, at the time limit, or at the token limit."""
    return message.role == Role.ASSISTANT and (
        message.status == MessageStatus.INCOMPLETE or message.finish_reason == "max_tokens"
    )


@dataclass
class Turn:
    chat: ChatServices
    tenant: TenantContext
    user_message: StoredMessage
    request: ModelRequest
    assistant_id: str
    sources: AnswerSources
    version: str
    """The conversation's version after the user message: the history cache chains on it."""
    owner: str = ""
    """This generation's `streamId`: its checkpoints and final write are refused once the
    answer is another's (a continuation after this one was taken for dead)."""
    created_at: str = ""
    """The answer's `createdAt`, kept by every write."""
    continues: StoredMessage | None = None
    """The cut-off answer this turn continues in place (its id is `assistant_id`)."""
    parts: list[str] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    """Where the answer's text stands after each part (characters, the continued answer's
    included): the `id:` of the part's event."""
    model_text: ModelText = field(default_factory=ModelText)
    """The model's text with marker-shaped runs escaped: only `_cite` writes markers."""
    worker: asyncio.Task[None] | None = None
    answer: StoredMessage | None = None
    """The answer as saved when the turn ended (None until then, or if it was not saved)."""
    closing: bytes | None = None
    """The stream's last event (`done` or `error`), once the turn has ended."""
    checkpoints: int = 0
    """Checkpoint writes made (the extra writes of a turn, decision 0114)."""
    stopping: bool = False
    revision: int = 0
    """How often the answer changed (text or sources): a checkpoint is due when it moved."""
    sources_revision: int = 0
    """How often its sources changed: a checkpoint writes them only when this moved."""
    _finishing: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _watched: bool = False
    """A reader waits on `_changed` (`changed`): the next change must set it."""
    _checkpointer: asyncio.Task[None] | None = None
    _stop_reason: str = "stopped"

    @property
    def key(self) -> tuple[str, str, str]:
        """The live answers' key: tenant, user and message (`turns.follow.LiveAnswers`)."""
        return (self.tenant.tenant_id, self.tenant.user_id, self.assistant_id)

    @property
    def start(self) -> int:
        """Where this turn's text starts in the answer (after a continued answer's)."""
        return len(self.continues.content) if self.continues else 0

    @property
    def length(self) -> int:
        """The answer's length so far (characters): the last event's `id`."""
        return self.ends[-1] if self.ends else self.start

    def text_after(self, offset: int) -> str:
        """The answer's text past `offset` (characters), from memory."""
        if offset < self.start:
            earlier = self.continues.content if self.continues else ""
            return earlier[offset:] + "".join(self.parts)
        first = bisect.bisect_right(self.ends, offset)
        if first >= len(self.parts):
            return ""
        begins = self.ends[first - 1] if first else self.start
        return self.parts[first][offset - begins :] + "".join(self.parts[first + 1 :])

    async def changed(self, seconds: float, since: int) -> None:
        """Wait until the answer grows or ends after revision `since`, at most `seconds`."""
        if self.revision != since:
            return  # it changed while the reader was busy
        event = self._changed
        self._watched = True
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            pass

    def _touch(self) -> None:
        self.revision += 1
        if self._watched:
            # Each waiter holds the event of its time: set it, and start a new one for the
            # next. Unwatched (the usual turn: nobody follows it but its own stream), a delta
            # costs no event.
            self._changed.set()
            self._changed = asyncio.Event()
            self._watched = False

    def stop(self, reason: str = "stopped") -> None:
        """The user's Stop: the model is stopped and the answer saved `incomplete` with
        finish reason `reason` (`interrupted` at shutdown), whoever is reading it. Nothing
        happens once the answer is being saved."""
        if self.worker is None or self._finishing or self.stopping:
            return
        self.stopping = True
        self._stop_reason = reason
        self.worker.cancel()

    @property
    def citations(self) -> list[Citation]:
        """The answer's sources: the passages it cites, numbered in first-cited order."""
        return self.sources.citations

    async def events(self) -> AsyncGenerator[bytes, None]:
        """The response body. Generation runs in its own task (`worker`), which owns the model
        stream, the time limit and the saving; this generator only relays its events and adds
        heartbeats. However the response ends - finished, cancelled on disconnect, or closed
        by the garbage collector - the worker goes on to the answer's end and saves it
        (decision 0114); a client that left comes back through `turns.follow`."""
        # The worker starts first: a client gone right after `meta` still gets its answer.
        outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.worker = asyncio.create_task(self._generate(outbox))
        # The event loop holds tasks weakly; this keeps a detached worker alive until it saves.
        _RUNNING.add(self.worker)
        self.worker.add_done_callback(_RUNNING.discard)
        # Readers of this process (a resume, a second tab, a Stop) find it here.
        self.chat.live.add(self)
        self.worker.add_done_callback(lambda _: self.chat.live.discard(self))
        yield events.sse(
            "meta",
            events.Meta(
                conversation_id=self.user_message.conversation_id,
                user_message_id=self.user_message.id,
                assistant_message_id=self.assistant_id,
                route=self.request.intent,
                provider=self.chat.provider.name,
                model=self.request.model,
                passages=len(self.request.passages),
            ),
            self.start,
        )
        while True:
            if outbox.empty():
                try:
                    # asyncio.timeout, not wait_for: on 3.11 wait_for wraps the get in a
                    # new task for every event, a cost per delta of every open stream.
                    async with asyncio.timeout(self.chat.settings.heartbeat_seconds):
                        first = await outbox.get()
                except TimeoutError:
                    yield events.HEARTBEAT
                    continue
            else:
                first = outbox.get_nowait()
            # Under load several events wait here at once: one write for all of them
            # costs the server one send instead of many.
            chunks = [first]
            while chunks[-1] is not None and not outbox.empty():
                chunks.append(outbox.get_nowait())
            finished = chunks[-1] is None
            body = b"".join(c for c in chunks if c is not None)
            if body:
                yield body
            if finished:
                return

    async def _generate(self, outbox: asyncio.Queue[bytes | None]) -> None:
        outcome: Finished | ProviderError | None = None
        self._checkpointer = asyncio.create_task(self._checkpoints())
        try:
            async with asyncio.timeout(self.chat.settings.stream_max_seconds):
                async for event in self.chat.provider.stream(self.request):
                    if isinstance(event, TextDelta):
                        self._say(outbox, self.model_text.feed(event.text))
                    elif isinstance(event, Cited):
                        self._say(outbox, self.model_text.flush())
                        self._cite(outbox, event)
                    else:
                        outcome = event
            if outcome is None:
                # Every provider promises one Finished; a stream without it is not an answer.
                outcome = ProviderError(
                    "model_incomplete",
                    "The answer was cut off before the model finished. "
                    'Send "continue" for the rest.',
                )
        except TimeoutError:
            outcome = None  # the stream's time limit: saved incomplete, `done` says length_limit
        except ProviderError as exc:
            outcome = exc
        except asyncio.CancelledError:
            self._say(outbox, self.model_text.flush())
            self._finishing = True
            final = await asyncio.shield(
                self._finish(None, cut=self._stop_reason if self.stopping else INTERRUPTED)
            )
            outbox.put_nowait(final)
            outbox.put_nowait(None)
            task = asyncio.current_task()
            if self.stopping and task is not None and task.uncancel() == 0:
                return  # our own Stop, handled: the answer is saved and its readers told
            raise
        except Exception:
            log.exception("provider_crashed")
            outcome = ProviderError("model_error", "The model failed to answer. Try again.")
        self._say(outbox, self.model_text.flush())
        # From here a Stop has nothing left to stop (set before the shielded task starts).
        self._finishing = True
        # Shielded: a cancellation arriving while the answer is being saved must not cut it.
        final = await asyncio.shield(self._finish(outcome))
        outbox.put_nowait(final)
        outbox.put_nowait(None)

    def _say(self, outbox: asyncio.Queue[bytes | None], text: str) -> None:
        if not text:
            return
        self.parts.append(text)
        self.ends.append(self.length + len(text))
        outbox.put_nowait(events.sse("delta", events.Delta(text=text), self.length))
        self._touch()

    def _cite(self, outbox: asyncio.Queue[bytes | None], cited: Cited) -> None:
        """A claim's sources go out before its marker, so the marker always has its source."""
        marker, changed = self.sources.cite(cited.citations)
        for number, citation in changed:
            outbox.put_nowait(
                events.sse(
                    "citation",
                    events.CitationEvent(number=number, **msgspec.structs.asdict(citation)),
                    self.length,
                )
            )
        if changed:
            self.sources_revision += 1
            self._touch()
        if marker:
            self._say(outbox, marker)

    async def _checkpoints(self) -> None:
        """Write the answer so far every `checkpoint_seconds` while it grows, and at least
        every `renew_seconds` (its lease); a refused write is a Stop (asked for on another
        instance), or the answer is no longer this generation's: the model is stopped. The
        sources (and the passage count) go only into the checkpoints after they changed: most
        checkpoints carry the text and the lease alone (decision 0124)."""
        interval = self.chat.settings.checkpoint_seconds
        renew = renew_seconds(self.chat.messages.lease_seconds)
        written, renewed = self.revision, time.monotonic()
        # The placeholder holds no passage count and (a new answer) no sources: the first
        # checkpoint writes both; a continued answer's item holds its earlier sources.
        sources_written: int | None = None
        while True:
            await asyncio.sleep(interval)
            revision, sources = self.revision, self.sources_revision
            if revision == written and time.monotonic() - renewed < renew:
                continue
            first = sources_written is None
            try:
                await self.chat.messages.checkpoint(
                    self.tenant,
                    self.user_message.conversation_id,
                    self.assistant_id,
                    owner=self.owner,
                    content=(self.continues.content if self.continues else "")
                    + "".join(self.parts),
                    citations=list(self.citations) if sources != sources_written else None,
                    passages=len(self.request.passages) if first else None,
                    at=epoch_ms(time.time()),
                )
            except CheckpointRefused:
                log.info("answer_stop_requested", message_id=self.assistant_id)
                self.stop()
                return
            except StorageUnavailable:
                # The next checkpoint tries again; the lease is far longer than one miss.
                log.warning("answer_checkpoint_failed", message_id=self.assistant_id)
                continue
            self.checkpoints += 1
            written, renewed, sources_written = revision, time.monotonic(), sources

    async def _store(self, message: StoredMessage) -> bool:
        """Rewrite the answer's item with the whole answer; False when storage is down."""
        key = (self.tenant.tenant_id, self.tenant.user_id, message.conversation_id)
        try:
            version = await self.chat.messages.replace(self.tenant, message, owner=self.owner)
            self.chat.history.revise(key, self.version, version, message)
        except ConversationGone:
            # Deleted since, or (after a pause longer than the lease) continued by another.
            log.info("answer_dropped", message_id=message.id)
        except StorageUnavailable:
            return False
        return True

    async def _record_usage(self, input_tokens: int, output_tokens: int) -> None:
        try:
            await self.chat.usage.record(self.tenant, input_tokens, output_tokens)
        except StorageUnavailable:
            # Usage is best effort once the tokens are spent; the log line is the record.
            log.error("usage_not_recorded", input_tokens=input_tokens, output_tokens=output_tokens)

    async def _count_citations(self, cited: list[tuple[str, str]]) -> None:
        """Count the saved answer's cited files for the admin's most-cited documents."""
        if not cited:
            return
        try:
            await self.chat.usage.count_citations(self.tenant, cited)
        except (StorageUnavailable, InvalidObjectId):
            # A statistic only: the answer and its citations are saved either way.
            log.warning("citations_not_counted", message_id=self.assistant_id)

    async def _finish(
        self, outcome: Finished | ProviderError | None, *, cut: str = "length_limit"
    ) -> bytes:
        """Save the assistant message, usage and the content signals; returns the closing
        event. Called exactly once per turn (shielded from a Stop's cancellation). `cut`: the
        finish reason without an outcome (`length_limit`, `stopped`, `interrupted`)."""
        if self._checkpointer is not None:
            # No checkpoint after (or during) the final write: it would be refused anyway.
            self._checkpointer.cancel()
            await asyncio.gather(self._checkpointer, return_exceptions=True)
        closing = await self._save(outcome, cut)
        self.closing = closing
        self._touch()
        return closing

    async def _save(self, outcome: Finished | ProviderError | None, cut: str) -> bytes:
        text = "".join(self.parts)
        input_tokens = estimate_tokens(
            "".join(b.text for b in self.request.system)
            + "".join(m.content for m in self.request.messages)
        )
        output_tokens = estimate_tokens(text)
        error: ProviderError | None = None
        if isinstance(outcome, Finished):
            reason = outcome.stop_reason
            input_tokens, output_tokens = outcome.input_tokens, outcome.output_tokens
            status = (
                MessageStatus.COMPLETE if reason in COMPLETE_REASONS else MessageStatus.INCOMPLETE
            )
        elif isinstance(outcome, ProviderError):
            error = outcome
            reason = "error"
            input_tokens = outcome.input_tokens or input_tokens
            output_tokens = outcome.output_tokens or output_tokens
            status = MessageStatus.INCOMPLETE if text else MessageStatus.FAILED
        else:
            reason = cut
            status = MessageStatus.INCOMPLETE if text else MessageStatus.FAILED
        earlier = self.continues
        content = (earlier.content if earlier else "") + text
        if earlier is not None and status == MessageStatus.FAILED:
            # A continuation that added nothing leaves the answer as it was: cut off.
            status = MessageStatus.INCOMPLETE
        citations = self.citations
        message = StoredMessage(
            id=self.assistant_id,
            conversation_id=self.user_message.conversation_id,
            role=Role.ASSISTANT,
            content=content,
            created_at=self.created_at or (earlier.created_at if earlier else now_iso()),
            status=status,
            route=self.request.intent,
            citations=citations,
            provider=self.chat.provider.name,
            model=self.request.model,
            finish_reason=reason,
            input_tokens=input_tokens + (earlier.input_tokens if earlier else 0),
            output_tokens=output_tokens + (earlier.output_tokens if earlier else 0),
            # The fallback when the model cites none of the passages it was given: say so,
            # never cite everything. (Without passages there was nothing to cite.)
            uncited=bool(content.strip() and self.request.passages) and not citations,
            notice=notice_for(citations),
            passages=len(self.request.passages),
        )
        stored = await self._store(message)
        self.answer = message if stored else None
        earlier_files = {c.source_id for c in earlier.citations} if earlier else set()
        # Only cited files count, and a continuation counts only the files it added.
        cited = (
            [(c.source_id, c.title) for c in self.sources.added if c.source_id not in earlier_files]
            if stored and text
            else []
        )
        # The content loop's signals (decision 0111), in a task of their own, beside the usage
        # counters and on the same path: `_finish` runs once per turn, however it ends (a
        # client gone mid-stream or while the answer is being saved included).
        self.chat.content.signals.turn_finished(
            self.tenant, self.user_message.content, self.answer, earlier, len(self.request.passages)
        )
        # Independent writes, sent together: the closing event waits one round trip.
        await asyncio.gather(
            self._record_usage(input_tokens, output_tokens), self._count_citations(cited)
        )
        log.info(
            "chat_turn_finished",
            finish_reason=reason,
            status=status.value,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            checkpoints=self.checkpoints,
        )
        if error is not None:
            return events.sse(
                "error", events.ErrorEvent(code=error.code, message=error.message), self.length
            )
        if not stored:
            return events.sse(
                "error",
                events.ErrorEvent(
                    code=Errors.STORAGE_UNAVAILABLE.code, message=Errors.STORAGE_UNAVAILABLE.message
                ),
                self.length,
            )
        return events.sse(
            "done",
            events.Done(
                finish_reason=reason,
                usage=events.Usage(input_tokens=input_tokens, output_tokens=output_tokens),
                uncited=message.uncited,
                notice=message.notice or msgspec.UNSET,
            ),
            self.length,
        )
