"""`TenantExport`: everything a tenant owns, written to a folder a person can read and
`engageiq tenants import` can restore (on the same platform or another).

<dir>/manifest.json                 format, tenant, time, counts, and the SHA-256 of every file
<dir>/tenant.json                   the tenant record
<dir>/users.json                    users: id, email, roles, status, enabled
<dir>/conversations/<email>.json    each user's conversations with their messages, oldest first
<dir>/documents/<original name>     each uploaded document under the name it was uploaded with
<dir>/documents.json                the file records, each with the path of its document and
                                    the names of its collections
<dir>/data/<table>.json             every item under the tenant's keys, as plain JSON (for import)
<dir>/objects/<key>                 the tenant's other objects (chunks, search index), by key

Decision: docs/decisions/0064-tenant-export-and-import.md."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

from engageiq.provisioning.footprint import TenantData, tenant_object_prefix
from engageiq.provisioning.targets import Target
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.governance import COLLECTION_TAG
from engageiq_tenancy.items import from_item
from engageiq_tenancy.resources import TABLES, USER_POOL
from engageiq_tenancy.tenant_ids import KEY_DELIMITER

Progress = Callable[[str], None]
EXPORT_FORMAT: Final = "engageiq-tenant-export/2"
MANIFEST: Final = "manifest.json"
USER_ENTITY: Final = "USER"  # conversations live under pk = "<tenant>#USER#<user id>"


@dataclass
class ExportReport:
    tenant_id: str
    directory: str
    users: int = 0
    conversations: int = 0
    messages: int = 0
    documents: int = 0
    document_bytes: int = 0
    objects: int = 0
    collections: int = 0
    items: dict[str, int] = field(default_factory=dict)

    def counts(self) -> dict[str, Any]:
        return {
            "users": self.users,
            "conversations": self.conversations,
            "messages": self.messages,
            "documents": self.documents,
            "documentBytes": self.document_bytes,
            "objects": self.objects,
            "collections": self.collections,
            "items": dict(self.items),
        }

    def summary(self) -> str:
        items = ", ".join(f"{count} {table}" for table, count in self.items.items())
        return (
            f"Exported tenant {self.tenant_id} to {self.directory}:\n"
            f"  users:          {self.users}\n"
            f"  conversations:  {self.conversations} ({self.messages} messages)\n"
            f"  documents:      {self.documents} ({self.document_bytes:,} bytes)\n"
            f"  other objects:  {self.objects} (chunks and search index)\n"
            f"  collections:    {self.collections}\n"
            f"  items:          {items}\n"
            f"  manifest:       {Path(self.directory) / MANIFEST} (counts, SHA-256 of each file)"
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for block in iter(lambda: source.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def safe_file_name(name: str, taken: set[str]) -> str:
    """The uploaded name as a plain file name (no folders, no hidden or empty names), made
    unique in the folder with " (2)", " (3)"... before the extension."""
    base = PurePosixPath(name.replace("\\", "/")).name.strip() or "document"
    if base.startswith("."):
        base = "_" + base
    stem, dot, suffix = base.rpartition(".")
    stem, suffix = (stem, f".{suffix}") if dot and stem else (base, "")
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}){suffix}"
    taken.add(candidate.lower())
    return candidate


def collection_names(files: list[dict[str, Any]]) -> dict[str, str]:
    """{collection id: name} of the collections among the files table's items (decision
    0111: `sk = COLLECTION#<id>` in the tenant's files partition; the name locks beside them,
    `COLLECTIONNAME#...`, are not collections)."""
    tag = f"{COLLECTION_TAG}{KEY_DELIMITER}"
    return {
        str(item["id"]): str(item.get("name", ""))
        for item in files
        if str(item.get("sk", "")).startswith(tag) and item.get("id")
    }


def readable_record(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A file record as documents.json shows it: without keys, plus `collections`, the names
    of the collections it belongs to (an id whose collection was deleted is left out: it
    restricts nothing)."""
    ids = item.get("collectionIds") or []
    return {**_plain(item), "collections": [names[i] for i in ids if i in names]}


def user_id_of_partition(pk: str) -> str | None:
    parts = pk.split(KEY_DELIMITER)
    return parts[2] if len(parts) == 3 and parts[1] == USER_ENTITY else None


class TenantExport:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.data = TenantData(target)
        self.tenants = TenantProvisioner(target)

    def run(self, slug: str, directory: Path, progress: Progress = lambda _: None) -> ExportReport:
        self.tenants.get(slug)  # NotFound for an unknown tenant, before anything is written
        directory.mkdir(parents=True, exist_ok=True)
        report = ExportReport(slug, str(directory))
        write_json(directory / "tenant.json", self.tenants.raw(slug))

        progress("exporting users")
        users = self._users(slug)
        write_json(directory / "users.json", users)
        report.users = len(users)

        items: dict[str, list[dict[str, Any]]] = {}
        for table in TABLES:
            # The audit log is the platform's record of the tenant, chained to its tenant id:
            # not copied to another (decision 0118).
            if not table.tenant_scoped or table.survives_purge:
                continue
            progress(f"exporting {table.logical_name}")
            found = [from_item(item) for item in self.data.items(slug, table.logical_name)]
            items[table.logical_name] = sorted(found, key=lambda i: (i["pk"], i["sk"]))
            write_json(directory / "data" / f"{table.logical_name}.json", items[table.logical_name])
            report.items[table.logical_name] = len(found)

        progress("exporting conversations")
        self._conversations(directory, items.get("conversations", []), users, report)
        progress("exporting documents")
        files = items.get("files", [])
        names = collection_names(files)
        report.collections = len(names)
        document_keys = self._documents(slug, directory, files, names, report)
        progress("exporting the search index")
        self._objects(slug, directory, document_keys, report)

        write_json(
            directory / MANIFEST,
            {
                "format": EXPORT_FORMAT,
                "tenantId": slug,
                "exportedAt": datetime.now(UTC).isoformat(timespec="seconds"),
                "source": {"env": self.target.env, "region": self.target.region},
                "counts": report.counts(),
                "sha256": {
                    path.relative_to(directory).as_posix(): sha256_of(path)
                    for path in sorted(directory.rglob("*"))
                    if path.is_file() and path.name != MANIFEST
                },
            },
        )
        return report

    def _users(self, slug: str) -> list[dict[str, Any]]:
        described = {user.email: user for user in self.data.users.members(slug)}
        users = []
        for raw in self.data.users.users_of(slug):
            attributes = {a["Name"]: a["Value"] for a in raw.get("Attributes", [])}
            email = attributes.get("email", raw["Username"])
            user = described.get(email)
            users.append(
                {
                    "userId": attributes.get("sub", raw["Username"]),
                    "email": email,
                    "roles": list(user.roles) if user else [],
                    "status": raw.get("UserStatus", ""),
                    "enabled": raw.get("Enabled", True),
                    "tenantId": attributes.get(USER_POOL.tenant_claim),
                }
            )
        return sorted(users, key=lambda u: str(u["email"]))

    def _conversations(
        self,
        directory: Path,
        items: list[dict[str, Any]],
        users: list[dict[str, Any]],
        report: ExportReport,
    ) -> None:
        email_of = {u["userId"]: u["email"] for u in users}
        by_user: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in items:
            user_id = user_id_of_partition(item["pk"])
            if user_id is not None:
                by_user[user_id].append(item)
        taken: set[str] = set()
        for user_id, user_items in sorted(by_user.items()):
            conversations = []
            for item in user_items:
                if not item["sk"].startswith("CONV#"):
                    continue
                conversation_id = item["sk"].removeprefix("CONV#")
                prefix = f"MSG#{conversation_id}#"
                messages = [_plain(m) for m in user_items if m["sk"].startswith(prefix)]
                conversations.append({**_plain(item), "messages": messages})
                report.conversations += 1
                report.messages += len(messages)
            email = email_of.get(user_id)
            # A user removed since keeps their conversations, under their id.
            name = safe_file_name(f"{email or 'removed-user-' + user_id}.json", taken)
            write_json(
                directory / "conversations" / name,
                {"userId": user_id, "email": email, "conversations": conversations},
            )

    def _documents(
        self,
        slug: str,
        directory: Path,
        files: list[dict[str, Any]],
        names: dict[str, str],
        report: ExportReport,
    ) -> set[str]:
        """Each file's bytes under its uploaded name; returns the object keys written."""
        taken: set[str] = set()
        records, keys = [], set()
        for item in files:
            key = item.get("objectKey")
            if not key or not item.get("name") or item.get("awaitingUpload"):
                continue  # the index pointer, or a direct upload that never arrived
            if item.get("retiring"):
                continue  # a delete the reaper finishes (decision 0092)
            name = safe_file_name(str(item["name"]), taken)
            path = directory / "documents" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            extra = {"VersionId": item["objectVersion"]} if item.get("objectVersion") else {}
            body = self.data.s3.get_object(Bucket=self.data.bucket, Key=key, **extra)["Body"]
            with path.open("wb") as out:
                shutil.copyfileobj(body, out, 1 << 20)
            keys.add(str(key))
            records.append({**readable_record(item, names), "document": f"documents/{name}"})
            report.documents += 1
            report.document_bytes += path.stat().st_size
        write_json(directory / "documents.json", records)
        return keys

    def _objects(
        self, slug: str, directory: Path, document_keys: set[str], report: ExportReport
    ) -> None:
        prefix = tenant_object_prefix(slug)
        root = (directory / "objects").resolve()
        paginator = self.data.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.data.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                if entry["Key"] in document_keys:
                    continue
                destination = (root / entry["Key"].removeprefix(prefix)).resolve()
                # Keys are built from validated ids, but never write outside the export folder.
                if not destination.is_relative_to(root):
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                self.data.s3.download_file(self.data.bucket, entry["Key"], str(destination))
                report.objects += 1


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("pk", "sk", "gsi1pk", "gsi1sk")}
