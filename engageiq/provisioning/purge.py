"""`TenantPurge`: offboarding that removes everything of a tenant and proves it.

Order matters, and every step is idempotent, so an interrupted purge is finished by running it
again:
1. the record is marked `deleting` (every API refuses the tenant from then on);
2. Cognito users, then groups (nobody can sign in or hold a role), then the tenant's identity
   provider, its mapping and domain claims (decision 0120);
3. S3: multipart uploads aborted, every object version and delete marker removed;
4. DynamoDB: every item whose partition key starts with "<tenant>#", in every tenant table
   but the audit log, which outlives the tenant (decision 0118);
5. the record itself, so a resumed purge still finds the tenant marked `deleting`;
6. a final `tenant.purged` entry in the audit log, with the operator named. A purge
   interrupted before it is finished by running it again: a tenant with nothing left but a
   log whose newest entry is not `tenant.purged` is a purge still to be recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from botocore.exceptions import ClientError

from engageiq.provisioning.audit_log import OperatorAudit
from engageiq.provisioning.footprint import Footprint, TenantData
from engageiq.provisioning.targets import Target
from engageiq_tenancy.audit import AuditAction, AuditTarget
from engageiq_tenancy.items import to_item
from engageiq_tenancy.operation_errors import NotFound
from engageiq_tenancy.resources import TABLES
from engageiq_tenancy.tenant_ids import validate_tenant_id
from engageiq_tenancy.tenants import TenantStatus, operator_record_key

Progress = Callable[[str], None]


@dataclass
class PurgeReport:
    tenant_id: str
    users: int = 0
    groups: int = 0
    multipart_uploads: int = 0
    object_versions: int = 0
    items: dict[str, int] = field(default_factory=dict)
    record: bool = False
    sso: bool = False
    """An SSO connection (or a leftover provider) was removed."""
    remaining: Footprint | None = None
    audit_seq: int | None = None
    """The seq of the `tenant.purged` entry in the tenant's audit log, which remains."""


class TenantPurge:
    def __init__(self, target: Target, audit: OperatorAudit | None = None) -> None:
        self.data = TenantData(target)
        self.target = target
        self.audit = audit or OperatorAudit(target)

    def run(self, slug: str, progress: Progress = lambda _: None) -> PurgeReport:
        validate_tenant_id(slug)
        report = PurgeReport(slug)
        if (
            not self.data.record_exists(slug)
            and self.data.footprint(slug).empty
            and self._purge_recorded(slug)
        ):
            raise NotFound("unknown_tenant", f"There is no tenant '{slug}'.")
        progress("marking the tenant as deleting")
        self._mark_deleting(slug)
        progress("removing users")
        for user in list(self.data.users.users_of(slug)):
            self.data.users.cognito.admin_delete_user(
                UserPoolId=self.target.user_pool_id, Username=user["Username"]
            )
            report.users += 1
        progress("removing groups")
        for group in self.data.users.groups_of(slug):
            self.data.users.cognito.delete_group(
                UserPoolId=self.target.user_pool_id, GroupName=group
            )
            report.groups += 1
        progress("removing single sign-on")
        report.sso = self._remove_sso(slug)
        progress("removing files")
        self._purge_objects(slug, report)
        for table in TABLES:
            if table.tenant_scoped and not table.survives_purge:
                progress(f"removing {table.logical_name} items")
                report.items[table.logical_name] = self._purge_items(slug, table.logical_name)
        progress("removing the tenant record")
        self.data.dynamodb.delete_item(
            TableName=self.target.tables["tenants"], Key=to_item(operator_record_key(slug))
        )
        report.record = True
        progress("verifying that nothing remains")
        report.remaining = self.data.footprint(slug)
        progress("recording the purge in the audit log")
        entry = self.audit.record(
            slug,
            AuditAction.TENANT_PURGED,
            AuditTarget("tenant", slug),
            detail={
                "users": report.users,
                "objectVersions": report.object_versions,
                "items": sum(report.items.values()),
                "nothingRemains": report.remaining.empty,
            },
        )
        report.audit_seq = int(entry["seq"])
        return report

    def _remove_sso(self, slug: str) -> bool:
        from engageiq.provisioning.sso_commands import connections

        try:
            connections(self.target).disconnect(slug)
        except NotFound:
            return False
        return True

    def _purge_recorded(self, slug: str) -> bool:
        """True when the newest entry of the log is `tenant.purged`, or there is no log (a
        tenant that never existed): nothing is left to do."""
        newest = self.audit.trail.page(slug, limit=1).entries
        return not newest or newest[0].get("action") == AuditAction.TENANT_PURGED.value

    def _mark_deleting(self, slug: str) -> None:
        try:
            self.data.dynamodb.update_item(
                TableName=self.target.tables["tenants"],
                Key=to_item(operator_record_key(slug)),
                UpdateExpression="SET #s = :deleting",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":deleting": TenantStatus.DELETING.value}),
            )
        except ClientError as exc:
            # A resumed purge may already have removed the record (step 5 ran, verify did not).
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _purge_objects(self, slug: str, report: PurgeReport) -> None:
        s3 = self.data.s3
        for upload in list(self.data.multipart_uploads(slug)):
            s3.abort_multipart_upload(Bucket=self.data.bucket, **upload)
            report.multipart_uploads += 1
        batch: list[dict[str, str]] = []
        for version in self.data.object_versions(slug):
            batch.append(version)
            if len(batch) == 1000:  # DeleteObjects takes at most 1,000 keys
                report.object_versions += self._delete_versions(batch)
                batch = []
        if batch:
            report.object_versions += self._delete_versions(batch)

    def _delete_versions(self, batch: list[dict[str, str]]) -> int:
        answer = self.data.s3.delete_objects(
            Bucket=self.data.bucket, Delete={"Objects": batch, "Quiet": True}
        )
        if answer.get("Errors"):
            first = answer["Errors"][0]
            raise RuntimeError(f"S3 refused to delete {first['Key']}: {first['Message']}")
        return len(batch)

    def _purge_items(self, slug: str, table_logical: str) -> int:
        name = self.target.tables[table_logical]
        keys = list(self.data.items(slug, table_logical, keys_only=True))
        for start in range(0, len(keys), 25):  # BatchWriteItem takes at most 25 requests
            requests = {name: [{"DeleteRequest": {"Key": k}} for k in keys[start : start + 25]]}
            while requests:
                answer = self.data.dynamodb.batch_write_item(RequestItems=requests)
                requests = answer.get("UnprocessedItems") or {}
        return len(keys)
