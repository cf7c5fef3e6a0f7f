"""The tenant record: status, plan, budget and branding, one item per tenant in the tenants
table. Operators write it (provisioning); services only read their caller's own record."""

from __future__ import annotations

import enum
import re
from typing import Any, Final
from urllib.parse import urlsplit

import msgspec

from engageiq_tenancy.brand_colour import check_brand_colour
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.display_text import clean_display_text
from engageiq_tenancy.retention import RetentionPolicy, policy_from_item
from engageiq_tenancy.tenant_ids import validate_tenant_id

DEFAULT_MONTHLY_TOKEN_BUDGET: Final = 2_000_000
# How long a service may reuse a tenant's record (status and access changes). Below the 10 s
# promised to operators (docs/operators.md), so a request already under way when the cache
# entry expires still lands inside the promise.
STATUS_CACHE_SECONDS: Final = 8.0
MAX_DISPLAY_NAME: Final = 80
_COLOR: Final = re.compile(r"#[0-9a-fA-F]{6}")
# RFC 3986's unreserved, reserved and percent characters.
_URL_CHARACTERS: Final = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


class TenantStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    DELETING = "deleting"


class Branding(msgspec.Struct, rename="camel", omit_defaults=True):
    display_name: str = ""
    primary_color: str = "#1f6feb"
    logo_url: str | None = None


class InvalidBranding(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def clean_name(raw: str, code: str = "invalid_display_name", what: str = "display name") -> str:
    """A tenant's name or display name as stored: cleaned like every name people see
    (engageiq_tenancy.display_text), then 1-80 characters. Raises InvalidBranding(`code`)."""
    name = clean_display_text(raw)
    if not 0 < len(name) <= MAX_DISPLAY_NAME:
        raise InvalidBranding(code, f"The {what} must be 1-{MAX_DISPLAY_NAME} visible characters.")
    return name


def _is_https_url(url: str) -> bool:
    """An absolute https URL with a host, at most 2,048 characters, and only characters a URL
    may carry unescaped (RFC 3986): no spaces, quotes or angle brackets."""
    if len(url) > 2048 or not _URL_CHARACTERS.fullmatch(url):
        return False
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(parts.hostname)


def validate_branding(
    display_name: str | None = None, primary_color: str | None = None, logo_url: str | None = None
) -> None:
    """The one set of branding rules, for the operator CLI and the tenant admin API alike:
    raises InvalidBranding with `invalid_display_name`, `invalid_color`,
    `brand_colour_low_contrast` (a colour that makes buttons or the page's marks unreadable) or
    `invalid_logo_url`. Store the display name as `clean_name` returns it."""
    if display_name is not None:
        clean_name(display_name)
    if primary_color is not None:
        if not _COLOR.fullmatch(primary_color):
            raise InvalidBranding("invalid_color", "The colour must look like #1f6feb.")
        # Buttons, underlines and charts are drawn in it (engageiq_tenancy.brand_colour).
        problem = check_brand_colour(primary_color).problem()
        if problem is not None:
            raise InvalidBranding("brand_colour_low_contrast", problem)
    if logo_url is not None and not _is_https_url(logo_url):
        raise InvalidBranding("invalid_logo_url", "The logo URL must be an https:// address.")


class TenantRecord(msgspec.Struct, rename="camel", kw_only=True):
    tenant_id: str
    name: str
    status: TenantStatus = TenantStatus.ACTIVE
    plan: str = "standard"
    monthly_token_budget: int = DEFAULT_MONTHLY_TOKEN_BUDGET
    branding: Branding = msgspec.field(default_factory=Branding)
    created_at: str = ""
    retention: RetentionPolicy = msgspec.field(default_factory=RetentionPolicy)
    """What the tenant's admins chose to keep (decision 0122); defaults keep everything."""
    require_sso: bool = False
    """Password sign-in is refused for the tenant's users: only ID tokens with Cognito's
    `identities` claim are accepted (`engageiq_tenancy.sso`, decision 0120)."""


def _record_key(tenant_id: str) -> dict[str, str]:
    return {"pk": f"TENANT#{validate_tenant_id(tenant_id)}", "sk": "PROFILE"}


def record_key(tenant: TenantContext) -> dict[str, str]:
    """The caller's own tenant record (what services read)."""
    return _record_key(tenant.tenant_id)


def operator_record_key(tenant_id: str) -> dict[str, str]:
    """A tenant record addressed by an operator tool (provisioning), never by a request."""
    return _record_key(tenant_id)


def branding_lookup_key(slug: str) -> dict[str, str]:
    """A tenant record addressed by an unauthenticated slug: only the public branding endpoint
    uses it, and it reads nothing but name, status and branding (`engageiq_chat.branding`)."""
    return _record_key(slug)


def record_to_item(record: TenantRecord) -> dict[str, Any]:
    """A plain-attribute item (for boto3's resource-free `TypeSerializer` users: strings,
    numbers and maps only)."""
    item: dict[str, Any] = msgspec.to_builtins(record)
    return {**operator_record_key(record.tenant_id), **item}


def record_from_item(item: dict[str, Any]) -> TenantRecord:
    """A record from a plain item (`items.from_item`); unknown attributes, such as ones a
    service adds, are ignored."""
    data = {k: v for k, v in item.items() if k not in ("pk", "sk", "retention")}
    record = msgspec.convert(data, TenantRecord, strict=False)
    if "retention" in item:
        record.retention = policy_from_item(item["retention"])
    return record
