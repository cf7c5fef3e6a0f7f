"""`FileStore`: the tenant's objects in the uploads bucket, and `UploadSession`, one S3
multipart upload that is either completed or aborted - never left half-written.

Blocking (boto3); async callers run it in worker threads."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Final

from engageiq_files.reading.inline import content_disposition
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.keys import s3_key, s3_tenant_prefix
from engageiq_tenancy.objects import DOWNLOAD_CHUNK, TenantObjects, version_argument

FILES_AREA: Final = "files"
CHUNKS_AREA: Final = "chunks"


def file_object_key(tenant: TenantContext, file_id: str) -> str:
    """Where a file's bytes live: named by its id, never by the user's file name."""
    return s3_key(tenant, FILES_AREA, file_id)


def chunks_object_key(tenant: TenantContext, file_id: str) -> str:
    return s3_key(tenant, CHUNKS_AREA, file_id)


class UploadSession:
    """One multipart upload. Parts may be sent from several threads (boto3 clients are
    thread-safe); `complete` needs every part, `abort` removes whatever was sent."""

    def __init__(self, s3: Any, bucket: str, key: str, content_type: str) -> None:
        self._s3 = s3
        self.bucket = bucket
        self.key = key
        self.upload_id: str = s3.create_multipart_upload(
            Bucket=bucket, Key=key, ContentType=content_type
        )["UploadId"]
        self._etags: dict[int, str] = {}

    def upload_part(self, number: int, data: bytes | bytearray) -> None:
        response = self._s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number, Body=data
        )
        self._etags[number] = response["ETag"]

    def complete(self) -> None:
        parts = [{"PartNumber": n, "ETag": self._etags[n]} for n in sorted(self._etags)]
        try:
            self._s3.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": parts},
            )
        except self._s3.exceptions.NoSuchUpload:
            # botocore retried a completion whose answer was lost: the first attempt made the
            # object (this key is this file's alone), and the upload no longer exists.
            self._s3.head_object(Bucket=self.bucket, Key=self.key)
        self._abort_strays()

    def abort(self) -> None:
        # NoSuchUpload: aborted by an earlier attempt whose answer was lost, or completed.
        with contextlib.suppress(self._s3.exceptions.NoSuchUpload):
            self._s3.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
            )
        self._abort_strays()

    def _abort_strays(self) -> None:
        """Abort every other upload open on this key. The key is this file's alone, so any
        other is ours too: botocore retried a CreateMultipartUpload whose answer was lost,
        and S3 had opened one upload per attempt (found by bench/faults.py)."""
        abort_open_uploads(self._s3, self.bucket, self.key)


def abort_open_uploads(s3: Any, bucket: str, key: str) -> int:
    """Abort every multipart upload still open on exactly `key`; how many."""
    answer = s3.list_multipart_uploads(Bucket=bucket, Prefix=key)
    aborted = 0
    for upload in answer.get("Uploads", []):
        if upload["Key"] == key:
            s3.abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload["UploadId"])
            aborted += 1
    return aborted


class FileStore(TenantObjects):
    """The tenant's objects (`TenantObjects`: reads, writes, deletes, all under the tenant's
    prefix) plus what only the files service does with them: uploads and presigned URLs."""

    def start_upload(self, tenant: TenantContext, key: str, content_type: str) -> UploadSession:
        return UploadSession(
            self.s3_for(tenant), self.bucket, self._checked(tenant, key), content_type
        )

    def head(self, tenant: TenantContext, key: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self.s3_for(tenant).head_object(
                Bucket=self.bucket, Key=self._checked(tenant, key)
            )
        except self.s3_for(tenant).exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return None
            raise
        return result

    def read_head(
        self, tenant: TenantContext, key: str, length: int, version: str | None = None
    ) -> bytes:
        """The first `length` bytes of an object (a ranged GET, so size does not matter)."""
        body = self.s3_for(tenant).get_object(
            Bucket=self.bucket,
            Key=self._checked(tenant, key),
            Range=f"bytes=0-{length - 1}",
            **version_argument(version),
        )
        data: bytes = body["Body"].read()
        return data

    def open_body(
        self, tenant: TenantContext, key: str, version: str | None = None
    ) -> tuple[Iterator[bytes], int]:
        """An object's bytes as an iterator of pieces (read one by one, so a large file is
        never held whole) and its length in bytes."""
        answer = self.s3_for(tenant).get_object(
            Bucket=self.bucket, Key=self._checked(tenant, key), **version_argument(version)
        )
        body = answer["Body"]

        def pieces() -> Iterator[bytes]:
            try:
                yield from iter(lambda: body.read(DOWNLOAD_CHUNK), b"")
            finally:
                body.close()

        return pieces(), int(answer["ContentLength"])

    def presigned_download(
        self,
        tenant: TenantContext,
        key: str,
        file_name: str,
        expires: int,
        version: str | None = None,
    ) -> str:
        url: str = self.s3_for(tenant).generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._checked(tenant, key),
                "ResponseContentDisposition": content_disposition(file_name),
                **version_argument(version),
            },
            ExpiresIn=expires,
        )
        return url

    def presigned_post(
        self, tenant: TenantContext, key: str, max_bytes: int, expires: int
    ) -> dict[str, Any]:
        """A browser form upload of exactly `key` (no other key: the policy pins it), between
        1 byte and `max_bytes`. The type is not trusted from it: `complete` sniffs the bytes."""
        result: dict[str, Any] = self.s3_for(tenant).generate_presigned_post(
            Bucket=self.bucket,
            Key=self._checked(tenant, key),
            Conditions=[["content-length-range", 1, max_bytes]],
            ExpiresIn=expires,
        )
        return result

    def abort_uploads(self, tenant: TenantContext, key: str) -> int:
        """Abort every multipart upload still open on exactly `key`; how many."""
        return abort_open_uploads(self.s3_for(tenant), self.bucket, self._checked(tenant, key))

    def open_uploads(self, tenant: TenantContext) -> Iterator[dict[str, Any]]:
        """Multipart uploads still open under the tenant's prefix (tests and operators)."""
        response = self.s3_for(tenant).list_multipart_uploads(
            Bucket=self.bucket, Prefix=s3_tenant_prefix(tenant)
        )
        yield from response.get("Uploads", [])
