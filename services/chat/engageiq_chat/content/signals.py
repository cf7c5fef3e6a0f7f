"""`ContentSignals`: what each finished turn and each rating tell about the tenant's content
(decision 0111), counted in the content partition (`content_keys`) for the content health.

- Per cited file: citations, last cited time, and whether the file was stale when cited.
- A question the content could not answer (no passage retrieved, or the finished answer cites
  nothing), grouped by its normalised text with a count and the last time it was asked.
- Per cited file of an answer rated down: thumbs-down (taken back when the rating is).

A turn's signals are recorded where its answer is saved (`Turn._finish`, once per turn, also
when the client is gone), written in a task of their own: never on the stream's path, and
never able to fail the turn (failures are logged). A fixed number of
requests: one UpdateItem per cited file, one for an unanswered question, and the tenant's
knowledge view when a file was cited (usually reused: `VIEW_TTL_SECONDS`)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Final

import structlog

from engageiq_chat.knowledge.scope import Knowledge
from engageiq_chat.messages.model import Feedback, MessageStatus, Rating, StoredMessage
from engageiq_chat.storage import DynamoTables, values
from engageiq_tenancy.content_keys import (
    MAX_QUESTION_CHARS,
    file_signal_key,
    normalised_question,
    stamp,
    unanswered_key,
)
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.display_text import clean_display_text
from engageiq_tenancy.governance import Freshness
from engageiq_tenancy.keys import InvalidObjectId
from engageiq_tenancy.usage_keys import current_month

log = structlog.get_logger(__name__)

MAX_TITLE_CHARS: Final = 200


def could_not_answer(answer: StoredMessage, passages: int) -> bool:
    """Decision 0111: a finished answer to which retrieval gave no passage, or which cites
    nothing (the model, or the offline responder, said the documents do not say)."""
    return answer.status == MessageStatus.COMPLETE and (passages == 0 or not answer.citations)


class ContentSignals:
    def __init__(self, tables: DynamoTables, knowledge: Knowledge) -> None:
        self._tables = tables
        self._knowledge = knowledge
        self._running: set[asyncio.Task[None]] = set()

    def turn_finished(
        self,
        tenant: TenantContext,
        question: str,
        answer: StoredMessage | None,
        continued: StoredMessage | None,
        passages: int,
    ) -> None:
        """Record a finished turn's signals in the background. `answer`: as saved (None when
        it could not be); `continued`: the answer as it was before this turn continued it (its
        sources were counted then); `passages`: how many retrieval gave the model."""
        if answer is None:
            return
        task = asyncio.create_task(
            self._turn(tenant, question, answer, continued, passages), name="content_signals"
        )
        # The loop holds tasks weakly: keep each until it is done.
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def settled(self) -> None:
        """Wait for the signals being written (tests, and a graceful shutdown)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def _turn(
        self,
        tenant: TenantContext,
        question: str,
        answer: StoredMessage,
        continued: StoredMessage | None,
        passages: int,
    ) -> None:
        try:
            now = datetime.now(UTC)
            counted = {c.source_id for c in continued.citations} if continued else set()
            cited: dict[str, str] = {}
            for citation in answer.citations:
                if citation.source_id not in counted:
                    cited.setdefault(citation.source_id, citation.title)
            writes: list[Awaitable[object]] = []
            if cited:
                view = await self._knowledge.view(tenant)
                writes += [
                    self._cited(tenant, file_id, title, view.freshness_of(file_id), now)
                    for file_id, title in cited.items()
                ]
            if could_not_answer(answer, passages):
                writes.append(self._unanswered(tenant, question, now))
            await asyncio.gather(*writes)
        except Exception:
            # Statistics only: the answer is saved and streamed either way.
            log.warning("content_signals_not_recorded", message_id=answer.id, exc_info=True)

    async def _cited(
        self, tenant: TenantContext, file_id: str, title: str, trust: Freshness, now: datetime
    ) -> None:
        try:
            key = file_signal_key(tenant, file_id)
        except InvalidObjectId:
            return
        stale = trust == Freshness.STALE
        await self._tables.call(
            tenant,
            "update_item",
            TableName=self._tables.usage,
            Key=values(key),
            UpdateExpression=(
                "ADD citations :one"
                + (", staleCitations :one" if stale else "")
                + " SET lastCitedAt = :now, title = :title"
                + (", lastStaleCitedAt = :now" if stale else "")
            ),
            ExpressionAttributeValues=values(
                {":one": 1, ":now": stamp(now), ":title": title[:MAX_TITLE_CHARS]}
            ),
        )

    async def _unanswered(self, tenant: TenantContext, question: str, now: datetime) -> None:
        normalised = normalised_question(question)
        if not normalised:
            return
        await self._tables.call(
            tenant,
            "update_item",
            TableName=self._tables.usage,
            Key=values(unanswered_key(tenant, current_month(now), normalised)),
            UpdateExpression="ADD #count :one SET question = :question, lastAskedAt = :now",
            ExpressionAttributeNames={"#count": "count"},
            ExpressionAttributeValues=values(
                {
                    ":one": 1,
                    ":question": clean_display_text(question)[:MAX_QUESTION_CHARS],
                    ":now": stamp(now),
                }
            ),
        )

    async def rated(
        self, tenant: TenantContext, before: StoredMessage, feedback: Feedback | None
    ) -> None:
        """Count a thumbs-down on each file `before` cites when the rating becomes `down`, and
        take it back when a `down` is changed or withdrawn. Failures are logged: the rating
        itself is saved."""
        was_down = before.feedback is not None and before.feedback.rating == Rating.DOWN
        now_down = feedback is not None and feedback.rating == Rating.DOWN
        if was_down == now_down or not before.citations:
            return
        titles: dict[str, str] = {}
        for citation in before.citations:
            titles.setdefault(citation.source_id, citation.title)
        try:
            await asyncio.gather(
                *(
                    self._tables.call(
                        tenant,
                        "update_item",
                        TableName=self._tables.usage,
                        Key=values(file_signal_key(tenant, file_id)),
                        UpdateExpression="ADD thumbsDown :delta SET title = :title",
                        ExpressionAttributeValues=values(
                            {":delta": 1 if now_down else -1, ":title": title[:MAX_TITLE_CHARS]}
                        ),
                    )
                    for file_id, title in titles.items()
                )
            )
        except Exception:
            log.warning("thumbs_down_not_counted", message_id=before.id, exc_info=True)
