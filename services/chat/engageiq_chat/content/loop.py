"""`ContentLoop`: the content loop's collaborators (decision 0111), one field of
`ChatServices`."""

from __future__ import annotations

from dataclasses import dataclass

from engageiq_chat.content.health import TenantContentHealth
from engageiq_chat.content.issues import ContentIssues
from engageiq_chat.content.signals import ContentSignals
from engageiq_chat.knowledge.scope import Knowledge
from engageiq_chat.messages.store import MessageStore
from engageiq_chat.storage import DynamoTables, TenantDataClients


@dataclass(frozen=True, slots=True)
class ContentLoop:
    issues: ContentIssues
    signals: ContentSignals
    health: TenantContentHealth

    @classmethod
    def build(
        cls,
        tables: DynamoTables,
        clients: TenantDataClients,
        messages: MessageStore,
        knowledge: Knowledge,
        files_table: str,
    ) -> ContentLoop:
        return cls(
            issues=ContentIssues(tables, messages, knowledge),
            signals=ContentSignals(tables, knowledge),
            health=TenantContentHealth(clients, files_table, tables.usage),
        )
