"""Cognito pre-token-generation trigger (event V2_0): the tenant in every token comes from
EngageIQ's own records, never from an identity provider (decision 0121).

Deployed as a Lambda function by engageiq_infra.tenant_claims; this module is its whole code
(standard library, and the boto3 the Lambda runtime provides, imported lazily). Cognito calls
it before it issues tokens: at every sign-in (password or Hosted UI) and every refresh.

- **Federated user** (Cognito's `identities` attribute, user name `<providerName>_<subject>`):
  the tenant is the one the provider is mapped to (`pk=SSO_PROVIDER#<providerName>,
  sk=MAPPING`, written by `engageiq tenants sso set`). `custom:tenant_id` is set from it,
  whatever the identity provider sent. Refused when the provider is unknown, the tenant is
  missing, suspended or being deleted, or a tenant admin removed the user (the removal item
  `pk=TENANT#<id>, sk=SSO_REMOVED#<user name>` outlives the Cognito user, which Cognito would
  otherwise recreate at the next sign-in; engageiq_tenancy.user_access). The first sign-in
  makes the user a member (`<tenant>--member`), in the group and in this very token.
- **Password user**: their operator-set `custom:tenant_id` passes through, unless the tenant
  requires single sign-on (`requireSso` on the tenant record), which refuses the sign-in and,
  at the next refresh, the session.
- Both: a user whose tokens the tenant record voids (`userAccess`, a removal) is refused.

Refusing is raising: Cognito then issues no token and answers the sign-in or the refresh with
"PreTokenGeneration failed with error <code>: <sentence>". The sentence is shown to the person
signing in, so it names no tenant. Environment: `ENGAGEIQ_TENANTS_TABLE` (the tenants table)."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

TENANT_CLAIM: Final = "custom:tenant_id"
IDENTITIES_ATTRIBUTE: Final = "identities"
USER_STATUS_ATTRIBUTE: Final = "cognito:user_status"
EXTERNAL_PROVIDER_STATUS: Final = "EXTERNAL_PROVIDER"
TABLE_VARIABLE: Final = "ENGAGEIQ_TENANTS_TABLE"
# V2_0 (what the pool is configured with) and V3_0 answer in the same shape; V1_0 does not.
EVENT_VERSIONS: Final = frozenset({"2", "3"})
REFRESH_TRIGGER: Final = "TokenGeneration_RefreshTokens"
MEMBER_ROLE: Final = "member"
GROUP_DELIMITER: Final = "--"
# Tenant ids are lowercase slugs (engageiq_tenancy.tenant_ids); provider names are what
# engageiq_tenancy.sso.provider_name gives ("sso-" and 28 hex digits). A test keeps both equal.
TENANT_ID: Final = re.compile(r"[a-z][a-z0-9-]{1,30}[a-z0-9]")
PROVIDER_NAME: Final = re.compile(r"sso-[0-9a-f]{28}")
FEDERATED_USER_NAME: Final = re.compile(r"sso-[0-9a-f]{28}_", re.IGNORECASE)
# The tenants table's keys (engageiq_tenancy.sso, .tenants and .user_access; a test keeps
# them equal): this package cannot import the repository's modules.
PROVIDER_PARTITION_PREFIX: Final = "SSO_PROVIDER#"
PROVIDER_MAPPING_SORT_KEY: Final = "MAPPING"
TENANT_PARTITION_PREFIX: Final = "TENANT#"
TENANT_RECORD_SORT_KEY: Final = "PROFILE"
REMOVAL_SORT_KEY_PREFIX: Final = "SSO_REMOVED#"
ACTIVE_STATUS: Final = "active"
LOG: Final = logging.getLogger("engageiq.tenant_claims")


class SignInRefused(Exception):
    """No token for this user: `code` for the logs and the web app, `sentence` for people."""

    def __init__(self, code: str, sentence: str) -> None:
        super().__init__(f"{code}: {sentence}")
        self.code = code
        self.sentence = sentence


def _malformed() -> SignInRefused:
    return SignInRefused(
        "invalid_identity", "This sign-in cannot be accepted. Ask your administrator."
    )


def _unknown_provider() -> SignInRefused:
    return SignInRefused(
        "sso_provider_unknown", "Your organisation's single sign-on is not connected."
    )


def _tenant_unavailable() -> SignInRefused:
    return SignInRefused(
        "tenant_unavailable",
        "Your organisation's account is not available. Ask your administrator.",
    )


def _removed() -> SignInRefused:
    return SignInRefused("user_removed", "Your organisation's administrator removed your access.")


def _sso_required() -> SignInRefused:
    return SignInRefused(
        "sso_required",
        "Your organisation signs in with single sign-on: enter your work email on the "
        "sign-in page.",
    )


@dataclass(frozen=True, slots=True)
class FederatedIdentity:
    provider_name: str
    user_name: str
    """Cognito's user name, `<providerName>_<subject at the IdP>`: the same every time that
    person signs in through that provider, even after Cognito deleted and recreated the user."""


@dataclass(frozen=True, slots=True)
class TenantState:
    """What the trigger reads of a tenant record (`pk=TENANT#<id>, sk=PROFILE`)."""

    status: str
    require_sso: bool
    revoked_roles: tuple[str, ...] | None
    """The roles this user's earlier tokens keep after an access change (`userAccess`, keyed
    by the user's sub): empty when the user was removed, None without a change."""


class TenantRecords(Protocol):
    """The trigger's reads and its one write; `AwsTenantRecords` in Lambda, fakes in tests."""

    def provider_tenant(self, provider_name: str) -> str | None: ...

    def tenant(self, tenant_id: str, user_sub: str) -> TenantState | None: ...

    def is_removed(self, tenant_id: str, user_name: str) -> bool: ...

    def add_to_group(self, user_pool_id: str, user_name: str, group: str) -> None: ...


def federated_identity(user_name: str, attributes: Mapping[str, Any]) -> FederatedIdentity | None:
    """The identity provider a user signed in through, or None for a password user.

    Raises SignInRefused(invalid_identity) when the signs disagree: `identities` present but not
    exactly one well-formed entry of a provider EngageIQ names, a user name that is not
    `<thatProvider>_...`, or a user Cognito marks as external without `identities`."""
    raw = attributes.get(IDENTITIES_ATTRIBUTE)
    external = attributes.get(USER_STATUS_ATTRIBUTE) == EXTERNAL_PROVIDER_STATUS
    if raw is None:
        if external or FEDERATED_USER_NAME.match(user_name):
            # Only Cognito names users `<one of our providers>_...`: never a password user.
            raise _malformed()
        return None
    try:
        entries = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise _malformed() from None
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        raise _malformed()
    provider = entries[0].get("providerName")
    if not isinstance(provider, str) or PROVIDER_NAME.fullmatch(provider) is None:
        raise _malformed()
    prefix, separator, subject = user_name.partition("_")
    # Cognito may write the provider part of the user name in lower case; ours is lower case.
    if not separator or not subject or prefix.lower() != provider:
        raise _malformed()
    return FederatedIdentity(provider, user_name)


def _claims_override(event: dict[str, Any], tenant_id: str, groups: list[str] | None) -> None:
    request = event.get("request") or {}
    details: dict[str, Any] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {TENANT_CLAIM: tenant_id}},
    }
    if groups is not None:
        config = request.get("groupConfiguration") or {}
        details["groupOverrideDetails"] = {
            "groupsToOverride": groups,
            "iamRolesToOverride": list(config.get("iamRolesToOverride") or []),
            "preferredRole": config.get("preferredRole"),
        }
    response = event.get("response")
    if not isinstance(response, dict):
        response = event["response"] = {}
    response["claimsAndScopeOverrideDetails"] = details


def _check_access(tenant: TenantState) -> None:
    """A removal in the tenant record's access changes (engageiq_tenancy.user_access) refuses
    the user: it closes the moment between an admin's removal and Cognito's deletion of the
    user. A demotion is the services' to apply, per token."""
    if tenant.revoked_roles is not None and not tenant.revoked_roles:
        raise _removed()


def _federated(
    event: dict[str, Any], identity: FederatedIdentity, records: TenantRecords
) -> dict[str, Any]:
    attributes = event["request"]["userAttributes"]
    tenant_id = records.provider_tenant(identity.provider_name)
    if tenant_id is None or TENANT_ID.fullmatch(tenant_id) is None:
        raise _unknown_provider()
    tenant = records.tenant(tenant_id, str(attributes.get("sub", "")))
    if tenant is None or tenant.status != ACTIVE_STATUS:
        raise _tenant_unavailable()
    if records.is_removed(tenant_id, identity.user_name):
        raise _removed()
    _check_access(tenant)
    prefix = f"{tenant_id}{GROUP_DELIMITER}"
    config = event["request"].get("groupConfiguration") or {}
    current = config.get("groupsToOverride") or []
    # Only this tenant's groups: no group of another tenant ever reaches the token.
    groups = [g for g in current if isinstance(g, str) and g.startswith(prefix)]
    member = f"{prefix}{MEMBER_ROLE}"
    if member not in groups and event.get("triggerSource") != REFRESH_TRIGGER:
        # Just-in-time membership. Cognito read the groups before calling us, so the new
        # group goes into this token by hand. Never on a refresh: a session only continues.
        records.add_to_group(str(event.get("userPoolId", "")), identity.user_name, member)
        groups.append(member)
    _claims_override(event, tenant_id, sorted(groups))
    return event


def _password_user(event: dict[str, Any], records: TenantRecords) -> dict[str, Any]:
    attributes = event["request"]["userAttributes"]
    tenant_id = attributes.get(TENANT_CLAIM)
    if not isinstance(tenant_id, str) or TENANT_ID.fullmatch(tenant_id) is None:
        # Operators create every password user with a tenant; without one no token is honoured.
        raise _malformed()
    tenant = records.tenant(tenant_id, str(attributes.get("sub", "")))
    if tenant is not None:
        if tenant.require_sso:
            raise _sso_required()
        _check_access(tenant)
    # A suspended or missing tenant is the services' to refuse (TenantGate), with its own
    # message; this trigger only keeps password users out of tenants that require SSO.
    _claims_override(event, tenant_id, None)
    return event


def decide(event: dict[str, Any], records: TenantRecords) -> dict[str, Any]:
    """Cognito's V2_0 event in, the same event out with
    `response.claimsAndScopeOverrideDetails` set. Raises SignInRefused."""
    if str(event.get("version")) not in EVENT_VERSIONS:
        # A V1 event would take no notice of our answer and issue the IdP's attributes as they
        # came: a trigger left on the wrong version must refuse, not pass.
        raise _malformed()
    request = event.get("request")
    user_name = event.get("userName")
    if not isinstance(request, dict) or not isinstance(user_name, str) or not user_name:
        raise _malformed()
    attributes = request.get("userAttributes")
    if not isinstance(attributes, dict):
        raise _malformed()
    identity = federated_identity(user_name, attributes)
    if identity is None:
        return _password_user(event, records)
    return _federated(event, identity, records)


# AWS ------------------------------------------------------------------------------------------


def _number(text: str) -> int | float:
    return int(text) if text.lstrip("-").isdigit() else float(text)


# Typed DynamoDB attribute values -> plain values, for the only types these items use.
_PLAIN: Final[dict[str, Callable[[Any], Any]]] = {
    "S": str,
    "BOOL": bool,
    "N": lambda n: _number(str(n)),
    "M": lambda m: {k: _plain(v) for k, v in m.items()},
    "L": lambda items: [_plain(v) for v in items],
    "SS": list,
}


def _plain(value: Mapping[str, Any]) -> Any:
    for kind, convert in _PLAIN.items():
        if kind in value:
            return convert(value[kind])
    return None


class AwsTenantRecords:
    """The tenants table (GetItem only) and the user pool (AdminAddUserToGroup only): exactly
    what the function's role allows (engageiq_infra.tenant_claims). Without clients given, it
    makes the Lambda runtime's boto3 clients on first use, so a malformed event is refused
    before anything is asked of AWS."""

    def __init__(self, table: str, dynamodb: Any = None, cognito: Any = None) -> None:
        self.table = table
        self._dynamodb = dynamodb
        self._cognito = cognito

    @property
    def dynamodb(self) -> Any:
        if self._dynamodb is None:
            import boto3  # the Lambda runtime's; imported lazily (see above)

            self._dynamodb = boto3.client("dynamodb")
        return self._dynamodb

    @property
    def cognito(self) -> Any:
        if self._cognito is None:
            import boto3

            self._cognito = boto3.client("cognito-idp")
        return self._cognito

    def _get(self, pk: str, sk: str, **request: Any) -> dict[str, Any] | None:
        answer = self.dynamodb.get_item(
            TableName=self.table,
            Key={"pk": {"S": pk}, "sk": {"S": sk}},
            ConsistentRead=True,
            **request,
        )
        item = answer.get("Item")
        return {k: _plain(v) for k, v in item.items()} if item else None

    def provider_tenant(self, provider_name: str) -> str | None:
        item = self._get(f"{PROVIDER_PARTITION_PREFIX}{provider_name}", PROVIDER_MAPPING_SORT_KEY)
        tenant = (item or {}).get("tenantId")
        return tenant if isinstance(tenant, str) else None

    def tenant(self, tenant_id: str, user_sub: str) -> TenantState | None:
        item = self._get(f"{TENANT_PARTITION_PREFIX}{tenant_id}", TENANT_RECORD_SORT_KEY)
        if item is None:
            return None
        access = item.get("userAccess")
        entry = access.get(user_sub) if isinstance(access, dict) and user_sub else None
        roles: tuple[str, ...] | None = None
        if isinstance(entry, dict) and isinstance(entry.get("revokedBefore"), int):
            roles = tuple(str(r) for r in entry.get("roles") or [])
        return TenantState(
            status=str(item.get("status", ACTIVE_STATUS)),
            require_sso=item.get("requireSso") is True,
            revoked_roles=roles,
        )

    def is_removed(self, tenant_id: str, user_name: str) -> bool:
        item = self._get(
            f"{TENANT_PARTITION_PREFIX}{tenant_id}",
            f"{REMOVAL_SORT_KEY_PREFIX}{user_name}",
            ProjectionExpression="pk",
        )
        return item is not None

    def add_to_group(self, user_pool_id: str, user_name: str, group: str) -> None:
        self.cognito.admin_add_user_to_group(
            UserPoolId=user_pool_id, Username=user_name, GroupName=group
        )


_records: AwsTenantRecords | None = None


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Cognito's entry point: `decide` with the function's clients (made once per container).
    Raises SignInRefused, or the AWS error that stopped the check: either way, no token."""
    global _records
    try:
        if _records is None:
            # Made once per container, so warm invocations reuse the clients' connections.
            _records = AwsTenantRecords(os.environ[TABLE_VARIABLE])
        return decide(event, _records)
    except SignInRefused as refused:
        # One line per refusal for the operators' logs: who, through what, and why.
        LOG.warning(
            json.dumps(
                {
                    "refused": refused.code,
                    "trigger": str(event.get("triggerSource", "")),
                    "userName": str(event.get("userName", ""))[:128],
                }
            )
        )
        raise
