"""The tenant's `KnowledgeView` (decision 0111) for the content loop: read off the event loop
with the chat service's tenant-scoped clients, storage failures as the one 503."""

from __future__ import annotations

import anyio
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.governance import KnowledgeReader, KnowledgeView
from engageiq_tenancy.tenant_gate import StorageUnavailable


async def knowledge_view(reader: KnowledgeReader, tenant: TenantContext) -> KnowledgeView:
    """The view (reused for `VIEW_TTL_SECONDS`); StorageUnavailable when DynamoDB fails."""
    try:
        return await anyio.to_thread.run_sync(reader.view, tenant)
    except (BotoCoreError, ClientError) as exc:
        raise StorageUnavailable() from exc
