"""`TenantContentHealth`: the content health report (`engageiq_tenancy.content_health`, the
computation the operator CLI shares) read with the chat service's tenant-scoped clients."""

from __future__ import annotations

import anyio
from botocore.exceptions import BotoCoreError, ClientError

from engageiq_chat.storage import TenantDataClients
from engageiq_tenancy.content_health import ContentHealth, read_content_health
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.tenant_gate import StorageUnavailable


class TenantContentHealth:
    def __init__(self, clients: TenantDataClients, files_table: str, usage_table: str) -> None:
        self._clients = clients
        self._files_table = files_table
        self._usage_table = usage_table

    async def report(self, tenant: TenantContext) -> ContentHealth:
        """The caller's tenant's report; StorageUnavailable when DynamoDB fails."""

        def read() -> ContentHealth:
            # In a worker thread: boto3 blocks, and tenant credentials may call STS.
            return read_content_health(
                self._clients.client(tenant, "dynamodb"),
                tenant,
                files_table=self._files_table,
                usage_table=self._usage_table,
            )

        try:
            return await anyio.to_thread.run_sync(read)
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable() from exc
