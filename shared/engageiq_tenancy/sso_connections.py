"""`SsoConnections`: connecting a tenant to its identity provider at run time - the one
implementation behind the operator CLI (`engageiq tenants sso ...`) and the tenant admin API
(`/api/tenant/sso`), decision 0120.

A connection is four things, made in this order and undone in reverse if any step fails, so a
failed `set` leaves no provider on the pool and no partial records:

1. the IdP's documents are fetched and checked (`sso_documents`) and the domains pre-checked;
2. a Cognito identity provider named `sso.provider_name(tenant)` on the user pool (created, or
   updated in place when the tenant already has one of the same type), mapping email and name
   only - never `custom:tenant_id`, which only the pre-token-generation trigger sets, from the
   provider -> tenant mapping;
3. the provider in the web client's `SupportedIdentityProviders` (UpdateUserPoolClient replaces
   the whole client configuration, so every field is read and written back);
4. one DynamoDB transaction: the SSO config, the provider -> tenant mapping, the domain claims
   (conditional: a domain claimed by another tenant refuses the whole transaction, and the
   refusal does not say which tenant) and `requireSso` on the tenant record.

Removal takes the provider off the client and the pool, then deletes the records in one
transaction; it can be repeated after a failure. The client secret goes to Cognito only."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
from botocore.exceptions import ClientError

from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.operation_errors import Conflict, InvalidInput, NotFound
from engageiq_tenancy.sso import (
    MAX_DOMAINS,
    DomainClaim,
    InvalidDomain,
    ProviderMapping,
    SsoConfig,
    SsoType,
    config_from_item,
    config_to_item,
    domain_claim_key,
    normalise_domain,
    provider_mapping_key,
    provider_name,
    sso_config_key,
)
from engageiq_tenancy.sso_documents import (
    FetchPolicy,
    fetch_oidc_discovery,
    fetch_saml_metadata,
    parse_saml_metadata,
)
from engageiq_tenancy.tenants import TenantStatus, operator_record_key

# stdlib logging: the CLI prints JSON on stdout, which structlog's default output would break.
log = logging.getLogger(__name__)

# What the chat service's role may do on its user pool for this module (the tenant admin's
# OIDC connection): exactly these, on the one pool (platform/engageiq_infra/access.py).
SSO_CONNECTION_ACTIONS: Final[tuple[str, ...]] = (
    "cognito-idp:CreateIdentityProvider",
    "cognito-idp:DescribeIdentityProvider",
    "cognito-idp:UpdateIdentityProvider",
    "cognito-idp:DeleteIdentityProvider",
    "cognito-idp:DescribeUserPoolClient",
    "cognito-idp:UpdateUserPoolClient",
)

# The only user pool attributes an IdP may fill: the trigger sets the tenant, never the IdP.
MAPPABLE_ATTRIBUTES: Final = frozenset({"email", "name"})
SAML_ATTRIBUTE_MAPPING: Final[Mapping[str, str]] = {
    "email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
}
OIDC_ATTRIBUTE_MAPPING: Final[Mapping[str, str]] = {"email": "email", "name": "name"}
OIDC_SCOPES: Final = "openid email profile"
MAX_CLIENT_ID: Final = 255
MAX_CLIENT_SECRET: Final = 1024

# UpdateUserPoolClient's fields besides the pool and client ids: every one present in
# DescribeUserPoolClient's answer is written back, since one left out is reset to its default.
_CLIENT_UPDATE_FIELDS: Final[tuple[str, ...]] = (
    "ClientName",
    "RefreshTokenValidity",
    "AccessTokenValidity",
    "IdTokenValidity",
    "TokenValidityUnits",
    "ReadAttributes",
    "WriteAttributes",
    "ExplicitAuthFlows",
    "SupportedIdentityProviders",
    "CallbackURLs",
    "LogoutURLs",
    "DefaultRedirectURI",
    "AllowedOAuthFlows",
    "AllowedOAuthScopes",
    "AllowedOAuthFlowsUserPoolClient",
    "AnalyticsConfiguration",
    "PreventUserExistenceErrors",
    "EnableTokenRevocation",
    "EnablePropagateAdditionalUserContextData",
    "AuthSessionValidity",
    "RefreshTokenRotation",
)
# Another writer (another tenant's connection) may replace the client between our read and
# write; the write is checked by reading again, this many times at most.
_CLIENT_WRITE_ATTEMPTS: Final = 3


@dataclass(frozen=True, slots=True)
class SamlSource:
    """Exactly one of: a metadata URL (Cognito keeps fetching it) or a metadata document."""

    metadata_url: str | None = None
    metadata_document: bytes | None = None


@dataclass(frozen=True, slots=True)
class OidcSource:
    issuer: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:  # never the secret, in a log or a traceback
        return f"OidcSource(issuer={self.issuer!r}, client_id={self.client_id!r})"


@dataclass(frozen=True, slots=True)
class SsoRequest:
    source: SamlSource | OidcSource
    domains: tuple[str, ...]
    require_sso: bool = False


@dataclass(frozen=True, slots=True)
class SsoStatus:
    """What `show` reports: the stored config (None: not configured) and whether Cognito
    agrees (the provider exists on the pool and the web client offers it)."""

    config: SsoConfig | None
    provider_on_pool: bool
    offered_by_client: bool


def check_attribute_mapping(mapping: Mapping[str, str]) -> Mapping[str, str]:
    """`mapping` if it fills only email and name; raises InvalidInput
    (`sso_attribute_mapping_refused`) for anything else, custom:tenant_id above all."""
    refused = sorted(k for k in mapping if k not in MAPPABLE_ATTRIBUTES)
    if refused:
        raise InvalidInput(
            "sso_attribute_mapping_refused",
            f"An identity provider may only fill email and name, not {', '.join(refused)}.",
        )
    return mapping


def clean_domains(domains: Iterable[str]) -> tuple[str, ...]:
    """The domains normalised (`sso.normalise_domain`), duplicates dropped, in order; 1 to
    MAX_DOMAINS. Raises InvalidInput (`invalid_sso_domain`)."""
    cleaned: dict[str, None] = {}
    for raw in domains:
        try:
            cleaned[normalise_domain(raw)] = None
        except InvalidDomain as exc:
            raise InvalidInput("invalid_sso_domain", f"{exc}.") from None
    if not 0 < len(cleaned) <= MAX_DOMAINS:
        raise InvalidInput(
            "invalid_sso_domain", f"Give 1 to {MAX_DOMAINS} email domains the provider signs in."
        )
    return tuple(cleaned)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class SsoConnections:
    """Connects, shows and removes a tenant's identity provider. Blocking (boto3)."""

    def __init__(
        self,
        *,
        cognito: Any,
        dynamodb: Any,
        user_pool_id: str,
        client_id: str,
        tenants_table: str,
        policy: FetchPolicy,
    ) -> None:
        self.cognito = cognito
        self.dynamodb = dynamodb
        self.pool = user_pool_id
        self.client_id = client_id
        self.table = tenants_table
        self.policy = policy

    # Reading

    def config(self, tenant_id: str) -> SsoConfig | None:
        item = self.dynamodb.get_item(
            TableName=self.table, Key=to_item(sso_config_key(tenant_id)), ConsistentRead=True
        ).get("Item")
        return config_from_item(from_item(item)) if item else None

    def status(self, tenant_id: str) -> SsoStatus:
        name = provider_name(tenant_id)
        return SsoStatus(
            config=self.config(tenant_id),
            provider_on_pool=self._provider(name) is not None,
            offered_by_client=name in self._client().get("SupportedIdentityProviders", []),
        )

    def claim_of(self, domain: str) -> DomainClaim | None:
        """The claim on `domain` (normalised), or None. Raises InvalidDomain."""
        item = self.dynamodb.get_item(TableName=self.table, Key=to_item(domain_claim_key(domain)))
        if "Item" not in item:
            return None
        data = from_item(item["Item"])
        return DomainClaim(tenant_id=data["tenantId"], provider_name=data["providerName"])

    # Connecting

    def connect(self, tenant_id: str, request: SsoRequest) -> SsoConfig:
        """Connect (or change) the tenant's IdP; all or nothing. Raises NotFound
        (`unknown_tenant`), InvalidInput (bad source or domains: `sso_document_unreachable`,
        `sso_metadata_invalid`, `sso_discovery_missing`, `sso_discovery_invalid`,
        `sso_url_not_allowed`, `invalid_sso_domain`, `invalid_sso_client`), Conflict
        (`sso_domain_claimed`, `sso_type_change`, `sso_changed`), or botocore's errors."""
        self._require_tenant(tenant_id)
        domains = clean_domains(request.domains)
        config, details = self._describe_source(tenant_id, request, domains)
        existing = self.config(tenant_id)
        if existing is not None and existing.type != config.type:
            raise Conflict(
                "sso_type_change",
                f"The organisation is connected with {existing.type}; remove that connection "
                f"before connecting with {config.type}.",
            )
        for domain in domains:
            claim = self.claim_of(domain)
            if claim is not None and claim.tenant_id != tenant_id:
                raise _domain_claimed(domain)
        dropped = tuple(d for d in (existing.domains if existing else ()) if d not in domains)
        undo: list[Callable[[], None]] = []
        try:
            self._put_provider(config, details, undo)
            self._offer(config.provider_name, undo)
            self._write_records(config, dropped)
        except BaseException:
            for step in reversed(undo):
                try:
                    step()
                except Exception as exc:  # keep undoing the rest; say what could not be
                    log.error("sso_undo_failed tenant_id=%s error=%r", tenant_id, exc)
            raise
        return config

    def _require_tenant(self, tenant_id: str) -> None:
        item = self.dynamodb.get_item(
            TableName=self.table, Key=to_item(operator_record_key(tenant_id)), ConsistentRead=True
        ).get("Item")
        if item is None or from_item(item).get("status") == TenantStatus.DELETING:
            raise NotFound("unknown_tenant", f"There is no tenant '{tenant_id}'.")

    def _describe_source(
        self, tenant_id: str, request: SsoRequest, domains: tuple[str, ...]
    ) -> tuple[SsoConfig, dict[str, Any]]:
        """The config to store and the provider's Cognito details, after checking the IdP's
        documents."""
        source = request.source
        saml = SsoConfig(
            tenant_id=tenant_id,
            type=SsoType.SAML,
            provider_name=provider_name(tenant_id),
            domains=domains,
            require_sso=request.require_sso,
            updated_at=_now(),
        )
        if isinstance(source, OidcSource):
            client_id, secret = source.client_id.strip(), source.client_secret.strip()
            if not 0 < len(client_id) <= MAX_CLIENT_ID or any(c.isspace() for c in client_id):
                raise InvalidInput("invalid_sso_client", "The client id is missing or malformed.")
            if not 0 < len(secret) <= MAX_CLIENT_SECRET:
                raise InvalidInput(
                    "invalid_sso_client", "The client secret is missing or too long."
                )
            discovery = fetch_oidc_discovery(source.issuer, self.policy)
            details = {
                "client_id": client_id,
                "client_secret": secret,
                "attributes_request_method": "GET",
                "oidc_issuer": discovery.issuer,
                "authorize_scopes": OIDC_SCOPES,
            }
            oidc = msgspec.structs.replace(
                saml, type=SsoType.OIDC, issuer=discovery.issuer, client_id=client_id
            )
            return oidc, details
        if (source.metadata_url is None) == (source.metadata_document is None):
            raise InvalidInput(
                "invalid_sso_source", "Give the SAML metadata as a URL or as a file, not both."
            )
        if source.metadata_url is not None:
            fetch_saml_metadata(source.metadata_url, self.policy)
            by_url = msgspec.structs.replace(saml, metadata_url=source.metadata_url)
            return by_url, {"MetadataURL": source.metadata_url}
        metadata = parse_saml_metadata(source.metadata_document or b"")
        return saml, {"MetadataFile": metadata.document}

    def _provider(self, name: str) -> dict[str, Any] | None:
        try:
            answer = self.cognito.describe_identity_provider(
                UserPoolId=self.pool, ProviderName=name
            )
        except ClientError as exc:
            if _code(exc) == "ResourceNotFoundException":
                return None
            raise
        provider: dict[str, Any] = answer["IdentityProvider"]
        return provider

    def _put_provider(
        self, config: SsoConfig, details: dict[str, Any], undo: list[Callable[[], None]]
    ) -> None:
        name = config.provider_name
        mapping = dict(
            check_attribute_mapping(
                OIDC_ATTRIBUTE_MAPPING if config.type == SsoType.OIDC else SAML_ATTRIBUTE_MAPPING
            )
        )
        old = self._provider(name)
        if old is not None and old.get("ProviderType") != config.type.value:
            # A leftover of an earlier connection of the other type (no config names it).
            self.cognito.delete_identity_provider(UserPoolId=self.pool, ProviderName=name)
            leftover = old

            def recreate() -> None:
                self._recreate(leftover)

            undo.append(recreate)
            old = None
        if old is None:
            self.cognito.create_identity_provider(
                UserPoolId=self.pool,
                ProviderName=name,
                ProviderType=config.type.value,
                ProviderDetails=details,
                AttributeMapping=mapping,
            )
            undo.append(
                lambda: self.cognito.delete_identity_provider(
                    UserPoolId=self.pool, ProviderName=name
                )
            )
            return
        self.cognito.update_identity_provider(
            UserPoolId=self.pool,
            ProviderName=name,
            ProviderDetails=details,
            AttributeMapping=mapping,
        )
        previous = old

        def restore() -> None:
            self.cognito.update_identity_provider(
                UserPoolId=self.pool,
                ProviderName=name,
                ProviderDetails=_writable_details(previous.get("ProviderDetails", {})),
                AttributeMapping=previous.get("AttributeMapping", {}),
            )

        undo.append(restore)

    def _recreate(self, provider: Mapping[str, Any]) -> None:
        self.cognito.create_identity_provider(
            UserPoolId=self.pool,
            ProviderName=provider["ProviderName"],
            ProviderType=provider["ProviderType"],
            ProviderDetails=_writable_details(provider.get("ProviderDetails", {})),
            AttributeMapping=provider.get("AttributeMapping", {}),
        )

    def _client(self) -> dict[str, Any]:
        answer = self.cognito.describe_user_pool_client(
            UserPoolId=self.pool, ClientId=self.client_id
        )
        client: dict[str, Any] = answer["UserPoolClient"]
        return client

    def _set_offered(self, name: str, offered: bool) -> bool:
        """Add `name` to (or take it off) the web client's providers, every other field of the
        client as it was; True if that changed anything."""
        for _ in range(_CLIENT_WRITE_ATTEMPTS):
            client = self._client()
            providers = list(client.get("SupportedIdentityProviders", []))
            if (name in providers) == offered:
                return False
            providers = [*providers, name] if offered else [p for p in providers if p != name]
            update = {k: client[k] for k in _CLIENT_UPDATE_FIELDS if k in client}
            update["SupportedIdentityProviders"] = providers
            self.cognito.update_user_pool_client(
                UserPoolId=self.pool, ClientId=self.client_id, **update
            )
            if (name in self._client().get("SupportedIdentityProviders", [])) == offered:
                return True
        raise Conflict(
            "sso_changed",
            "The sign-in client was being changed by someone else at the same time; try again.",
        )

    def _offer(self, name: str, undo: list[Callable[[], None]]) -> None:
        if self._set_offered(name, offered=True):

            def withdraw() -> None:
                self._set_offered(name, offered=False)

            undo.append(withdraw)

    def _write_records(self, config: SsoConfig, dropped: tuple[str, ...]) -> None:
        tenant = {":t": {"S": config.tenant_id}}
        mine = "attribute_not_exists(pk) OR tenantId = :t"
        steps: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_item(operator_record_key(config.tenant_id)),
                    "UpdateExpression": "SET requireSso = :r",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":r": {"BOOL": config.require_sso}},
                }
            },
            {"Put": {"TableName": self.table, "Item": to_item(config_to_item(config))}},
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(
                        {
                            **provider_mapping_key(config.provider_name),
                            "tenantId": ProviderMapping(tenant_id=config.tenant_id).tenant_id,
                        }
                    ),
                    "ConditionExpression": mine,
                    "ExpressionAttributeValues": tenant,
                }
            },
        ]
        claims_from = len(steps)
        for domain in config.domains:
            claim = {"tenantId": config.tenant_id, "providerName": config.provider_name}
            steps.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item({**domain_claim_key(domain), **claim}),
                        "ConditionExpression": mine,
                        "ExpressionAttributeValues": tenant,
                    }
                }
            )
        steps += [self._release(domain, config.tenant_id) for domain in dropped]
        self._transact(steps, claims=(claims_from, config.domains))

    def _release(self, domain: str, tenant_id: str) -> dict[str, Any]:
        return {
            "Delete": {
                "TableName": self.table,
                "Key": to_item(domain_claim_key(domain)),
                "ConditionExpression": "attribute_not_exists(pk) OR tenantId = :t",
                "ExpressionAttributeValues": {":t": {"S": tenant_id}},
            }
        }

    def _transact(
        self, steps: list[dict[str, Any]], claims: tuple[int, tuple[str, ...]] = (0, ())
    ) -> None:
        """One transaction; a refused condition becomes `unknown_tenant` (step 0, the tenant
        record), `sso_domain_claimed` (a claim step) or `sso_changed`."""
        try:
            self.dynamodb.transact_write_items(
                TransactItems=steps, ClientRequestToken=uuid.uuid4().hex
            )
        except ClientError as exc:
            if _code(exc) != "TransactionCanceledException":
                raise
            codes = [r.get("Code", "None") for r in exc.response.get("CancellationReasons") or []]
            failed = [i for i, c in enumerate(codes) if c == "ConditionalCheckFailed"]
            first, domains = claims
            for index in failed:
                if index == 0:
                    raise NotFound("unknown_tenant", "The tenant no longer exists.") from None
                if first <= index < first + len(domains):
                    raise _domain_claimed(domains[index - first]) from None
            raise Conflict(
                "sso_changed", "The SSO connection was changed at the same time; try again."
            ) from None

    # Removing

    def disconnect(self, tenant_id: str) -> SsoConfig | None:
        """Remove the tenant's IdP from the client and the pool, then its config, mapping and
        domain claims, and `requireSso` (so its users can sign in with passwords again). Safe
        to repeat after a failure. Returns the config that was removed (None if only a
        leftover provider was). Raises NotFound (`sso_not_configured`)."""
        name = provider_name(tenant_id)
        config = self.config(tenant_id)
        provider = self._provider(name)
        offered = name in self._client().get("SupportedIdentityProviders", [])
        if config is None and provider is None and not offered:
            raise NotFound("sso_not_configured", "This organisation has no single sign-on.")
        self._set_offered(name, offered=False)
        if provider is not None:
            try:
                self.cognito.delete_identity_provider(UserPoolId=self.pool, ProviderName=name)
            except ClientError as exc:
                if _code(exc) != "ResourceNotFoundException":
                    raise
        steps: list[dict[str, Any]] = [
            {"Delete": {"TableName": self.table, "Key": to_item(sso_config_key(tenant_id))}},
            {"Delete": {"TableName": self.table, "Key": to_item(provider_mapping_key(name))}},
            *(self._release(d, tenant_id) for d in (config.domains if config else ())),
        ]
        if self._tenant_exists(tenant_id):
            steps.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": to_item(operator_record_key(tenant_id)),
                        "UpdateExpression": "REMOVE requireSso",
                    }
                }
            )
        self._transact(steps)
        return config

    def _tenant_exists(self, tenant_id: str) -> bool:
        answer = self.dynamodb.get_item(
            TableName=self.table,
            Key=to_item(operator_record_key(tenant_id)),
            ProjectionExpression="pk",
            ConsistentRead=True,
        )
        return "Item" in answer


def _domain_claimed(domain: str) -> Conflict:
    # Never which tenant: that would tell anyone with an admin login who a domain's customer is.
    return Conflict(
        "sso_domain_claimed",
        f"The domain {domain} is already claimed by another organisation.",
    )


def _writable_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """A provider's details as DescribeIdentityProvider gives them, less what Cognito fills in
    itself and refuses back (the endpoints it discovered, the metadata it fetched)."""
    derived = {
        "authorize_url",
        "token_url",
        "attributes_url",
        "jwks_uri",
        "attributes_url_add_attributes",
        "ActiveEncryptionCertificate",
    }
    if "MetadataURL" in details:
        derived.add("MetadataFile")
    return {k: v for k, v in details.items() if k not in derived}


__all__ = [
    "SSO_CONNECTION_ACTIONS",
    "FetchPolicy",
    "OidcSource",
    "SamlSource",
    "SsoConnections",
    "SsoRequest",
    "SsoStatus",
    "check_attribute_mapping",
    "clean_domains",
]
