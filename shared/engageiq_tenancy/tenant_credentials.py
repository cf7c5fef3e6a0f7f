"""`TenantClients`: boto3 clients for tenant data, signed as the caller's tenant.

In the cloud (`ENGAGEIQ_TENANT_ROLE_ARN` set) the service assumes the tenant role with the
session tag `tenant_id=<tenant>` taken from the verified `TenantContext`. The role's policies
(`dynamodb:LeadingKeys` like "${aws:PrincipalTag/tenant_id}#*", S3 under
"tenants/${aws:PrincipalTag/tenant_id}/") then refuse any key of another tenant, whatever the
code asks for: the second wall. Credentials and clients are cached per tenant until shortly
before they expire.

Locally there is no role (moto does not evaluate IAM conditions), so every tenant shares the
service's own clients; the infrastructure tests assert the role's policies instead."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from engageiq_tenancy.aws import client, new_client
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.settings import ServiceSettings
from engageiq_tenancy.tenant_ids import validate_tenant_id

TENANT_TAG_KEY: Final = "tenant_id"
REFRESH_MARGIN_SECONDS: Final = 300.0
SESSION_SECONDS: Final = 3600


@dataclass(frozen=True, slots=True)
class _Session:
    clients: dict[str, Any]
    expires_at: float


class TenantClients:
    def __init__(
        self,
        region: str,
        service: str,
        role_arn: str | None,
        base_clients: dict[str, Any],
        sts: Any = None,
        clock: Callable[[], float] = time.time,
        endpoint_url: str | None = None,
    ) -> None:
        self._region = region
        self._service = service
        self._role_arn = role_arn
        self._base = base_clients
        self._sts = sts
        self._clock = clock
        self._endpoint_url = endpoint_url
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: ServiceSettings, service: str, names: tuple[str, ...] = ("dynamodb", "s3")
    ) -> TenantClients:
        """The service's clients for tenant data: its own locally, per-tenant credentials of
        the tenant role in the cloud. `service` names the STS session (shown in CloudTrail)."""
        scoped = settings.tenant_role_arn is not None
        return cls(
            settings.auth.region,
            service,
            settings.tenant_role_arn,
            {name: client(name, settings) for name in names},
            sts=client("sts", settings) if scoped else None,
            endpoint_url=settings.aws_endpoint_url,
        )

    @property
    def scoped(self) -> bool:
        """True when tenant data is reached through per-tenant credentials."""
        return self._role_arn is not None

    def service_client(self, name: str) -> Any:
        """The service's own `name` client, not signed as any tenant. Only for reads that must
        span tenants by design and touch no tenant content, such as the files service's query
        of its `by_ingestion` index (decision 0075); every tenant read and write goes through
        `client`."""
        return self._base[name]

    def client(self, tenant: TenantContext, name: str) -> Any:
        """The `name` client ("dynamodb", "s3") to use for `tenant`'s data. Blocking (STS);
        call it where boto3 calls already run: in a worker thread."""
        if self._role_arn is None:
            return self._base[name]
        return self.for_tenant(tenant.tenant_id, name)

    def for_tenant(self, tenant_id: str, name: str) -> Any:
        """`client` by tenant id, for writers that hold the id of a verified caller or of the
        tenant a system task works on, not a `TenantContext` (the audit trail, decision
        0118). The id becomes the session tag, so IAM confines the client to that tenant."""
        if self._role_arn is None:
            return self._base[name]
        with self._lock:
            session = self._sessions.get(tenant_id)
            if session is None or self._clock() >= session.expires_at - REFRESH_MARGIN_SECONDS:
                session = self._sessions[tenant_id] = self._assume(tenant_id)
        return session.clients[name]

    def _assume(self, tenant_id: str) -> _Session:
        answer = self._sts.assume_role(
            RoleArn=self._role_arn,
            # The session name shows in CloudTrail next to every call made with it.
            RoleSessionName=f"{self._service}-{tenant_id}"[:64],
            DurationSeconds=SESSION_SECONDS,
            Tags=[{"Key": TENANT_TAG_KEY, "Value": validate_tenant_id(tenant_id)}],
        )
        credentials = answer["Credentials"]
        signed_as_tenant = {
            "aws_access_key_id": credentials["AccessKeyId"],
            "aws_secret_access_key": credentials["SecretAccessKey"],
            "aws_session_token": credentials["SessionToken"],
        }
        clients = {
            name: new_client(
                name,
                region=self._region,
                endpoint_url=self._endpoint_url,
                credentials=signed_as_tenant,
            )
            for name in self._base
        }
        expiration = credentials["Expiration"]
        expires_at = (
            expiration.timestamp() if isinstance(expiration, datetime) else float(expiration)
        )
        return _Session(clients, expires_at)
