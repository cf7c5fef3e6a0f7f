"""`TenantProvisioner`: create, list, show, update, suspend and resume tenants."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import msgspec
from botocore.exceptions import ClientError

from engageiq.provisioning.audit_log import refuse_retained_slug
from engageiq.provisioning.targets import Target
from engageiq_tenancy.context import Role, group_name
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.operation_errors import Conflict, InvalidInput, NotFound
from engageiq_tenancy.tenant_ids import is_valid_tenant_id
from engageiq_tenancy.tenant_users import UserDirectory
from engageiq_tenancy.tenants import (
    DEFAULT_MONTHLY_TOKEN_BUDGET,
    Branding,
    InvalidBranding,
    TenantRecord,
    TenantStatus,
    clean_name,
    operator_record_key,
    record_from_item,
    record_to_item,
    validate_branding,
)

# Slugs that would collide with our own hosts or paths once tenants get subdomains.
RESERVED_SLUGS: Final = frozenset(
    {
        "admin",
        "api",
        "app",
        "assets",
        "auth",
        "billing",
        "cdn",
        "docs",
        "engageiq",
        "help",
        "internal",
        "login",
        "mail",
        "root",
        "signup",
        "static",
        "status",
        "support",
        "system",
        "www",
    }
)
PLANS: Final = ("trial", "standard", "enterprise")


def well_formed_slug(slug: str) -> str:
    """`slug` if it can name a tenant at all, else InvalidInput `invalid_slug` (exit 2): what
    every command checks before a slug becomes part of a key (`engageiq tenants show 'A B'`
    is refused like `create`, never a traceback)."""
    if not is_valid_tenant_id(slug):
        raise InvalidInput(
            "invalid_slug",
            f"'{slug}' is not a valid tenant slug: use 3-32 lowercase letters, digits and single "
            "hyphens, starting with a letter.",
        )
    return slug


def validate_slug(slug: str) -> str:
    """A slug for a new tenant: well formed and not reserved."""
    well_formed_slug(slug)
    if slug in RESERVED_SLUGS:
        raise InvalidInput("reserved_slug", f"'{slug}' is reserved; choose another slug.")
    return slug


def validate_plan(plan: str) -> str:
    if plan not in PLANS:
        raise InvalidInput("invalid_plan", f"Plan must be one of {', '.join(PLANS)}.")
    return plan


def _tenant_name(raw: str) -> str:
    """The tenant's name, cleaned like every name people see; 1-80 visible characters."""
    try:
        return clean_name(raw, "invalid_name", "tenant name")
    except InvalidBranding as exc:
        raise InvalidInput(exc.code, exc.message) from None


@dataclass(frozen=True, slots=True)
class TenantOptions:
    """What an operator may set on a tenant; None: not given. `validate_options` checks every
    field the same way for `tenants create` and `tenants update`."""

    name: str | None = None
    plan: str | None = None
    monthly_token_budget: int | None = None
    display_name: str | None = None
    primary_color: str | None = None
    logo_url: str | None = None


def validate_options(options: TenantOptions) -> TenantOptions:
    """The one place tenant options are checked; returns them normalised (names stripped).
    Raises InvalidInput with a stable code."""
    name = _tenant_name(options.name) if options.name is not None else None
    if options.plan is not None:
        validate_plan(options.plan)
    if options.monthly_token_budget is not None and options.monthly_token_budget < 0:
        raise InvalidInput(
            "invalid_budget", "The monthly token budget must be 0 or more (0: no chat)."
        )
    try:
        validate_branding(options.display_name, options.primary_color, options.logo_url)
    except InvalidBranding as exc:
        raise InvalidInput(exc.code, exc.message) from None
    return TenantOptions(
        name,
        options.plan,
        options.monthly_token_budget,
        clean_name(options.display_name) if options.display_name is not None else None,
        options.primary_color,
        options.logo_url,
    )


@dataclass(frozen=True, slots=True)
class CreatedTenant:
    record: TenantRecord
    created: bool
    """False when the same request had already been applied (the run changed nothing, or only
    completed an interrupted earlier run)."""
    admin_email: str
    admin_temporary_password: str | None
    """Local only; in the cloud Cognito emails an invitation instead."""


class TenantProvisioner:
    def __init__(self, target: Target) -> None:
        self.target = target
        self.dynamodb = target.client("dynamodb")
        self.users = UserDirectory(target)

    @property
    def _table(self) -> str:
        return self.target.tables["tenants"]

    def create(
        self,
        slug: str,
        name: str,
        admin_email: str,
        plan: str = "standard",
        monthly_token_budget: int = DEFAULT_MONTHLY_TOKEN_BUDGET,
    ) -> CreatedTenant:
        """Create the tenant, its groups and its first admin.

        Idempotent for an identical request only: re-running the same command completes an
        interrupted run and changes nothing else; the same slug with any other name, plan,
        budget or admin raises Conflict("duplicate_slug") naming the difference."""
        validate_slug(slug)
        options = validate_options(
            TenantOptions(name=name, plan=plan, monthly_token_budget=monthly_token_budget)
        )
        assert options.name is not None
        admin_email = self.users.validate_email(admin_email)
        record = TenantRecord(
            tenant_id=slug,
            name=options.name,
            plan=plan,
            monthly_token_budget=monthly_token_budget,
            branding=Branding(display_name=options.name),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        created = True
        if not self._exists(slug):
            refuse_retained_slug(self.target, slug)
        try:
            # Conditional: of two runs at once, exactly one creates the record.
            self.dynamodb.put_item(
                TableName=self._table,
                Item=to_item(record_to_item(record)),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            existing = self.get(slug)
            self._refuse_a_different_request(existing, record, admin_email)
            record, created = existing, False
        # Groups and the admin are ensured on every run, so a re-run completes an interrupted one.
        for role in Role:
            self.users.ensure_group(group_name(slug, role))
        invited = self.users.invite(slug, admin_email, Role.TENANT_ADMIN, exist_ok=True)
        return CreatedTenant(record, created, admin_email, invited.temporary_password)

    def _refuse_a_different_request(
        self, existing: TenantRecord, requested: TenantRecord, admin_email: str
    ) -> None:
        slug = existing.tenant_id
        differences = [
            f"{label} is {have!r}, not {want!r}"
            for label, have, want in (
                ("name", existing.name, requested.name),
                ("plan", existing.plan, requested.plan),
                ("budget", existing.monthly_token_budget, requested.monthly_token_budget),
                ("status", str(existing.status), str(TenantStatus.ACTIVE)),
            )
            if have != want
        ]
        admins = [
            member.email
            for member in self.users.members(slug)
            if Role.TENANT_ADMIN.value in member.roles
        ]
        # No admin yet: an earlier run stopped before inviting one; this run completes it.
        if admins and admin_email not in admins:
            differences.append(f"its admin is {', '.join(admins)}, not {admin_email}")
        if differences:
            raise Conflict(
                "duplicate_slug",
                f"Tenant '{slug}' already exists and differs from this request: "
                + "; ".join(differences)
                + ". Use `engageiq tenants update` or `engageiq users invite` to change it.",
            )

    def _exists(self, slug: str) -> bool:
        answer = self.dynamodb.get_item(
            TableName=self._table, Key=to_item(operator_record_key(slug)), ConsistentRead=True
        )
        return "Item" in answer

    def get(self, slug: str) -> TenantRecord:
        answer = self.dynamodb.get_item(
            TableName=self._table, Key=to_item(operator_record_key(slug)), ConsistentRead=True
        )
        if "Item" not in answer:
            raise NotFound("unknown_tenant", f"There is no tenant '{slug}'.")
        return record_from_item(from_item(answer["Item"]))

    def raw(self, slug: str) -> dict[str, Any]:
        answer = self.dynamodb.get_item(
            TableName=self._table, Key=to_item(operator_record_key(slug)), ConsistentRead=True
        )
        return from_item(answer.get("Item", {}))

    def all(self) -> list[TenantRecord]:
        # The tenants table is the control plane: small, and listing it is an operator action.
        records: list[TenantRecord] = []
        paginator = self.dynamodb.get_paginator("scan")
        for page in paginator.paginate(TableName=self._table):
            # Only the records: the table also holds other control-plane items (the retention
            # sweep's lease and its list of tenants with a policy, decision 0122).
            plain = [from_item(item) for item in page["Items"]]
            records += [
                record_from_item(item)
                for item in plain
                if item["sk"] == "PROFILE" and str(item["pk"]).startswith("TENANT#")
            ]
        return sorted(records, key=lambda r: r.tenant_id)

    def update(
        self,
        slug: str,
        *,
        name: str | None = None,
        plan: str | None = None,
        monthly_token_budget: int | None = None,
        display_name: str | None = None,
        primary_color: str | None = None,
        logo_url: str | None = None,
    ) -> TenantRecord:
        options = validate_options(
            TenantOptions(name, plan, monthly_token_budget, display_name, primary_color, logo_url)
        )
        record = self.get(slug)
        name, display_name = options.name, options.display_name
        branding = msgspec.structs.replace(
            record.branding,
            **{
                k: v
                for k, v in {
                    "display_name": display_name,
                    "primary_color": primary_color,
                    "logo_url": logo_url,
                }.items()
                if v is not None
            },
        )
        changes: dict[str, Any] = {"branding": branding}
        if name is not None:
            changes["name"] = name
        if plan is not None:
            changes["plan"] = plan
        if monthly_token_budget is not None:
            changes["monthly_token_budget"] = monthly_token_budget
        updated = msgspec.structs.replace(record, **changes)
        item = record_to_item(updated)
        fields = ("name", "plan", "monthlyTokenBudget", "branding")
        self.dynamodb.update_item(
            TableName=self._table,
            Key=to_item(operator_record_key(slug)),
            UpdateExpression="SET " + ", ".join(f"#{f} = :{f}" for f in fields),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={f"#{f}": f for f in fields},
            ExpressionAttributeValues=to_item({f":{f}": item[f] for f in fields}),
        )
        return updated

    def set_status(self, slug: str, status: TenantStatus) -> TenantRecord:
        """Suspend or resume; never touches a tenant that is being deleted."""
        try:
            self.dynamodb.update_item(
                TableName=self._table,
                Key=to_item(operator_record_key(slug)),
                UpdateExpression="SET #s = :s",
                ConditionExpression="attribute_exists(pk) AND #s <> :deleting",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item(
                    {":s": status.value, ":deleting": TenantStatus.DELETING.value}
                ),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
            existing = self.get(slug)  # raises NotFound for an unknown slug
            raise Conflict(
                "tenant_being_deleted", f"Tenant '{slug}' is {existing.status}; it cannot change."
            ) from None
        return self.get(slug)
