"""`TenantImport`: restore a folder written by `TenantExport` into an empty tenant, on the same
platform or another one (local -> cloud, for example).

What cannot be carried over, and what is done instead:
- Passwords: Cognito never reveals them. Each user is invited again with the same email and
  roles (a temporary password locally, printed; an invitation email in the cloud).
- User ids: Cognito assigns a new `sub` to each new user. Every stored reference to the old id
  (the conversations' partition keys, `uploadedBy`, a file's `owner` and `verifiedBy`,
  collection audiences, content issues' `askedBy` and `ownerIds`...) is rewritten to the new
  one, so restricted collections admit the same people (decision 0111). The tenant id is kept,
  so keys and `governed = <tenant>#GOVERNED` are restored as they were.
- S3 version ids: a put creates a new version; file records pinned to a version are re-pinned.

Refused (nothing written): a folder whose manifest is missing, of another format or whose
checksums do not match (exit 2), and a tenant that already has anything (exit 4)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engageiq.provisioning.export import EXPORT_FORMAT, MANIFEST, sha256_of
from engageiq.provisioning.footprint import TenantData, tenant_object_prefix
from engageiq.provisioning.targets import Target
from engageiq.provisioning.tenants import validate_slug
from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.items import serialize
from engageiq_tenancy.operation_errors import Conflict, InvalidInput
from engageiq_tenancy.resources import TABLES
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

Progress = Callable[[str], None]


@dataclass
class ImportReport:
    tenant_id: str
    users: int = 0
    items: dict[str, int] = field(default_factory=dict)
    documents: int = 0
    objects: int = 0
    temporary_passwords: dict[str, str] = field(default_factory=dict)
    """Local only: each user's new temporary password (the cloud emails an invitation)."""

    def summary(self) -> str:
        items = ", ".join(f"{count} {table}" for table, count in self.items.items())
        lines = [
            f"Imported tenant {self.tenant_id}:",
            f"  users:          {self.users} (invited again; they choose new passwords)",
            f"  documents:      {self.documents}",
            f"  other objects:  {self.objects}",
            f"  items:          {items}",
        ]
        lines += [
            f"  temporary password of {email}: {password}"
            for email, password in sorted(self.temporary_passwords.items())
        ]
        return "\n".join(lines)


def read_manifest(directory: Path) -> dict[str, Any]:
    """The export's manifest, after checking its format and every file's SHA-256."""
    path = directory / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise InvalidInput(
            "not_an_export", f"{directory} has no {MANIFEST}: export with `tenants export`."
        ) from None
    except ValueError:
        raise InvalidInput("not_an_export", f"{path} is not JSON.") from None
    if manifest.get("format") != EXPORT_FORMAT:
        raise InvalidInput(
            "unsupported_export",
            f"{directory} is a {manifest.get('format')!r} export; this version imports "
            f"{EXPORT_FORMAT!r}.",
        )
    listed: dict[str, str] = manifest.get("sha256", {})
    present = {
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    damaged = sorted(
        name
        for name in set(listed) | present
        if name not in listed or name not in present or sha256_of(directory / name) != listed[name]
    )
    if damaged:
        raise InvalidInput(
            "export_damaged",
            f"{len(damaged)} file(s) of the export differ from its manifest "
            f"(first: {damaged[0]}); nothing was imported.",
        )
    return manifest


def _load(directory: Path, name: str) -> Any:
    return json.loads((directory / name).read_text())


def typed(item: dict[str, Any]) -> dict[str, Any]:
    """An exported (plain JSON) item as DynamoDB attribute values, exactly as it was stored:
    nulls kept (file records store cleared fields as null), floats as exact decimals."""
    return {k: serialize(_decimals(v)) for k, v in item.items()}


def _decimals(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decimals(v) for v in value]
    return value


def remap_ids(value: Any, ids: dict[str, str]) -> Any:
    """`value` with every old user id replaced by the new one: whole strings, and segments of
    keys such as "acme#USER#<id>". User ids are UUIDs, so no other text matches."""
    if isinstance(value, str):
        if value in ids:
            return ids[value]
        if KEY_DELIMITER in value:
            return KEY_DELIMITER.join(ids.get(p, p) for p in value.split(KEY_DELIMITER))
        return value
    if isinstance(value, dict):
        return {k: remap_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [remap_ids(v, ids) for v in value]
    return value


class TenantImport:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.data = TenantData(target)
        self.dynamodb = target.client("dynamodb")

    def run(self, directory: Path, progress: Progress = lambda _: None) -> ImportReport:
        manifest = read_manifest(directory)
        slug = validate_slug(str(manifest["tenantId"]))
        footprint = self.data.footprint(slug)
        if not footprint.empty:
            raise Conflict(
                "tenant_not_empty",
                f"Tenant '{slug}' already exists here ({footprint}); import restores into an "
                f"empty tenant only: `engageiq tenants delete {slug} --purge` first, or import "
                "on another platform.",
            )
        report = ImportReport(slug)

        progress("creating the tenant")
        record = _load(directory, "tenant.json")
        # The SSO connection is not exported (Cognito alone keeps its secret): requiring it
        # would lock every restored user out until `engageiq tenants sso set` (decision 0120).
        record["requireSso"] = False
        self.dynamodb.put_item(
            TableName=self.target.tables["tenants"],
            Item=typed(record),
            ConditionExpression="attribute_not_exists(pk)",
        )
        users = self.data.users
        for role in Role:
            users.ensure_group(group_name(slug, role))

        progress("inviting users")
        ids: dict[str, str] = {}
        for user in _load(directory, "users.json"):
            role = Role.TENANT_ADMIN if Role.TENANT_ADMIN.value in user["roles"] else Role.MEMBER
            invitation = users.invite(slug, user["email"], role)
            if invitation.temporary_password:
                report.temporary_passwords[invitation.email] = invitation.temporary_password
            created = users.cognito.admin_get_user(UserPoolId=users.pool, Username=user["email"])
            new_id = next(a["Value"] for a in created["UserAttributes"] if a["Name"] == "sub")
            ids[user["userId"]] = new_id
            if not user.get("enabled", True):
                users.cognito.admin_disable_user(UserPoolId=users.pool, Username=user["email"])
            report.users += 1

        progress("uploading documents")
        versions = self._upload(slug, directory, report)

        for table in TABLES:
            path = directory / "data" / f"{table.logical_name}.json"
            # An audit log is never imported (decision 0118): a chain belongs to one tenant id.
            if not table.tenant_scoped or table.survives_purge or not path.is_file():
                continue
            progress(f"restoring {table.logical_name}")
            items = [remap_ids(item, ids) for item in json.loads(path.read_text())]
            for item in items:
                key = item.get("objectKey")
                if item.get("objectVersion") and key in versions:
                    item["objectVersion"] = versions[key]
            self._put_all(self.target.tables[table.logical_name], items)
            report.items[table.logical_name] = len(items)
        return report

    def _upload(self, slug: str, directory: Path, report: ImportReport) -> dict[str, str]:
        """Put every document and object back under its key; returns {key: new version id}."""
        s3, bucket, prefix = self.data.s3, self.data.bucket, tenant_object_prefix(slug)
        versions: dict[str, str] = {}

        def put(key: str, path: Path) -> None:
            if not key.startswith(prefix):
                raise InvalidInput("export_damaged", f"{key} is not under {prefix}.")
            with path.open("rb") as body:
                answer = s3.put_object(Bucket=bucket, Key=key, Body=body)
            if answer.get("VersionId"):
                versions[key] = answer["VersionId"]

        for record in _load(directory, "documents.json"):
            put(record["objectKey"], directory / record["document"])
            report.documents += 1
        objects = directory / "objects"
        if objects.is_dir():
            for path in sorted(p for p in objects.rglob("*") if p.is_file()):
                put(prefix + path.relative_to(objects).as_posix(), path)
                report.objects += 1
        return versions

    def _put_all(self, table: str, items: list[dict[str, Any]]) -> None:
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": typed(i)}} for i in items[start : start + 25]]
            pending: dict[str, Any] = {table: requests}
            while pending:
                answer = self.dynamodb.batch_write_item(RequestItems=pending)
                pending = answer.get("UnprocessedItems") or {}
