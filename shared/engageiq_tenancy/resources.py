"""The resource spec: the one owner of table, index, TTL, bucket and output names.

The Pulumi program creates exactly these resources, the local platform creates them in moto,
and the services find them through the environment variables named here. Changing a key
schema here changes it everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

Environment = Literal["local", "dev", "staging", "prod"]
ENVIRONMENTS: Final[tuple[Environment, ...]] = ("local", "dev", "staging", "prod")
CLOUD_ENVIRONMENTS: Final[tuple[Environment, ...]] = ("dev", "staging", "prod")

PROJECT: Final = "engageiq"


@dataclass(frozen=True, slots=True)
class GlobalIndex:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One DynamoDB table. Every key attribute is a string (`S`)."""

    logical_name: str
    description: str
    partition_key: str = "pk"
    sort_key: str = "sk"
    indexes: tuple[GlobalIndex, ...] = ()
    ttl_attribute: str | None = None
    # Tenant-scoped tables have partition keys that start with "<tenant_id>#", which is what
    # the IAM LeadingKeys condition of the tenant role relies on.
    tenant_scoped: bool = True
    survives_purge: bool = False
    """The audit log only (decision 0118): a record *about* the tenant's data, not of it. A
    tenant purge leaves its items to expire by TTL, and a tenant export or import neither
    copies nor writes them (a chain belongs to one tenant id)."""

    def physical_name(self, env: Environment) -> str:
        return f"{PROJECT}-{env}-{self.logical_name}"

    @property
    def env_var(self) -> str:
        return f"ENGAGEIQ_{self.logical_name.upper()}_TABLE"

    @property
    def output_key(self) -> str:
        return f"{self.logical_name}TableName"

    @property
    def key_attributes(self) -> tuple[str, ...]:
        names = [self.partition_key, self.sort_key]
        for index in self.indexes:
            names += [index.partition_key, index.sort_key]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class BucketSpec:
    logical_name: str
    description: str
    versioned: bool
    # Only the uploads bucket holds tenant data, under "tenants/<tenant_id>/".
    tenant_prefix: str | None = None

    def physical_name(self, env: Environment, suffix: str = "") -> str:
        # S3 names are global; cloud stacks pass an account-specific suffix from config.
        return f"{PROJECT}-{env}-{self.logical_name}" + (f"-{suffix}" if suffix else "")

    @property
    def env_var(self) -> str:
        return f"ENGAGEIQ_{self.logical_name.upper()}_BUCKET"

    @property
    def output_key(self) -> str:
        return f"{self.logical_name}BucketName"


TENANTS: Final = TableSpec(
    logical_name="tenants",
    description="Tenant records: status, plan, budget, branding. pk=TENANT#<id>, sk=PROFILE.",
    tenant_scoped=False,
)
CONVERSATIONS: Final = TableSpec(
    logical_name="conversations",
    description=(
        "Conversations and their messages, one item each, under pk=<tenant>#USER#<user>. "
        "by_updated lists a user's conversations, most recent first."
    ),
    indexes=(GlobalIndex("by_updated", "gsi1pk", "gsi1sk"),),
    ttl_attribute="expiresAt",
)
FILES: Final = TableSpec(
    logical_name="files",
    description=(
        "File metadata and ingestion status under pk=<tenant>#FILES. by_ingestion is sparse: "
        "it holds only files waiting for or in ingestion, oldest update first (decision 0075). "
        "by_governance is sparse: files in a collection, verified or with a reassigned owner, "
        "under governed=<tenant>#GOVERNED (decision 0111)."
    ),
    indexes=(
        GlobalIndex("by_ingestion", "ingestion", "updatedAt"),
        GlobalIndex("by_governance", "governed", "updatedAt"),
    ),
    ttl_attribute="expiresAt",
)
USAGE: Final = TableSpec(
    logical_name="usage",
    description=(
        "Usage counters under pk=<tenant>#USAGE and <tenant>#CITATIONS (usage_keys), and the "
        "content loop under pk=<tenant>#CONTENT: citation signals, unanswered questions and "
        "content issues (content_keys, decision 0111)."
    ),
)
AUDIT: Final = TableSpec(
    logical_name="audit",
    description=(
        "The tenant's tamper-evident audit log under pk=<tenant>#AUDIT: entries sk=E#<seq>, "
        "hash-chained, and the chain's head sk=HEAD (engageiq_tenancy.audit, decision 0118). "
        "Items expire by TTL; a tenant purge keeps them."
    ),
    ttl_attribute="expiresAt",
    survives_purge=True,
)
TABLES: Final[tuple[TableSpec, ...]] = (TENANTS, CONVERSATIONS, FILES, USAGE, AUDIT)

TENANT_OBJECT_PREFIX: Final = "tenants/"
UPLOADS: Final = BucketSpec(
    logical_name="uploads",
    description="Tenant documents and search indexes under tenants/<tenant_id>/.",
    versioned=True,
    tenant_prefix=TENANT_OBJECT_PREFIX,
)
WEB: Final = BucketSpec(
    logical_name="web",
    description="The web app's static files and its config.json; read only by CloudFront.",
    versioned=False,
)
BUCKETS: Final[tuple[BucketSpec, ...]] = (UPLOADS, WEB)


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """One SQS FIFO queue and its dead-letter queue (decision 0076).

    Encrypted at rest with SQS-managed keys (SSE-SQS). Messages are deduplicated by the
    explicit `MessageDeduplicationId` the sender gives, not by content: the same file may
    legitimately be queued twice (an upload, then a sweep), and a sender's retry of one send
    must not be.

    Two bounds, because SQS counts every receive, not every failure: a job handed back
    unfinished (a deploy's shutdown, a long poll that outlived its consumer) is received
    again without having failed. So the consumer counts the job's failed attempts itself and,
    after `max_attempts`, moves the job to the dead-letter queue itself (decision 0141). The
    redrive policy (`max_receive_count` receives, then the dead-letter queue on the next one)
    is only the backstop for a job whose failures could not be counted."""

    logical_name: str
    description: str
    visibility_timeout_seconds: int
    """How long a received message stays hidden from other consumers; the consumer passes
    its own setting on each receive, this is the queue's default."""
    max_attempts: int
    """Failed attempts of one job before its consumer gives up and dead-letters it."""
    max_receive_count: int
    """Receives before SQS moves a message to the dead-letter queue (the backstop); above
    `max_attempts`, so hand-backs alone do not dead-letter a job that never failed."""
    retention_seconds: int = 4 * 24 * 3600
    dead_letter_retention_seconds: int = 14 * 24 * 3600
    """The longest SQS allows: the dead-letter queue is where an operator investigates."""

    def __post_init__(self) -> None:
        if self.max_receive_count <= self.max_attempts:
            raise ValueError(
                f"queue {self.logical_name}: the redrive backstop ({self.max_receive_count}"
                f" receives) must exceed the attempts its consumer counts ({self.max_attempts})"
            )

    def physical_name(self, env: Environment) -> str:
        # FIFO queue names must end in ".fifo".
        return f"{PROJECT}-{env}-{self.logical_name}.fifo"

    def dead_letter_physical_name(self, env: Environment) -> str:
        return f"{PROJECT}-{env}-{self.logical_name}-dlq.fifo"

    @property
    def env_var(self) -> str:
        return f"ENGAGEIQ_{self.logical_name.upper()}_QUEUE_URL"

    @property
    def dead_letter_env_var(self) -> str:
        return f"ENGAGEIQ_{self.logical_name.upper()}_DLQ_URL"

    @property
    def output_key(self) -> str:
        return f"{self.logical_name}QueueUrl"

    @property
    def dead_letter_output_key(self) -> str:
        return f"{self.logical_name}DeadLetterQueueUrl"


INGESTION_STEP_SECONDS: Final = 600
"""The longest single step of ingestion: the index build sandbox's bound
(`engageiq_files.search.build_process.BUILD_TIMEOUT_SECONDS`, which a test keeps equal)."""
INGESTION_MARGIN_SECONDS: Final = 120
"""For the download, the chunk upload and clock skew between instances."""

INGESTION: Final = QueueSpec(
    logical_name="ingestion",
    description=(
        "Ingestion jobs of the files service, {tenantId, fileId} only; the message group is "
        "the tenant, so one tenant's jobs (and index builds) run one at a time across "
        "instances (decision 0076)."
    ),
    visibility_timeout_seconds=INGESTION_STEP_SECONDS + INGESTION_MARGIN_SECONDS,
    max_attempts=5,
    # Five failed attempts plus as many hand-backs (deploys, abandoned polls) in one job's
    # life, which lasts minutes unless it is failing; the backoff of four failures is 150 s.
    max_receive_count=10,
)
QUEUES: Final[tuple[QueueSpec, ...]] = (INGESTION,)


@dataclass(frozen=True, slots=True)
class UserPoolSpec:
    tenant_attribute: str = "tenant_id"
    # Only these standard attributes may be written by the web app's client; the tenant
    # attribute is set by operators with admin APIs and is immutable.
    client_write_attributes: tuple[str, ...] = ("email", "name")
    client_read_attributes: tuple[str, ...] = ("email", "email_verified", "name")
    auth_flows: tuple[str, ...] = (
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    )

    @property
    def tenant_claim(self) -> str:
        return f"custom:{self.tenant_attribute}"

    def pool_name(self, env: Environment) -> str:
        return f"{PROJECT}-{env}"


USER_POOL: Final = UserPoolSpec()


@dataclass(frozen=True, slots=True)
class EdgeRoute:
    """A CloudFront behaviour, and the same rule in the local edge. First match wins."""

    path_pattern: str
    service: Literal["chat", "files"]

    def matches(self, path: str) -> bool:
        # CloudFront patterns used here only ever end in "*" or are exact paths.
        if self.path_pattern.endswith("*"):
            return path.startswith(self.path_pattern[:-1])
        return path == self.path_pattern


EDGE_ROUTES: Final[tuple[EdgeRoute, ...]] = (
    EdgeRoute("/api/files*", "files"),
    EdgeRoute("/api/upload-file*", "files"),
    EdgeRoute("/api/collections*", "files"),
    EdgeRoute("/api/*", "chat"),
)
SERVICES: Final[tuple[Literal["chat", "files"], ...]] = ("chat", "files")


def route_for(path: str) -> Literal["chat", "files"] | None:
    for route in EDGE_ROUTES:
        if route.matches(path):
            return route.service
    return None


@dataclass(frozen=True, slots=True)
class OutputKeys:
    """Keys of the local outputs file and of the Pulumi stack outputs (the same contract)."""

    web_url: str = "webUrl"
    api_url: str = "apiUrl"
    region: str = "region"
    user_pool_id: str = "userPoolId"
    user_pool_client_id: str = "userPoolClientId"
    aws_endpoint_url: str = "awsEndpointUrl"
    demo_tenant_id: str = "demoTenantId"
    demo_username: str = "demoUsername"
    demo_password: str = "demoPassword"  # noqa: S105 - an output key, not a password
    tables: dict[str, str] = field(
        default_factory=lambda: {t.logical_name: t.output_key for t in TABLES}
    )
    buckets: dict[str, str] = field(
        default_factory=lambda: {b.logical_name: b.output_key for b in BUCKETS}
    )
    queues: dict[str, str] = field(
        default_factory=lambda: {q.logical_name: q.output_key for q in QUEUES}
    )


OUTPUT_KEYS: Final = OutputKeys()


class EnvVars:
    """Environment variable names the services read (the Pulumi program sets the same ones)."""

    ENV: Final = "ENGAGEIQ_ENV"
    REGION: Final = "AWS_REGION"
    AWS_ENDPOINT_URL: Final = "AWS_ENDPOINT_URL"
    USER_POOL_ID: Final = "ENGAGEIQ_USER_POOL_ID"
    USER_POOL_CLIENT_ID: Final = "ENGAGEIQ_USER_POOL_CLIENT_ID"
    LOCAL_JWKS_URL: Final = "ENGAGEIQ_LOCAL_JWKS_URL"
    TENANT_ROLE_ARN: Final = "ENGAGEIQ_TENANT_ROLE_ARN"
    LOG_LEVEL: Final = "ENGAGEIQ_LOG_LEVEL"
    TENANT_STATUS_CACHE_SECONDS: Final = "ENGAGEIQ_TENANT_STATUS_CACHE_SECONDS"
    ORIGIN_SECRET: Final = "ENGAGEIQ_ORIGIN_SECRET"  # noqa: S105 - a variable name
    """Cloud only (a Secrets Manager secret): the value CloudFront sends in ORIGIN_HEADER."""
    ORIGIN_SECRET_GENERATION: Final = "ENGAGEIQ_ORIGIN_SECRET_GENERATION"  # noqa: S105
    """Cloud only, not secret: changes when the origin secret is rotated, so the services are
    redeployed with the new value in the same `pulumi up`."""


# CloudFront adds this header, with the origin secret, to every request it sends to a service;
# the services refuse requests without it in the cloud, so their own URLs cannot bypass the edge.
ORIGIN_HEADER: Final = "x-engageiq-origin-verify"


@dataclass(frozen=True, slots=True)
class ServiceDataAccess:
    """The tables, buckets and queues one service's own (instance) role may use; nothing else.

    Tenant data in tenant-scoped tables is reached through the tenant role (ABAC) in the
    cloud; this list is the outer bound of what the service identity itself can touch. Only
    the service role reaches a queue (send, receive, delete, change visibility, read
    attributes): no tenant role and no person writes to it, which is what lets the consumer
    trust the tenant id in a message (decision 0076)."""

    tables: tuple[TableSpec, ...]
    buckets: tuple[BucketSpec, ...]
    queues: tuple[QueueSpec, ...] = ()


SERVICE_DATA: Final[dict[str, ServiceDataAccess]] = {
    "chat": ServiceDataAccess(tables=(TENANTS, CONVERSATIONS, USAGE, AUDIT), buckets=(UPLOADS,)),
    "files": ServiceDataAccess(
        tables=(TENANTS, FILES, USAGE, AUDIT), buckets=(UPLOADS,), queues=(INGESTION,)
    ),
}
