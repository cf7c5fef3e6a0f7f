"""`TenantExport`: everything a tenant owns, written to a folder.

<dir>/tenant.json           the tenant record
<dir>/users.json            users and roles
<dir>/<table>.json          every item under the tenant's keys (conversations, messages,
                            file metadata, usage), as plain JSON
<dir>/files/<key>           the current version of every object under its S3 prefix"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from engageiq.provisioning.footprint import TenantData, tenant_object_prefix
from engageiq.provisioning.targets import Target
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.items import from_item
from engageiq_tenancy.resources import TABLES

Progress = Callable[[str], None]


@dataclass
class ExportReport:
    tenant_id: str
    directory: str
    items: dict[str, int] = field(default_factory=dict)
    files: int = 0
    bytes: int = 0
    users: int = 0


class TenantExport:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.data = TenantData(target)
        self.tenants = TenantProvisioner(target)

    def run(self, slug: str, directory: Path, progress: Progress = lambda _: None) -> ExportReport:
        raw_record = self.tenants.raw(slug)
        self.tenants.get(slug)  # NotFound for an unknown tenant, before anything is written
        directory.mkdir(parents=True, exist_ok=True)
        report = ExportReport(slug, str(directory))
        _write_json(directory / "tenant.json", raw_record)

        progress("exporting users")
        users = [dataclasses.asdict(u) for u in self.data.users.members(slug)]
        _write_json(directory / "users.json", users)
        report.users = len(users)

        for table in TABLES:
            if not table.tenant_scoped:
                continue
            progress(f"exporting {table.logical_name}")
            items = [from_item(item) for item in self.data.items(slug, table.logical_name)]
            _write_json(directory / f"{table.logical_name}.json", items)
            report.items[table.logical_name] = len(items)

        progress("exporting files")
        prefix = tenant_object_prefix(slug)
        paginator = self.data.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.data.bucket, Prefix=prefix):
            for entry in page.get("Contents", []):
                relative = entry["Key"].removeprefix(prefix)
                destination = (directory / "files" / relative).resolve()
                # Keys are built from validated ids, but never write outside the export folder.
                if not destination.is_relative_to((directory / "files").resolve()):
                    continue
                destination.parent.mkdir(parents=True, exist_ok=True)
                self.data.s3.download_file(self.data.bucket, entry["Key"], str(destination))
                report.files += 1
                report.bytes += int(entry["Size"])
        return report


def _write_json(path: Path, value: object) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")
