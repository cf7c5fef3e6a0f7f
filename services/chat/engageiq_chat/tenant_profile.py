"""The caller's tenant record as the chat service needs it: budget and persona. (Status is
enforced for every route by the tenancy library's TenantGate.)

Records change rarely (an operator edits them), so each process keeps them as long as the
tenancy gate keeps a tenant's status (`tenant_status_cache_seconds`): a budget change and a
suspension take effect within the same few seconds."""

from __future__ import annotations

import time
from dataclasses import dataclass

from engageiq_chat.context.prompt import Persona
from engageiq_chat.storage import DynamoTables
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.items import from_item
from engageiq_tenancy.tenants import record_from_item, record_key

MAX_PERSONA_CHARS = 4_000


@dataclass(frozen=True, slots=True)
class TenantProfile:
    monthly_token_budget: int
    persona: Persona


class TenantProfiles:
    def __init__(self, tables: DynamoTables, default_budget: int, cache_seconds: float) -> None:
        self._tables = tables
        self._default_budget = default_budget
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, TenantProfile]] = {}

    async def get(self, tenant: TenantContext) -> TenantProfile:
        cached = self._cache.get(tenant.tenant_id)
        if cached and cached[0] > time.monotonic():
            return cached[1]
        answer = await self._tables.call_as_service(
            "get_item", TableName=self._tables.tenants, Key=_typed(record_key(tenant))
        )
        item = from_item(answer.get("Item", {}))
        if item:
            record = record_from_item(item)
            # `persona` is an optional attribute of the record that the chat service owns.
            persona_text = item.get("persona")
            profile = TenantProfile(
                monthly_token_budget=record.monthly_token_budget,
                persona=Persona(
                    company=record.branding.display_name or record.name,
                    instructions=persona_text[:MAX_PERSONA_CHARS]
                    if isinstance(persona_text, str)
                    else "",
                ),
            )
        else:
            # The tenancy gate refuses tenants without a record; this only serves direct use.
            profile = TenantProfile(self._default_budget, Persona(company="your company"))
        self._cache[tenant.tenant_id] = (time.monotonic() + self._cache_seconds, profile)
        return profile


def _typed(key: dict[str, str]) -> dict[str, dict[str, str]]:
    return {k: {"S": v} for k, v in key.items()}
