"""`ChatServices`: the chat service's collaborators, built once per process and handed to
handlers as the `chat` dependency."""

from __future__ import annotations

from dataclasses import dataclass, field

from engageiq_chat.content.loop import ContentLoop
from engageiq_chat.context.files_retrieval import FilesRetriever
from engageiq_chat.context.prompt import PromptBuilder
from engageiq_chat.context.retrieval import NoRetriever, Retriever
from engageiq_chat.conversation_search.search import READ_CONCURRENCY, ConversationSearch
from engageiq_chat.conversations.store import ConversationStore
from engageiq_chat.feedback.store import FeedbackStore
from engageiq_chat.knowledge.scope import Knowledge
from engageiq_chat.messages.history_cache import HistoryCache
from engageiq_chat.messages.store import MessageStore
from engageiq_chat.plays.store import PlayStore
from engageiq_chat.providers.base import ChatProvider
from engageiq_chat.providers.offline import OfflineResponder, answer_embedder
from engageiq_chat.retention.sweep import RetentionSweep, trail_audit
from engageiq_chat.retention.sweeper import RetentionSweeper, SweepLease
from engageiq_chat.routing.intents import IntentRouter
from engageiq_chat.settings import ChatSettings
from engageiq_chat.sharing.store import ShareStore
from engageiq_chat.storage import DynamoTables
from engageiq_chat.tenant_profile import TenantProfiles
from engageiq_chat.turns.follow import LiveAnswers
from engageiq_chat.turns.idempotency import IdempotencyStore
from engageiq_chat.usage.meter import UsageMeter
from engageiq_tenancy import aws
from engageiq_tenancy.governance import KnowledgeReader
from engageiq_tenancy.resources import AUDIT, UPLOADS
from engageiq_tenancy.service import service_audit_trail
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_credentials import TenantClients

# Earlier messages read for context; the token budget then decides how many are sent.
HISTORY_MAX_MESSAGES = 60


@dataclass(frozen=True, slots=True)
class ChatServices:
    settings: ChatSettings
    conversations: ConversationStore
    messages: MessageStore
    usage: UsageMeter
    profiles: TenantProfiles
    router: IntentRouter
    prompts: PromptBuilder
    retriever: Retriever
    provider: ChatProvider
    history: HistoryCache
    feedback: FeedbackStore
    idempotency: IdempotencyStore
    knowledge: Knowledge
    """The tenant's collections, audiences and file freshness (decision 0111), and its file
    records (a scope's checks)."""
    content: ContentLoop
    tables: DynamoTables
    """The tables and tenant-scoped clients (transcripts read by export and shared links)."""
    shares: ShareStore
    plays: PlayStore
    """The tenant's shared plays and each user's own (decision 0115)."""
    conversation_search: ConversationSearch
    """The caller's own conversations by words (decision 0112)."""
    live: LiveAnswers = field(default_factory=LiveAnswers)
    """The answers this process is generating (a resume or a Stop here reaches them)."""
    retention: RetentionSweeper | None = None
    """Applies tenants' retention policies in the background (decision 0122); None: off."""

    @classmethod
    def build(
        cls,
        service: ServiceSettings,
        settings: ChatSettings,
        *,
        provider: ChatProvider | None = None,
        retriever: Retriever | None = None,
    ) -> ChatServices:
        clients = TenantClients.from_settings(service, "chat", names=("dynamodb",))
        tables = DynamoTables(
            clients,
            aws.client("dynamodb", service),
            conversations=service.table("conversations"),
            usage=service.table("usage"),
            tenants=service.table("tenants"),
        )
        conversations = ConversationStore(tables)
        messages = MessageStore(tables, conversations, settings.answer_lease_seconds)
        # One per process: its per-tenant cache serves every turn, history read and content-loop
        # read, and it alone reads the files' records for the chat service.
        knowledge = Knowledge(
            KnowledgeReader(clients, service.table("files")), tables, service.table("files")
        )
        return cls(
            settings=settings,
            conversations=conversations,
            messages=messages,
            usage=UsageMeter(tables),
            profiles=TenantProfiles(
                tables, settings.default_monthly_token_budget, service.tenant_status_cache_seconds
            ),
            router=IntentRouter(),
            prompts=PromptBuilder(settings.history_token_budget),
            retriever=retriever or default_retriever(service, settings),
            provider=provider or default_provider(settings),
            history=HistoryCache(keep_messages=HISTORY_MAX_MESSAGES),
            feedback=FeedbackStore(tables),
            idempotency=IdempotencyStore(tables),
            knowledge=knowledge,
            content=ContentLoop.build(
                tables, clients, messages, knowledge, files_table=service.table("files")
            ),
            tables=tables,
            shares=ShareStore(tables),
            plays=PlayStore(tables),
            # A local endpoint is moto (ServiceSettings refuses one elsewhere): one reader.
            conversation_search=ConversationSearch(
                tables, readers=1 if service.aws_endpoint_url else READ_CONCURRENCY
            ),
            retention=retention_sweeper(service, tables, settings.retention_sweep_seconds),
        )


def retention_sweeper(
    service: ServiceSettings, tables: DynamoTables, period: float
) -> RetentionSweeper | None:
    """The service's periodic retention sweep (decision 0122), or None when `period` is 0.
    Tenant data is written with the tenant's credentials (`tables`, an S3 client per tenant);
    only the lease, the list of tenants with a policy and the Scan of the `by_updated` index
    use the service's own role."""
    if period <= 0:
        return None
    uploads = service.buckets.get(UPLOADS.logical_name)
    audit = (
        service_audit_trail("chat-retention", service)
        if AUDIT.logical_name in service.tables
        else None
    )
    sweep = RetentionSweep(
        tables,
        objects=TenantClients.from_settings(service, "chat-retention", names=("s3",))
        if uploads
        else None,
        bucket=uploads,
        audit=trail_audit(audit) if audit else None,
    )
    return RetentionSweeper(sweep, SweepLease(tables), period)


def default_retriever(service: ServiceSettings, settings: ChatSettings) -> Retriever:
    """The files service's search, unless switched off."""
    if settings.retrieval == "off":
        return NoRetriever()
    return FilesRetriever.from_settings(service)


def default_provider(settings: ChatSettings) -> ChatProvider:
    """Anthropic when ANTHROPIC_API_KEY is set, else the offline responder."""
    if settings.anthropic_api_key:
        # Imported only here: the SDK's import takes about 2 s of CPU, which a service
        # without a key (`engageiq dev` offline, each of its replicas and restarts) never needs.
        from engageiq_chat.providers.anthropic_provider import AnthropicProvider

        return AnthropicProvider(
            settings.anthropic_api_key,
            timeout_seconds=settings.provider_timeout_seconds,
            max_retries=settings.provider_max_retries,
        )
    return OfflineResponder(embedder=answer_embedder(settings.offline_reader))
