"""`TenantObjects`: a tenant's objects in one bucket - read, written and deleted with the
tenant's own clients, under the tenant's prefix only. The files service's `FileStore` adds
uploads and presigned URLs to it; the search library stores index blobs with it.

Blocking (boto3); async callers run it in worker threads."""

from __future__ import annotations

from typing import IO, Any, Final

from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import s3_tenant_prefix
from engageiq_tenancy.tenant_credentials import TenantClients

DOWNLOAD_CHUNK: Final = 1024 * 1024


def version_argument(version: str | None) -> dict[str, str]:
    """The `VersionId` argument of an S3 call for `version`; none for the current version."""
    return {"VersionId": version} if version else {}


class TenantObjects:
    """Every call names the tenant: its client is signed as that tenant in the cloud (IAM
    limits it to "tenants/<tenant>/"), and keys outside the tenant's prefix are refused here
    as well (`ValueError`)."""

    def __init__(self, clients: TenantClients, bucket: str) -> None:
        self._clients = clients
        self.bucket = bucket

    def s3_for(self, tenant: TenantContext) -> Any:
        return self._clients.client(tenant, "s3")

    def _checked(self, tenant: TenantContext, key: str) -> str:
        if not key.startswith(s3_tenant_prefix(tenant)):
            raise ValueError("object key outside the tenant's prefix")
        return key

    def download_to(
        self,
        tenant: TenantContext,
        key: str,
        out: IO[bytes],
        max_bytes: int,
        version: str | None = None,
    ) -> int:
        """Stream an object into `out`; refuses objects above `max_bytes`."""
        body = self.s3_for(tenant).get_object(
            Bucket=self.bucket, Key=self._checked(tenant, key), **version_argument(version)
        )["Body"]
        total = 0
        for chunk in iter(lambda: body.read(DOWNLOAD_CHUNK), b""):
            total += len(chunk)
            if total > max_bytes:
                body.close()
                raise ValueError("object larger than the upload limit")
            out.write(chunk)
        return total

    def put_bytes(self, tenant: TenantContext, key: str, data: bytes, content_type: str) -> None:
        self.s3_for(tenant).put_object(
            Bucket=self.bucket, Key=self._checked(tenant, key), Body=data, ContentType=content_type
        )

    def get_bytes(self, tenant: TenantContext, key: str) -> bytes | None:
        try:
            data: bytes = (
                self.s3_for(tenant)
                .get_object(Bucket=self.bucket, Key=self._checked(tenant, key))["Body"]
                .read()
            )
        except self.s3_for(tenant).exceptions.NoSuchKey:
            return None
        return data

    def delete(self, tenant: TenantContext, key: str) -> None:
        """Remove the object. The bucket is versioned for recovery: the old version stays
        restorable by operators until the platform's lifecycle rule expires noncurrent
        versions (90 days, or sooner by the tenant's retention: decision 0122); the tenant
        role may only delete, not purge versions."""
        self.s3_for(tenant).delete_object(Bucket=self.bucket, Key=self._checked(tenant, key))
