"""Single sign-on per tenant: the names and records that connect a tenant to its identity
provider (decision 0120).

A tenant's IdP is a Cognito identity provider on the one user pool, created at run time
(`engageiq_tenancy.sso_connections`), because tenants are data, not stack resources. Three
kinds of item in the tenants table (not tenant-scoped) describe it:

- the tenant's SSO config, `pk=TENANT#<id>, sk=SSO` (`SsoConfig`): type, provider name,
  domains, require-SSO, and the SAML metadata URL or the OIDC issuer and client id - never the
  client secret, which only Cognito keeps;
- the provider -> tenant mapping, `pk=SSO_PROVIDER#<providerName>, sk=MAPPING`
  (`ProviderMapping`): the ONLY thing the pre-token-generation trigger trusts for the tenant of
  a federated user (never a claim of the IdP);
- one domain claim per email domain, `pk=SSO_DOMAIN#<domain>, sk=CLAIM` (`DomainClaim`),
  written with a condition so a domain has one tenant; email-first sign-in reads it.

Provider names are opaque (`provider_name`): the public sign-in routing answers with one, and
it must not name the tenant."""

from __future__ import annotations

import enum
import hashlib
import re
from typing import Any, Final

import msgspec

from engageiq_tenancy.tenant_ids import validate_tenant_id

SSO_CONFIG_SORT_KEY: Final = "SSO"
PROVIDER_PARTITION_PREFIX: Final = "SSO_PROVIDER#"
PROVIDER_MAPPING_SORT_KEY: Final = "MAPPING"
DOMAIN_PARTITION_PREFIX: Final = "SSO_DOMAIN#"
DOMAIN_CLAIM_SORT_KEY: Final = "CLAIM"

IDENTITIES_CLAIM: Final = "identities"
"""The ID token claim Cognito adds for a user who signed in through an identity provider (a
JSON list of {providerName, providerType, userId, ...}); password users' tokens lack it."""

PROVIDER_NAME_PREFIX: Final = "sso-"
PROVIDER_NAME_MAX: Final = 32
"""Cognito's limit on an identity provider's name."""
_PROVIDER_HASH_DIGITS: Final = PROVIDER_NAME_MAX - len(PROVIDER_NAME_PREFIX)
_PROVIDER_NAME: Final = re.compile(rf"sso-[0-9a-f]{{{_PROVIDER_HASH_DIGITS}}}")
# Domain separation for the provider name's hash, so the name is no hash of the bare slug.
_PROVIDER_NAME_CONTEXT: Final = b"engageiq/sso-provider/v1\x00"

MAX_DOMAINS: Final = 20
"""Email domains one tenant may claim (each is one item and one conditional write)."""
MAX_DOMAIN_LENGTH: Final = 253
_DOMAIN_LABEL: Final = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")

PUBLIC_MAIL_DOMAINS: Final = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "mail.com",
        "yandex.ru",
        "qq.com",
        "163.com",
    }
)
"""Domains shared by the public at large: one tenant claiming one would send every other
user of that mail service to the tenant's IdP, so no tenant may claim them."""


class SsoType(enum.StrEnum):
    SAML = "SAML"
    OIDC = "OIDC"


class SsoConfig(msgspec.Struct, rename="camel", kw_only=True, omit_defaults=True):
    """A tenant's SSO connection as stored (`sso_config_key`). Never holds the client secret."""

    tenant_id: str
    type: SsoType
    provider_name: str
    domains: tuple[str, ...]
    require_sso: bool = False
    metadata_url: str | None = None
    """SAML with a metadata URL (None when the metadata came from a file)."""
    issuer: str | None = None
    """OIDC: the issuer, as its discovery document names it."""
    client_id: str | None = None
    """OIDC: the client id at the IdP."""
    updated_at: str = ""
    """ISO 8601, UTC."""


class ProviderMapping(msgspec.Struct, rename="camel", kw_only=True):
    """`pk=SSO_PROVIDER#<providerName>, sk=MAPPING`: which tenant a provider signs users into."""

    tenant_id: str


class DomainClaim(msgspec.Struct, rename="camel", kw_only=True):
    """`pk=SSO_DOMAIN#<domain>, sk=CLAIM`: the one tenant (and its provider) owning a domain."""

    tenant_id: str
    provider_name: str


class InvalidDomain(ValueError):
    """Not an email domain a tenant may claim."""


def provider_name(tenant_id: str) -> str:
    """The Cognito identity provider name of a tenant's IdP: "sso-" and 28 hex digits of a
    SHA-256 of the tenant id (32 characters, Cognito's limit). Deterministic, so the CLI, the
    chat service and the trigger agree without a lookup; opaque, so the public sign-in routing
    can name it without naming the tenant. Raises InvalidTenantId."""
    digest = hashlib.sha256(_PROVIDER_NAME_CONTEXT + validate_tenant_id(tenant_id).encode())
    return PROVIDER_NAME_PREFIX + digest.hexdigest()[:_PROVIDER_HASH_DIGITS]


def is_provider_name(value: object) -> bool:
    """True if `value` has the shape `provider_name` gives (says nothing about which tenant)."""
    return isinstance(value, str) and _PROVIDER_NAME.fullmatch(value) is not None


def normalise_domain(raw: str) -> str:
    """An email domain as claimed and looked up: lower case, no trailing dot, at least two
    labels of letters, digits and inner hyphens (IDNs in their xn-- form), at most 253
    characters, not a public mail service. Raises InvalidDomain."""
    domain = raw.strip().lower().removesuffix(".")
    labels = domain.split(".")
    if (
        not 0 < len(domain) <= MAX_DOMAIN_LENGTH
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidDomain(f"not an email domain: {raw[:80]!r}")
    if domain in PUBLIC_MAIL_DOMAINS:
        raise InvalidDomain(f"a public mail service's domain cannot be claimed: {domain}")
    return domain


def email_domain(email: str) -> str | None:
    """The normalised domain of an email address, or None if it has no claimable domain."""
    _, at, domain = email.strip().rpartition("@")
    if not at:
        return None
    try:
        return normalise_domain(domain)
    except InvalidDomain:
        return None


def sso_config_key(tenant_id: str) -> dict[str, str]:
    """The tenant's SSO config: `{"pk": "TENANT#<id>", "sk": "SSO"}`. Raises InvalidTenantId."""
    return {"pk": f"TENANT#{validate_tenant_id(tenant_id)}", "sk": SSO_CONFIG_SORT_KEY}


def provider_mapping_key(provider: str) -> dict[str, str]:
    """The provider -> tenant mapping: `{"pk": "SSO_PROVIDER#<name>", "sk": "MAPPING"}`.
    Raises ValueError for a name `provider_name` could not have made."""
    if not is_provider_name(provider):
        raise ValueError(f"not an EngageIQ provider name: {provider[:40]!r}")
    return {"pk": PROVIDER_PARTITION_PREFIX + provider, "sk": PROVIDER_MAPPING_SORT_KEY}


def domain_claim_key(domain: str) -> dict[str, str]:
    """A domain's claim: `{"pk": "SSO_DOMAIN#<domain>", "sk": "CLAIM"}`, the domain normalised.
    Raises InvalidDomain."""
    return {"pk": DOMAIN_PARTITION_PREFIX + normalise_domain(domain), "sk": DOMAIN_CLAIM_SORT_KEY}


def config_to_item(config: SsoConfig) -> dict[str, Any]:
    """The config as plain attributes with its key (for `items.to_item`)."""
    data: dict[str, Any] = msgspec.to_builtins(config)
    data["domains"] = list(config.domains)
    return {**sso_config_key(config.tenant_id), **data}


def config_from_item(item: dict[str, Any]) -> SsoConfig:
    """A config from a plain item (`items.from_item`); unknown attributes are ignored."""
    data = {k: v for k, v in item.items() if k not in ("pk", "sk")}
    return msgspec.convert(data, SsoConfig, strict=False)


def has_federated_identity(claims: dict[str, Any]) -> bool:
    """True if verified ID token claims carry Cognito's `identities` claim (a user who signed in
    through an identity provider): a non-empty list, or the JSON text of one."""
    value = claims.get(IDENTITIES_CLAIM)
    if isinstance(value, str):
        return value.strip() not in ("", "[]")
    return isinstance(value, list) and len(value) > 0
