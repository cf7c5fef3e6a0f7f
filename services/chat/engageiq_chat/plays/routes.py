"""GET and POST /api/plays, PATCH and DELETE /api/plays/{id}, POST /api/plays/{id}/used
(decision 0115).

Everyone sees the tenant's shared plays and their own; another user's private play and
another tenant's play answer 404 `play_not_found`, like one that never existed. Members write
their own plays; only tenant admins publish (`shared: true`), change or delete shared plays
(403 `forbidden` for a member, who does see them)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Any

import msgspec
from litestar import Request, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from engageiq_chat.conversations.keys import now_iso
from engageiq_chat.ids import new_id
from engageiq_chat.knowledge.scope import ConversationScope
from engageiq_chat.plays.store import Play, PlayChanged, PlayNameTaken, PlayScope
from engageiq_chat.plays.template import clean_template, template_variables
from engageiq_chat.routing.intents import Intent
from engageiq_chat.services import ChatServices
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.audit.write_ahead import denied, recorded
from engageiq_tenancy.auth import requires_member
from engageiq_tenancy.context import Role, TenantContext
from engageiq_tenancy.display_text import clean_display_text
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.governance import KnowledgeView
from engageiq_tenancy.keys import InvalidObjectId, object_id
from engageiq_tenancy.service import BEARER

MAX_NAME_CHARS = 80
MAX_BODY_BYTES = 32 * 1024
"""A template of 4,000 characters, every one escaped in JSON, and the rest."""
MAX_PLAYS = 200
"""Per user's own plays and per tenant's shared ones: one list stays small enough to load
whole. Checked before a create, not in its transaction: a race may pass it by a play or two."""
_WRITE_ATTEMPTS = 3
"""A PATCH rereads and reapplies after a concurrent change this many times in all."""


class PlayList(msgspec.Struct, rename="camel"):
    plays: list[Play]
    """The tenant's shared plays and the caller's own, by name."""


class NewPlay(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    name: str
    """1 to 80 visible characters, unique among the plays the caller sees (ignoring case)."""
    template: str
    """Up to 4,000 characters; `{name}` is a variable, `{{` and `}}` a brace."""
    shared: bool = False
    """The tenant's (tenant admins only) rather than the caller's own."""
    scope: PlayScope | None = None
    intent: Intent | None = None


class PlayChange(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change; `scope` or `intent` null removes it."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    template: str | msgspec.UnsetType = msgspec.UNSET
    shared: bool | msgspec.UnsetType = msgspec.UNSET
    scope: PlayScope | msgspec.UnsetType | None = msgspec.UNSET
    intent: Intent | msgspec.UnsetType | None = msgspec.UNSET


class PlayNotFound(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.PLAY_NOT_FOUND)


class SharedPlaysAdminOnly(ApiError):
    def __init__(self) -> None:
        super().__init__(Errors.SHARED_PLAYS_ADMIN_ONLY)


def _is_admin(tenant: TenantContext) -> bool:
    return tenant.has_role(Role.TENANT_ADMIN)


def _name(raw: str) -> str:
    # The length rule applies to what is left after cleaning: a name of only U+200B is empty.
    name = clean_display_text(raw)
    if not name or len(name) > MAX_NAME_CHARS:
        raise ApiError(Errors.INVALID_PLAY_NAME, limit=MAX_NAME_CHARS)
    return name


async def _checked_scope(
    tenant: TenantContext, chat: ChatServices, scope: PlayScope | None
) -> PlayScope | None:
    """`scope` with each collection once, None when it names none; 400 `unknown_scope`
    unless every collection exists and admits the caller, as a conversation's scope."""
    if scope is None or not scope.collection_ids:
        return None
    normalised = PlayScope(collection_ids=tuple(dict.fromkeys(scope.collection_ids)))
    view = await chat.knowledge.view(tenant)
    await chat.knowledge.check(
        tenant, ConversationScope(collection_ids=normalised.collection_ids), view, {}
    )
    return normalised


def _as_seen_by(play: Play, tenant: TenantContext, view: KnowledgeView) -> Play:
    """`play` without the collections of its scope the caller may not see (a shared play's
    scope is the admin's): they neither learn of them nor send them back to be refused."""
    if play.scope is None:
        return play
    visible = tuple(
        c
        for c in play.scope.collection_ids
        if (collection := view.collections.get(c)) is not None and collection.admits(tenant)
    )
    scope = PlayScope(collection_ids=visible) if visible else None
    return msgspec.structs.replace(play, scope=scope)


async def _play_of(tenant: TenantContext, chat: ChatServices, play_id: str) -> Play:
    try:
        play = await chat.plays.get(tenant, object_id(play_id))
    except InvalidObjectId:
        play = None
    if play is None:
        raise PlayNotFound()
    return play


async def _may_change(
    request: Request[Any, Any, Any], tenant: TenantContext, play: Play, action: AuditAction
) -> None:
    # A private play found is the caller's own (it lives in their partition).
    if play.shared and not _is_admin(tenant):
        await denied(request, action, _target(play))
        raise SharedPlaysAdminOnly()


def _target(play: Play) -> AuditTarget:
    return AuditTarget("play", play.id, play.name)


def _audited(
    request: Request[Any, Any, Any],
    shared: bool,
    action: AuditAction,
    play: Play,
    detail: dict[str, str] | None = None,
) -> AbstractAsyncContextManager[None]:
    """The team's plays are audited (decision 0119); a rep's private play is their own note,
    like their conversations, and is not."""
    return recorded(request, action, _target(play), detail) if shared else nullcontext()


_WRITE_ERRORS = (
    Errors.INVALID_PLAY_NAME.documented(note=f"1 to {MAX_NAME_CHARS} visible characters"),
    Errors.INVALID_PLAY_TEMPLATE,
    Errors.UNKNOWN_PLAY_VARIABLE,
    Errors.TOO_MANY_PLAY_VARIABLES,
    Errors.UNKNOWN_SCOPE,
    Errors.INVALID_REQUEST,
    Errors.SHARED_PLAYS_ADMIN_ONLY,
    Errors.PLAY_NAME_TAKEN,
    Errors.PAYLOAD_TOO_LARGE,
)


@get(
    "/api/plays",
    guards=[requires_member],
    security=[BEARER],
    tags=["plays"],
)
async def list_plays(
    tenant: NamedDependency[TenantContext], chat: NamedDependency[ChatServices]
) -> PlayList:
    """The tenant's shared plays and the caller's own, by name (one list: a team's library is
    tens of plays, not thousands)."""
    plays = await chat.plays.library(tenant)
    if any(p.scope is not None for p in plays):
        view = await chat.knowledge.view(tenant)
        plays = [_as_seen_by(p, tenant, view) for p in plays]
    return PlayList(plays=plays)


@post(
    "/api/plays",
    guards=[requires_member],
    security=[BEARER],
    tags=["plays"],
    status_code=201,
    request_max_body_size=MAX_BODY_BYTES,
    responses=documented_errors(*_WRITE_ERRORS, Errors.PLAY_CHANGED, Errors.TOO_MANY_PLAYS),
)
async def create_play(
    request: Request[Any, Any, Any],
    data: JSONBody[NewPlay],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> Play:
    """A new play: the caller's own, or with `shared: true` the tenant's (admins only)."""
    if data.shared and not _is_admin(tenant):
        await denied(request, AuditAction.PLAY_CREATED, AuditTarget("play", ""))
        raise SharedPlaysAdminOnly()
    name = _name(data.name)
    template = clean_template(data.template)
    variables = template_variables(template)
    scope = await _checked_scope(tenant, chat, data.scope)
    if await chat.plays.count(tenant, shared=data.shared) >= MAX_PLAYS:
        raise ApiError(Errors.TOO_MANY_PLAYS, limit=MAX_PLAYS)
    now = now_iso()
    play = Play(
        id=new_id(),
        name=name,
        template=template,
        shared=data.shared,
        variables=variables,
        owner=tenant.user_id,
        created_at=now,
        updated_at=now,
        scope=scope,
        intent=data.intent,
    )
    async with _audited(request, play.shared, AuditAction.PLAY_CREATED, play):
        await _create(tenant, chat, play)
    return play


async def _create(tenant: TenantContext, chat: ChatServices, play: Play) -> None:
    for attempt in range(_WRITE_ATTEMPTS):
        try:
            await chat.plays.create(tenant, play)
        except PlayNameTaken:
            raise ApiError(Errors.PLAY_NAME_TAKEN, name=play.name) from None
        except PlayChanged:
            # Refused, yet no other play holds the name now: it was let go meanwhile.
            if attempt == _WRITE_ATTEMPTS - 1:
                raise ApiError(Errors.PLAY_CHANGED) from None
            continue
        return
    raise ApiError(Errors.PLAY_CHANGED)  # not reached: the loop returns or raises


@patch(
    "/api/plays/{play_id:str}",
    guards=[requires_member],
    security=[BEARER],
    tags=["plays"],
    request_max_body_size=MAX_BODY_BYTES,
    responses=documented_errors(*_WRITE_ERRORS, Errors.PLAY_NOT_FOUND, Errors.PLAY_CHANGED),
)
async def change_play(
    request: Request[Any, Any, Any],
    play_id: FromPath[str],
    data: JSONBody[PlayChange],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> Play:
    """Change a play. `shared` moves it: an admin publishes their own play to the team, or
    takes a shared one back as their own."""
    if data.shared is True and not _is_admin(tenant):
        # The id is unchecked input here: not recorded (only the tenant's own ids are).
        await denied(request, AuditAction.PLAY_CHANGED, AuditTarget("play", ""))
        raise SharedPlaysAdminOnly()
    changes: dict[str, object] = {}
    if data.name is not msgspec.UNSET:
        changes["name"] = _name(data.name)
    if data.template is not msgspec.UNSET:
        template = clean_template(data.template)
        changes |= {"template": template, "variables": template_variables(template)}
    if data.scope is not msgspec.UNSET:
        changes["scope"] = await _checked_scope(tenant, chat, data.scope)
    if data.intent is not msgspec.UNSET:
        changes["intent"] = data.intent
    first = await _play_of(tenant, chat, play_id)
    await _may_change(request, tenant, first, AuditAction.PLAY_CHANGED)
    shared = first.shared or data.shared is True
    fields = sorted(changes) + ([] if data.shared is msgspec.UNSET else ["shared"])
    detail = {"fields": ",".join(fields)}
    async with _audited(request, shared, AuditAction.PLAY_CHANGED, first, detail):
        return await _change(request, tenant, chat, play_id, data.shared, changes)


async def _change(
    request: Request[Any, Any, Any],
    tenant: TenantContext,
    chat: ChatServices,
    play_id: str,
    shared: bool | msgspec.UnsetType,
    changes: dict[str, object],
) -> Play:
    for attempt in range(_WRITE_ATTEMPTS):
        before = await _play_of(tenant, chat, play_id)
        await _may_change(request, tenant, before, AuditAction.PLAY_CHANGED)
        after = msgspec.structs.replace(before, **changes, updated_at=now_iso())
        if shared is not msgspec.UNSET and shared != before.shared:
            # Either way the caller wrote it or takes it: a private play is its owner's own.
            after = msgspec.structs.replace(after, shared=shared, owner=tenant.user_id)
        try:
            await chat.plays.replace(tenant, before, after)
        except PlayNameTaken:
            raise ApiError(Errors.PLAY_NAME_TAKEN, name=after.name) from None
        except PlayChanged:
            if attempt == _WRITE_ATTEMPTS - 1:
                raise ApiError(Errors.PLAY_CHANGED) from None
            continue
        return after
    raise ApiError(Errors.PLAY_CHANGED)  # not reached: the loop returns or raises


@delete(
    "/api/plays/{play_id:str}",
    guards=[requires_member],
    security=[BEARER],
    tags=["plays"],
    status_code=204,
    responses=documented_errors(
        Errors.PLAY_NOT_FOUND, Errors.SHARED_PLAYS_ADMIN_ONLY, Errors.PLAY_CHANGED
    ),
)
async def delete_play(
    request: Request[Any, Any, Any],
    play_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> None:
    play = await _play_of(tenant, chat, play_id)
    await _may_change(request, tenant, play, AuditAction.PLAY_DELETED)
    async with _audited(request, play.shared, AuditAction.PLAY_DELETED, play):
        try:
            deleted = await chat.plays.delete(tenant, play)
        except PlayChanged:
            raise ApiError(Errors.PLAY_CHANGED) from None
        if not deleted:
            raise PlayNotFound()


@post(
    "/api/plays/{play_id:str}/used",
    guards=[requires_member],
    security=[BEARER],
    tags=["plays"],
    status_code=204,
    responses=documented_errors(Errors.PLAY_NOT_FOUND),
)
async def count_play_use(
    play_id: FromPath[str],
    tenant: NamedDependency[TenantContext],
    chat: NamedDependency[ChatServices],
) -> None:
    """Count one use of a play. The web app calls it once the question the play filled in was
    sent, beside the chat turn rather than in it, so counting never delays an answer."""
    try:
        counted = await chat.plays.count_use(tenant, object_id(play_id))
    except InvalidObjectId:
        counted = False
    if not counted:
        raise PlayNotFound()
