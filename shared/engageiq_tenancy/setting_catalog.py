"""Every setting a service reads from its environment besides resource names: the one owner of
their variable names, forms, defaults and readers.

The services' settings dataclasses read these (`ServiceSettings`, `ChatSettings`,
`FilesSettings`); the Pulumi program checks a stack's `engageiq:serviceSettings` against them
(`stack_service_settings`) and sets each value in the environment of the services that read
it. Resource names (tables, buckets, queues, the user pool) are `resources.EnvVars` and the
specs' `env_var`s; the program sets those from resource outputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

from engageiq_tenancy.resources import ENVIRONMENTS, INGESTION, Environment, EnvVars
from engageiq_tenancy.setting import (
    Number,
    OneOf,
    Pairs,
    Service,
    Setting,
    SettingsError,
    Text,
    WholeNumber,
)
from engageiq_tenancy.tenants import DEFAULT_MONTHLY_TOKEN_BUDGET, STATUS_CACHE_SECONDS

MIB: Final = 1024 * 1024
S3_MIN_PART_SIZE: Final = 5 * MIB
BOTH: Final[tuple[Service, ...]] = ("chat", "files")
STACK_CONFIG_KEY: Final = "engageiq:serviceSettings"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL"]
LOG_LEVELS: Final[tuple[LogLevel, ...]] = ("DEBUG", "INFO", "WARNING", "WARN", "ERROR", "CRITICAL")

Tier = Literal["fast", "strong"]
TIERS: Final[tuple[Tier, ...]] = ("fast", "strong")
# Drafting and objection handling benefit from the stronger model; lookups and prep do not.
DEFAULT_TIER_BY_INTENT: Final[Mapping[str, Tier]] = MappingProxyType(
    {
        "product_question": "fast",
        "email_draft": "strong",
        "objection_handling": "strong",
        "call_prep": "fast",
        "general": "fast",
    }
)
Retrieval = Literal["files", "off"]
OfflineReader = Literal["meaning", "words"]

EmbedderKind = Literal["none", "e5", "wordllama", "bedrock"]
BEDROCK_DIMENSIONS: Final = (256, 512, 1024)
"""The output sizes Amazon Titan Text Embeddings V2 offers."""
BEDROCK_DEFAULT_DIMENSIONS: Final = 256
"""As many as wordllama's: the same bytes per chunk in the index whichever embedder runs."""


@dataclass(frozen=True, slots=True)
class EmbedderChoice:
    """Which embedder gives chunks and queries their vectors (`engageiq_search.embedder`)."""

    kind: EmbedderKind
    model_id: str = ""
    """Bedrock only: the model id, e.g. `amazon.titan-embed-text-v2:0`."""
    dimensions: int = 0
    """Bedrock only: one of `BEDROCK_DIMENSIONS`."""


@dataclass(frozen=True, slots=True)
class EmbedderForm:
    """`none`, `e5`, `wordllama` or `bedrock:<modelId>[:<dimensions>]`. Bedrock model ids hold a
    colon and a one-digit version (`amazon.titan-embed-text-v2:0`), so a last part of two or
    more digits is the dimension count and a single digit is part of the id."""

    @property
    def expected(self) -> str:
        sizes = "|".join(str(d) for d in BEDROCK_DIMENSIONS)
        return f"'none', 'e5', 'wordllama' or 'bedrock:<modelId>[:<{sizes}>]'"

    def parse(self, raw: str) -> EmbedderChoice:
        if raw == "none":
            return EmbedderChoice("none")
        if raw == "e5":
            return EmbedderChoice("e5")
        if raw == "wordllama":
            return EmbedderChoice("wordllama")
        prefix, _, model = raw.partition(":")
        if prefix != "bedrock" or not model:
            raise ValueError(raw)
        model_id, dimensions = model, BEDROCK_DEFAULT_DIMENSIONS
        head, _, tail = model.rpartition(":")
        if head and tail.isdigit() and len(tail) > 1:
            model_id, dimensions = head, int(tail)
        malformed = model_id.startswith(":") or model_id.endswith(":")
        if dimensions not in BEDROCK_DIMENSIONS or malformed or any(c.isspace() for c in raw):
            raise ValueError(raw)
        return EmbedderChoice("bedrock", model_id, dimensions)


class SharedVariables:
    """Read by both services (`engageiq_tenancy.settings.ServiceSettings`)."""

    ENV: Final[Setting[Environment]] = Setting(
        EnvVars.ENV,
        OneOf(ENVIRONMENTS),
        "local",
        "Which environment the service runs in; the program sets the stack's name.",
        BOTH,
        per_environment=False,
    )
    LOG_LEVEL: Final[Setting[LogLevel]] = Setting(
        EnvVars.LOG_LEVEL,
        OneOf(LOG_LEVELS, any_case=True),
        "INFO",
        "Root log level; per environment it is `engageiq:logLevel`.",
        BOTH,
        per_environment=False,
    )
    TENANT_STATUS_CACHE_SECONDS: Final[Setting[float]] = Setting(
        EnvVars.TENANT_STATUS_CACHE_SECONDS,
        Number(0, 3600, unit="seconds"),
        STATUS_CACHE_SECONDS,
        "How long a tenant's status is reused; a suspension takes effect within this time.",
        BOTH,
    )
    TENANT_ROLE_ARN: Final[Setting[str | None]] = Setting(
        EnvVars.TENANT_ROLE_ARN,
        Text(),
        None,
        "Cloud only: the tenant role, from the stack's outputs.",
        BOTH,
        per_environment=False,
    )
    ORIGIN_SECRET: Final[Setting[str | None]] = Setting(
        EnvVars.ORIGIN_SECRET,
        Text(),
        None,
        "Cloud only: the secret CloudFront sends (Secrets Manager).",
        BOTH,
        per_environment=False,
    )
    LOCAL_JWKS_URL: Final[Setting[str | None]] = Setting(
        EnvVars.LOCAL_JWKS_URL,
        Text(),
        None,
        "Local only: where moto serves the user pool's JWKS.",
        BOTH,
        per_environment=False,
    )
    AWS_ENDPOINT_URL: Final[Setting[str | None]] = Setting(
        EnvVars.AWS_ENDPOINT_URL,
        Text(),
        None,
        "Local only: the moto server every AWS client talks to.",
        BOTH,
        per_environment=False,
    )
    INDEX_CACHE_BYTES: Final[Setting[int | None]] = Setting(
        "ENGAGEIQ_INDEX_CACHE_BYTES",
        WholeNumber(0, unit="bytes"),
        # Unset: a share of the instance's memory (`engageiq_search.cache_budget`).
        None,
        "Bytes of tenant indexes one process keeps loaded (0 caches none).",
        BOTH,
    )
    EMBEDDER: Final[Setting[EmbedderChoice]] = Setting(
        "ENGAGEIQ_EMBEDDER",
        EmbedderForm(),
        # Runs offline from its wheel; a hosted model is chosen per stack (decision 0106). e5
        # finds paraphrases wordllama misses but embeds ~300x slower: a choice, not the
        # default (decision 0125).
        EmbedderChoice("wordllama"),
        "Vectors for hybrid search: `e5`, `wordllama`, `bedrock:<modelId>[:<dimensions>]` or "
        "`none`.",
        BOTH,
    )
    AUDIT_RETENTION_DAYS: Final[Setting[int]] = Setting(
        "ENGAGEIQ_AUDIT_RETENTION_DAYS",
        # At least a year: security reviews ask for twelve months of history (decision 0118).
        WholeNumber(365, 3650, unit="days"),
        400,
        "How long an audit log entry is kept (DynamoDB TTL expiresAt) after it is written.",
        BOTH,
    )


class ChatVariables:
    """Read by the chat service (`engageiq_chat.settings.ChatSettings`)."""

    ANTHROPIC_API_KEY: Final[Setting[str | None]] = Setting(
        "ANTHROPIC_API_KEY",
        Text(),
        None,
        "Secret (`engageiq:anthropicApiKey`); unset, the offline responder answers.",
        ("chat",),
        per_environment=False,
    )
    MODEL_FAST: Final[Setting[str]] = Setting(
        "ENGAGEIQ_CHAT_MODEL_FAST", Text(), "claude-haiku-5-5", "Model of the fast tier.", ("chat",)
    )
    MODEL_STRONG: Final[Setting[str]] = Setting(
        "ENGAGEIQ_CHAT_MODEL_STRONG",
        Text(),
        "claude-sonnet-5-5",
        "Model of the strong tier.",
        ("chat",),
    )
    TIERS: Final[Setting[Mapping[str, Tier]]] = Setting(
        "ENGAGEIQ_CHAT_TIERS",
        Pairs(tuple(DEFAULT_TIER_BY_INTENT), TIERS),
        MappingProxyType({}),
        "Overrides of the tier that answers an intent, e.g. `email_draft=fast`.",
        ("chat",),
    )
    DEFAULT_BUDGET: Final[Setting[int]] = Setting(
        "ENGAGEIQ_CHAT_DEFAULT_MONTHLY_TOKEN_BUDGET",
        WholeNumber(0, unit="tokens"),
        DEFAULT_MONTHLY_TOKEN_BUDGET,
        "Monthly token budget of a tenant whose record is missing.",
        ("chat",),
    )
    HEARTBEAT_SECONDS: Final[Setting[float]] = Setting(
        "ENGAGEIQ_CHAT_HEARTBEAT_SECONDS",
        # Below CloudFront's 30 s idle timeout, or proxies cut the stream.
        Number(0.01, below=30, unit="seconds"),
        10.0,
        "Gap after which a comment line keeps the stream open.",
        ("chat",),
    )
    STREAM_MAX_SECONDS: Final[Setting[float]] = Setting(
        "ENGAGEIQ_CHAT_STREAM_MAX_SECONDS",
        # Below App Runner's 120 s request bound, so the stream ends on our terms.
        Number(0.01, below=120, unit="seconds"),
        100.0,
        "A stream ends with finishReason length_limit by then.",
        ("chat",),
    )
    CHECKPOINT_SECONDS: Final[Setting[float]] = Setting(
        "ENGAGEIQ_CHAT_CHECKPOINT_SECONDS",
        Number(0.05, below=10, unit="seconds"),
        # 2 s, not 1 s: half the writes of a streaming answer, for a resume on another
        # instance that lags at most 2.5 s (decision 0124).
        2.0,
        "How often a growing answer is written to its message (decisions 0114, 0124).",
        ("chat",),
    )
    ANSWER_LEASE_SECONDS: Final[Setting[float]] = Setting(
        "ENGAGEIQ_CHAT_ANSWER_LEASE_SECONDS",
        # Far above the checkpoint interval and the 3 s renewal, or live answers read as dead.
        Number(1, below=120, unit="seconds"),
        20.0,
        "An answer without a checkpoint for this long lost its generator: it reads incomplete.",
        ("chat",),
    )
    MAX_MESSAGE_CHARS: Final[Setting[int]] = Setting(
        "ENGAGEIQ_CHAT_MAX_MESSAGE_CHARS",
        WholeNumber(1, unit="characters"),
        16_000,
        "Longest user message accepted.",
        ("chat",),
    )
    HISTORY_TOKEN_BUDGET: Final[Setting[int]] = Setting(
        "ENGAGEIQ_CHAT_HISTORY_TOKEN_BUDGET",
        WholeNumber(0, unit="tokens"),
        6_000,
        "Tokens of earlier turns sent with each request.",
        ("chat",),
    )
    MAX_OUTPUT_TOKENS: Final[Setting[int]] = Setting(
        "ENGAGEIQ_CHAT_MAX_OUTPUT_TOKENS",
        WholeNumber(1, unit="tokens"),
        2_048,
        "max_tokens of each model request.",
        ("chat",),
    )
    PROVIDER_TIMEOUT_SECONDS: Final[Setting[float]] = Setting(
        "ENGAGEIQ_CHAT_PROVIDER_TIMEOUT_SECONDS",
        Number(0.01, unit="seconds"),
        60.0,
        "Read timeout per chunk of the model's stream.",
        ("chat",),
    )
    PROVIDER_MAX_RETRIES: Final[Setting[int]] = Setting(
        "ENGAGEIQ_CHAT_PROVIDER_MAX_RETRIES",
        WholeNumber(0),
        3,
        "Retries of a model request refused before it streams (429, 5xx, 529).",
        ("chat",),
    )
    RETRIEVAL: Final[Setting[Retrieval]] = Setting(
        "ENGAGEIQ_CHAT_RETRIEVAL",
        OneOf(("files", "off")),
        "files",
        "`files`: passages from the files search; `off`: none (a kill switch).",
        ("chat",),
    )
    OFFLINE_READER: Final[Setting[OfflineReader]] = Setting(
        "ENGAGEIQ_CHAT_OFFLINE_READER",
        OneOf(("meaning", "words")),
        # By meaning (e5) whatever the stack searches with: on the answer benchmark's dev
        # split the fact is in 0.79 of offline answers against 0.71 by words (decision 0128).
        "meaning",
        "How the offline responder (no API key) picks its sentences: `meaning` (e5, a model "
        "in the image) or `words`.",
        ("chat",),
    )
    RETENTION_SWEEP_SECONDS: Final[Setting[float]] = Setting(
        "ENGAGEIQ_RETENTION_SWEEP_SECONDS",
        Number(0, unit="seconds"),
        3600.0,
        "How often the chat service applies tenants' retention policies (decision 0122); "
        "one replica at a time (a lease); 0: never.",
        ("chat",),
    )


class FilesVariables:
    """Read by the files service (`engageiq_files.config.FilesSettings`)."""

    MAX_UPLOAD_BYTES: Final[Setting[int]] = Setting(
        "ENGAGEIQ_MAX_UPLOAD_BYTES",
        WholeNumber(1, unit="bytes"),
        50 * 1000 * 1000,
        "Largest file accepted (413 file_too_large above it).",
        ("files",),
    )
    UPLOAD_PART_SIZE: Final[Setting[int]] = Setting(
        "ENGAGEIQ_UPLOAD_PART_SIZE",
        # S3 refuses smaller parts (except the last).
        WholeNumber(S3_MIN_PART_SIZE, unit="bytes"),
        8 * MIB,
        "S3 multipart part size of the streamed upload.",
        ("files",),
    )
    PARSE_TIMEOUT: Final[Setting[float]] = Setting(
        "ENGAGEIQ_PARSE_TIMEOUT",
        Number(0.01, unit="seconds"),
        60.0,
        "Wall-clock bound for parsing one document.",
        ("files",),
    )
    INGESTION_WORKERS: Final[Setting[int]] = Setting(
        "ENGAGEIQ_INGESTION_WORKERS",
        WholeNumber(1),
        2,
        "Ingestion jobs one instance works on at once.",
        ("files",),
    )
    INGESTION_QUEUE_URL: Final[Setting[str | None]] = Setting(
        INGESTION.env_var,
        Text(),
        None,
        "The SQS ingestion queue, from the stack's outputs.",
        ("files",),
        per_environment=False,
    )
    INGESTION_DEAD_LETTER_URL: Final[Setting[str | None]] = Setting(
        INGESTION.dead_letter_env_var,
        Text(),
        None,
        "The ingestion queue's dead-letter queue, from the stack's outputs.",
        ("files",),
        per_environment=False,
    )
    INGESTION_VISIBILITY_SECONDS: Final[Setting[int]] = Setting(
        "ENGAGEIQ_INGESTION_VISIBILITY_SECONDS",
        # SQS's own bounds for a visibility timeout.
        WholeNumber(1, 43_200, unit="seconds"),
        90,
        "How long a job a consumer took stays hidden from the others.",
        ("files",),
    )
    INGESTION_RETRY_SECONDS: Final[Setting[float]] = Setting(
        "ENGAGEIQ_INGESTION_RETRY_SECONDS",
        Number(0, unit="seconds"),
        10.0,
        "First backoff after a failed ingestion attempt; doubled at each further attempt.",
        ("files",),
    )
    UPLOAD_INTENT_SECONDS: Final[Setting[int]] = Setting(
        "ENGAGEIQ_UPLOAD_INTENT_SECONDS",
        WholeNumber(1, unit="seconds"),
        600,
        "How long a streamed upload's record may stay unverified before it is reaped.",
        ("files",),
    )


def _members(namespace: type) -> tuple[Setting[Any], ...]:
    return tuple(v for v in vars(namespace).values() if isinstance(v, Setting))


SETTINGS: Final[tuple[Setting[Any], ...]] = (
    _members(SharedVariables) + _members(ChatVariables) + _members(FilesVariables)
)
SETTINGS_BY_NAME: Final[Mapping[str, Setting[Any]]] = MappingProxyType(
    {s.name: s for s in SETTINGS}
)
PER_ENVIRONMENT: Final[tuple[Setting[Any], ...]] = tuple(s for s in SETTINGS if s.per_environment)
LOCAL_ONLY_VARIABLES: Final[frozenset[str]] = frozenset(
    {SharedVariables.LOCAL_JWKS_URL.name, SharedVariables.AWS_ENDPOINT_URL.name}
)
"""Variables that make a service trust moto or talk to it: never set in a cloud stack."""


def stack_service_settings(values: Mapping[str, object]) -> dict[str, str]:
    """A stack's `engageiq:serviceSettings` (variable name -> value, as YAML typed it), checked
    with the services' own reader: variable name -> the text to set in the environment.

    Raises SettingsError for a name no service reads per environment (unknown, local-only,
    or set by the program itself) and, with the services' message, for a bad value."""
    checked: dict[str, str] = {}
    for name, value in values.items():
        setting = SETTINGS_BY_NAME.get(name)
        if name in LOCAL_ONLY_VARIABLES:
            raise SettingsError(f"{STACK_CONFIG_KEY}: {name} is local-only, never set in a stack")
        if setting is None or not setting.per_environment:
            why = "not a setting a service reads" if setting is None else "set by the program"
            raise SettingsError(
                f"{STACK_CONFIG_KEY}: {name} is {why}; settable per environment: "
                + ", ".join(s.name for s in PER_ENVIRONMENT)
            )
        if value is None:
            # YAML's `null` (or a key with no value) would reach the service as "None".
            raise SettingsError(f"{STACK_CONFIG_KEY}: {name} has no value; remove it or set one")
        # YAML gives numbers as numbers and booleans as booleans; the services get text.
        text = str(value).lower() if isinstance(value, bool) else str(value).strip()
        setting.parse(text)
        checked[name] = text
    return checked


def read_by(service: Service, checked: Mapping[str, str]) -> dict[str, str]:
    """The part of `stack_service_settings`' result that `service` reads."""
    return {name: v for name, v in checked.items() if service in SETTINGS_BY_NAME[name].readers}
