"""The tenant admin API: `GET/PATCH /api/tenant` (branding) and `GET /api/tenant/usage`; the
plugin also mounts the public `GET /api/branding` (public_branding) and the admin's user
management `/api/tenant/users` (user_admin_api).

The web app reads branding for everyone in a tenant; only tenant admins change it. Usage is
this month's counters (written by the chat service) against the tenant's budget."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import anyio
import msgspec
from botocore.exceptions import BotoCoreError, ClientError
from litestar import Controller, get, patch
from litestar.config.app import AppConfig
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody
from litestar.plugins import InitPluginProtocol

from engageiq_tenancy import aws
from engageiq_tenancy.auth import requires_tenant_admin
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import ApiError, documented_errors
from engageiq_tenancy.items import from_item
from engageiq_tenancy.keys import object_id, tenant_partition
from engageiq_tenancy.public_branding import (
    BrandingDirectory,
    dynamodb_branding_reader,
    public_branding,
)
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_gate import StorageUnavailable
from engageiq_tenancy.tenant_ids import KEY_DELIMITER
from engageiq_tenancy.tenant_users import UserDirectory
from engageiq_tenancy.tenants import (
    Branding,
    InvalidBranding,
    TenantRecord,
    clean_name,
    record_from_item,
    record_key,
    validate_branding,
)
from engageiq_tenancy.user_admin_api import ServicePool, TenantUserController, TenantUsers

# The usage table's layout (every counter added atomically by the chat service):
#   pk=<tenant>#USAGE      sk=<yyyy-mm>            the month: requests, inputTokens, outputTokens
#   pk=<tenant>#USAGE      sk=<yyyy-mm-dd>         one day of it: the same three counters
#   pk=<tenant>#CITATIONS  sk=<yyyy-mm>#<fileId>   answers that cited the file: citations, title
# A month's days and its cited files are each one Query on their partition, never a Scan.
USAGE_ENTITY = "USAGE"
CITATIONS_ENTITY = "CITATIONS"
TOP_DOCUMENTS = 10
# Bounds the Query for the most cited files: a month's distinct cited files, 1 MB a page.
CITATION_PAGES = 5


def usage_key(tenant: TenantContext, month: str) -> dict[str, str]:
    return {"pk": tenant_partition(tenant, USAGE_ENTITY), "sk": month}


def daily_usage_key(tenant: TenantContext, day: str) -> dict[str, str]:
    return {"pk": tenant_partition(tenant, USAGE_ENTITY), "sk": day}


def citation_key(tenant: TenantContext, month: str, file_id: str) -> dict[str, str]:
    return {
        "pk": tenant_partition(tenant, CITATIONS_ENTITY),
        "sk": f"{month}{KEY_DELIMITER}{object_id(file_id)}",
    }


def current_month(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m")


def current_day(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y-%m-%d")


class TenantView(msgspec.Struct, rename="camel"):
    tenant_id: str
    name: str
    plan: str
    status: str
    branding: Branding


class BrandingPatch(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    display_name: str | msgspec.UnsetType = msgspec.UNSET
    primary_color: str | msgspec.UnsetType = msgspec.UNSET
    logo_url: str | msgspec.UnsetType | None = msgspec.UNSET


class DailyTokens(msgspec.Struct, rename="camel"):
    date: str
    """YYYY-MM-DD (UTC)."""
    tokens: int
    """Input plus output tokens of that day's answers."""


class CitedDocument(msgspec.Struct, rename="camel"):
    file_id: str
    title: str
    """The file's name when it was last cited (it may since have been deleted)."""
    citations: int
    """How many saved answers this month cited the file."""


class UsageView(msgspec.Struct, rename="camel"):
    month: str
    requests: int
    input_tokens: int
    output_tokens: int
    tokens: int
    monthly_token_budget: int
    remaining_tokens: int
    daily: list[DailyTokens]
    """The month's days that had usage, oldest first (days without usage are left out)."""
    top_documents: list[CitedDocument]
    """The month's most cited files, most first (at most 10)."""


def _typed(key: dict[str, str]) -> dict[str, Any]:
    return {k: {"S": v} for k, v in key.items()}


def _number(item: dict[str, Any], name: str) -> int:
    return int(item.get(name, {}).get("N", "0"))


class TenantDirectory:
    """Reads and writes the caller's own tenant record; boto3 runs in worker threads."""

    def __init__(self, dynamodb: Any, tenants_table: str, usage_table: str) -> None:
        self._dynamodb = dynamodb
        self._tenants = tenants_table
        self._usage = usage_table

    async def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        function = getattr(self._dynamodb, method)
        try:
            result: dict[str, Any] = await anyio.to_thread.run_sync(lambda: function(**kwargs))
        except (BotoCoreError, ClientError) as exc:
            raise StorageUnavailable() from exc
        return result

    async def record(self, tenant: TenantContext) -> TenantRecord:
        answer = await self._call(
            "get_item", TableName=self._tenants, Key=_typed(record_key(tenant)), ConsistentRead=True
        )
        if "Item" not in answer:
            raise ApiError(Errors.TENANT_RECORD_NOT_FOUND)
        return record_from_item(from_item(answer["Item"]))

    async def set_branding(self, tenant: TenantContext, branding: Branding) -> None:
        await self._call(
            "update_item",
            TableName=self._tenants,
            Key=_typed(record_key(tenant)),
            UpdateExpression="SET branding = :b",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={
                ":b": {"M": {k: {"S": str(v)} for k, v in msgspec.to_builtins(branding).items()}}
            },
        )

    async def usage(self, tenant: TenantContext, month: str) -> dict[str, int]:
        answer = await self._call(
            "get_item",
            TableName=self._usage,
            Key=_typed(usage_key(tenant, month)),
            ConsistentRead=True,
        )
        item = answer.get("Item", {})
        return {name: _number(item, name) for name in ("requests", "inputTokens", "outputTokens")}

    async def _query(self, pk: str, prefix: str, max_pages: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        for _ in range(max_pages):
            request: dict[str, Any] = {
                "TableName": self._usage,
                "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
                "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            }
            if start:
                request["ExclusiveStartKey"] = start
            answer = await self._call("query", **request)
            items += [from_item(i) for i in answer.get("Items", [])]
            start = answer.get("LastEvaluatedKey")
            if not start:
                break
        return items

    async def daily(self, tenant: TenantContext, month: str) -> list[DailyTokens]:
        """The month's per-day counters (one Query; at most 31 small items)."""
        items = await self._query(tenant_partition(tenant, USAGE_ENTITY), f"{month}-", 1)
        return [
            DailyTokens(
                date=str(i["sk"]),
                tokens=int(i.get("inputTokens", 0)) + int(i.get("outputTokens", 0)),
            )
            for i in items
        ]

    async def top_documents(self, tenant: TenantContext, month: str) -> list[CitedDocument]:
        """The month's most cited files (a bounded Query over the month's cited files)."""
        items = await self._query(
            tenant_partition(tenant, CITATIONS_ENTITY), f"{month}{KEY_DELIMITER}", CITATION_PAGES
        )
        cited = [
            CitedDocument(
                file_id=str(i["sk"]).split(KEY_DELIMITER, 1)[1],
                title=str(i.get("title", "")),
                citations=int(i.get("citations", 0)),
            )
            for i in items
        ]
        cited.sort(key=lambda d: (-d.citations, d.title, d.file_id))
        return cited[:TOP_DOCUMENTS]


def _view(record: TenantRecord) -> TenantView:
    return TenantView(record.tenant_id, record.name, record.plan, record.status, record.branding)


class TenantController(Controller):
    path = "/api/tenant"
    tags = ("tenant",)
    security = ({"BearerToken": []},)

    @get("/", responses=documented_errors(Errors.TENANT_RECORD_NOT_FOUND))
    async def get_tenant(
        self, tenant: NamedDependency[TenantContext], tenants: NamedDependency[TenantDirectory]
    ) -> TenantView:
        """Your organisation's name, plan and branding."""
        return _view(await tenants.record(tenant))

    @patch(
        "/",
        guards=[requires_tenant_admin],
        responses=documented_errors(
            Errors.INVALID_DISPLAY_NAME,
            Errors.INVALID_COLOR,
            Errors.INVALID_LOGO_URL,
            Errors.INVALID_REQUEST,
            Errors.FORBIDDEN.documented(note="you are not a tenant admin"),
            Errors.TENANT_SUSPENDED,
            Errors.TENANT_RECORD_NOT_FOUND,
        ),
    )
    async def update_branding(
        self,
        tenant: NamedDependency[TenantContext],
        tenants: NamedDependency[TenantDirectory],
        data: JSONBody[BrandingPatch],
    ) -> TenantView:
        """Change branding (tenant admins only). Omitted fields keep their value."""
        changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
        try:
            validate_branding(
                changes.get("display_name"), changes.get("primary_color"), changes.get("logo_url")
            )
        except InvalidBranding as exc:
            raise ApiError.relaying(exc.code, exc.message) from None
        if "display_name" in changes:
            changes["display_name"] = clean_name(changes["display_name"])
        record = await tenants.record(tenant)
        branding = msgspec.structs.replace(record.branding, **changes)
        await tenants.set_branding(tenant, branding)
        return _view(msgspec.structs.replace(record, branding=branding))

    @get("/usage", responses=documented_errors(Errors.TENANT_RECORD_NOT_FOUND))
    async def get_usage(
        self, tenant: NamedDependency[TenantContext], tenants: NamedDependency[TenantDirectory]
    ) -> UsageView:
        """This month's requests and tokens against the monthly budget, its tokens per day, and
        its most cited documents. Tenant members may read it; the web app shows it to admins."""
        month = current_month()
        record, counters, daily, top = await asyncio.gather(
            tenants.record(tenant),
            tenants.usage(tenant, month),
            tenants.daily(tenant, month),
            tenants.top_documents(tenant, month),
        )
        used = counters["inputTokens"] + counters["outputTokens"]
        return UsageView(
            month=month,
            requests=counters["requests"],
            input_tokens=counters["inputTokens"],
            output_tokens=counters["outputTokens"],
            tokens=used,
            monthly_token_budget=record.monthly_token_budget,
            remaining_tokens=max(0, record.monthly_token_budget - used),
            daily=daily,
            top_documents=top,
        )


class TenantApiPlugin(InitPluginProtocol):
    """Mounted by the chat service, which the edge routes `/api/tenant*` to."""

    def __init__(self, settings: ServiceSettings) -> None:
        dynamodb = aws.client("dynamodb", settings)
        self.users = TenantUsers(
            UserDirectory(
                ServicePool(
                    settings.auth.user_pool_id,
                    is_local=settings.is_local,
                    cognito=aws.client("cognito-idp", settings),
                    dynamodb=dynamodb,
                    tables=settings.tables,
                )
            )
        )
        self.directory = TenantDirectory(
            dynamodb, settings.table("tenants"), settings.table("usage")
        )
        self.branding = BrandingDirectory(
            dynamodb_branding_reader(dynamodb, settings.table("tenants"))
        )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        directory = self.directory
        branding = self.branding
        users = self.users

        def provide() -> TenantDirectory:
            return directory

        def provide_branding() -> BrandingDirectory:
            return branding

        def provide_users() -> TenantUsers:
            return users

        app_config.route_handlers.extend([TenantController, TenantUserController, public_branding])
        app_config.dependencies["users"] = Provide(provide_users, sync_to_thread=False)
        app_config.dependencies["tenants"] = Provide(provide, sync_to_thread=False)
        app_config.dependencies["branding"] = Provide(provide_branding, sync_to_thread=False)
        return app_config
