"""`engageiq tenants ...` and `engageiq users ...`: thin click wrappers over the provisioning
classes. Exit codes: 0 done (a declined confirmation included), 1 failed, 2 invalid input or
usage, 3 not found, 4 conflict. Every error is `error (code): message` on stderr, or with
--json `{"error": {"code", "message"}}` on stdout - usage errors included, never a traceback."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import msgspec
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from engageiq.local.paths import STATE_DIR_ENV
from engageiq.provisioning.targets import Target, load_target
from engageiq_tenancy.audit import AuditUnavailable
from engageiq_tenancy.context import Role
from engageiq_tenancy.operation_errors import EXIT_FAILED, EXIT_INVALID, ProvisioningError
from engageiq_tenancy.tenants import STATUS_CACHE_SECONDS, TenantRecord, TenantStatus

P = ParamSpec("P")
R = TypeVar("R")
# soft_wrap: a message is one line however narrow the terminal, and is never cut mid-sentence
# when piped (rich assumes 80 columns then).
err = Console(stderr=True, soft_wrap=True)
_STATE_DIR_KEY = "engageiq.state_dir"


def _out() -> Console:
    """stdout; when piped, tables keep their natural width instead of wrapping at 80."""
    return Console(soft_wrap=True, width=None if sys.stdout.isatty() else 10_000)


@dataclasses.dataclass
class Options:
    env: str
    outputs: Path | None
    as_json: bool
    state_dir: Path | None = None

    def target(self) -> Target:
        return load_target(self.env, self.outputs, self.state_dir)


def report_failure(code: str, message: str, exit_code: int, as_json: bool) -> None:
    """Print a refusal the way every operator command does (docs/operators.md: one line
    `error (code): message` on stderr, or `{"error": {...}}` with `--json`) and exit."""
    if as_json:
        click.echo(json.dumps({"error": {"code": code, "message": message}}))
    else:
        # Escaped: a message quoting "[...]" (a path, a value) is text, not rich markup.
        err.print(f"[red]error[/red] ({code}): {escape(message)}", highlight=False)
    sys.exit(exit_code)


class OperatorGroup(click.Group):
    """Usage errors (unknown option, missing argument, bad choice) in the same shape as every
    other error, so a script that passes --json always gets JSON."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta["engageiq.words"] = list(args)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            if "--json" not in ctx.meta.get("engageiq.words", []):
                raise
            report_failure("invalid_usage", exc.format_message(), EXIT_INVALID, as_json=True)


def _aws_failure(exc: Exception) -> tuple[str, str]:
    """botocore's failures as coded messages (no traceback for a platform that is down)."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
    )

    if isinstance(exc, EndpointConnectionError):
        return (
            "platform_unreachable",
            f"Nothing answers at {exc.kwargs.get('endpoint_url', 'the endpoint')}. Is the "
            "platform running (`engageiq dev`), and are these its outputs?",
        )
    if isinstance(exc, NoCredentialsError | NoRegionError):
        return "no_credentials", f"No AWS credentials or region for this target: {exc}"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return "aws_error", f"AWS refused the call: {error.get('Code')}: {error.get('Message')}"
    raise exc


def _common(function: Callable[P, R]) -> Callable[P, R]:
    """--env/--outputs/--json on every command, a malformed SLUG refused (`invalid_slug`,
    exit 2), and provisioning errors as exit codes."""

    @click.option(
        "--env",
        "env",
        default="local",
        show_default=True,
        type=click.Choice(["local", "dev", "staging", "prod"]),
        help="Which platform to act on.",
    )
    @click.option(
        "--outputs",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Stack outputs JSON (`pulumi stack output --json`); default: read them.",
    )
    @click.option(
        "--state-dir",
        type=click.Path(path_type=Path, file_okay=False),
        default=None,
        envvar=STATE_DIR_ENV,
        help=f"--env local: the local platform's state directory [env: {STATE_DIR_ENV}].",
    )
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from engageiq.provisioning.tenants import well_formed_slug

        click.get_current_context().meta[_STATE_DIR_KEY] = kwargs.pop("state_dir", None)
        as_json = bool(kwargs.get("as_json"))
        try:
            # Every SLUG argument is checked before it reaches a key builder, whose refusal
            # (InvalidTenantId) would otherwise be a traceback.
            if "slug" in kwargs:
                well_formed_slug(str(kwargs["slug"]))
            return function(*args, **kwargs)
        except ProvisioningError as exc:
            report_failure(exc.code, exc.message, exc.exit_code, as_json)
        except AuditUnavailable as exc:
            report_failure(exc.code, exc.message, EXIT_FAILED, as_json)
        except Exception as exc:  # botocore failures become coded messages; others re-raise
            code, message = _aws_failure(exc)
            report_failure(code, message, EXIT_FAILED, as_json)
        raise AssertionError("unreachable")

    return wrapper


def _options(env: str, outputs: Path | None, as_json: bool) -> Options:
    state_dir = click.get_current_context().meta.get(_STATE_DIR_KEY)
    return Options(env, outputs, as_json, state_dir)


def _emit(options: Options, value: Any, human: Callable[[], None]) -> None:
    if options.as_json:
        click.echo(json.dumps(value, indent=2, default=str))
    else:
        human()


def _record(record: TenantRecord) -> dict[str, Any]:
    value: dict[str, Any] = msgspec.to_builtins(record)
    return value


def _user(user: Any) -> dict[str, Any]:
    """A TenantUser in the CLI's JSON shape (camelCase, as every other output)."""
    return {
        "email": user.email,
        "tenantId": user.tenant_id,
        "roles": list(user.roles),
        "status": user.status,
        "enabled": user.enabled,
    }


@contextmanager
def _progress(options: Options, title: str) -> Iterator[Callable[[str], None]]:
    if options.as_json:
        yield lambda _: None
        return
    with err.status(title) as status:

        def update(step: str) -> None:
            status.update(f"{title}: {step}")
            err.print(f"  [dim]·[/dim] {step}")

        yield update


@click.group(cls=OperatorGroup)
def tenants() -> None:
    """Onboard, change, suspend, export and offboard tenants."""


@tenants.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The company's name.")
@click.option("--admin-email", required=True, help="The first tenant admin.")
@click.option("--plan", default="standard", show_default=True)
@click.option(
    "--budget",
    "budget",
    type=int,
    default=None,
    help="Monthly token budget [default: the plan default].",
)
@_common
def create(
    slug: str,
    name: str,
    admin_email: str,
    plan: str,
    budget: int | None,
    env: str,
    outputs: Path | None,
    as_json: bool,
) -> None:
    """Create tenant SLUG with its first admin.

    Re-running the identical command is safe (it completes an interrupted run); the same SLUG
    with another name, plan, budget or admin is a conflict (exit 4) naming the difference."""
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.operator_actions import tenant_target
    from engageiq.provisioning.tenants import TenantOptions, TenantProvisioner, validate_options
    from engageiq_tenancy.audit.actions import AuditAction
    from engageiq_tenancy.tenant_users import UserDirectory
    from engageiq_tenancy.tenants import DEFAULT_MONTHLY_TOKEN_BUDGET

    options = _options(env, outputs, as_json)
    target = options.target()
    monthly = budget if budget is not None else DEFAULT_MONTHLY_TOKEN_BUDGET
    # Input checked before anything is recorded (exit 2, no entry).
    validate_options(TenantOptions(name, plan, monthly))
    UserDirectory.validate_email(admin_email)
    detail: dict[str, str | int] = {"plan": plan, "budget": monthly, "admin": admin_email}
    result = TenantProvisioner(target).create(slug, name, admin_email, plan, monthly)
    # After the effect, unlike every other action (decision 0119): a slug with a log is a purged
    # tenant's and is refused (decision 0118), so the log's first entry follows the record. If
    # it cannot be written the command fails, and re-running it (idempotent) records it.
    OperatorAudit(target).record(
        slug,
        AuditAction.TENANT_CREATED,
        tenant_target(slug, name),
        detail={**detail, "created": result.created},
    )
    payload = {
        "tenant": _record(result.record),
        "created": result.created,
        "adminEmail": result.admin_email,
        "adminTemporaryPassword": result.admin_temporary_password,
    }

    def human() -> None:
        verb = "Created" if result.created else "Already created by the same request:"
        click.echo(f"{verb} tenant {slug} ({result.record.name}), plan {result.record.plan}.")
        if result.admin_temporary_password:
            click.echo(
                f"Admin {result.admin_email}, temporary password: "
                f"{result.admin_temporary_password}  (must be changed at first sign-in)"
            )
        elif result.created:
            click.echo(f"Admin {result.admin_email} was sent an invitation email by Cognito.")

    _emit(options, payload, human)


@tenants.command("list")
@_common
def list_tenants(env: str, outputs: Path | None, as_json: bool) -> None:
    """List every tenant: status, plan, users, tokens this month against the budget, and
    the last day with activity."""
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq.provisioning.usage import TenantUsage
    from engageiq_tenancy.usage_keys import current_month

    options = _options(env, outputs, as_json)
    target = options.target()
    records = TenantProvisioner(target).all()
    users = _users_per_tenant(target)
    usage = TenantUsage(target)
    month = current_month()
    rows = []
    for record in records:
        spent = usage.month(record.tenant_id, month)
        rows.append(
            {
                **_record(record),
                "users": users.get(record.tenant_id, 0),
                "usage": {"month": month, **spent.as_json()},
                "lastActivity": usage.last_activity(record.tenant_id),
            }
        )

    def human() -> None:
        table = Table(
            "slug", "name", "status", "plan", "users", f"tokens {month} / budget", "last activity"
        )
        for row in rows:
            budget = row["monthlyTokenBudget"]
            tokens = row["usage"]["tokens"]
            share = f" ({tokens / budget:.0%})" if budget else ""
            table.add_row(
                row["tenantId"],
                row["name"],
                row["status"],
                row["plan"],
                str(row["users"]),
                f"{tokens:,} / {budget:,}{share}",
                row["lastActivity"] or "-",
            )
        _out().print(table)

    _emit(options, rows, human)


def _users_per_tenant(target: Target) -> dict[str, int]:
    """How many users each tenant has: one pass through the user pool (Cognito cannot
    filter on a custom attribute)."""
    from engageiq_tenancy.resources import USER_POOL

    counts: dict[str, int] = {}
    paginator = target.client("cognito-idp").get_paginator("list_users")
    for page in paginator.paginate(UserPoolId=target.user_pool_id):
        for user in page["Users"]:
            tenant = next(
                (
                    a["Value"]
                    for a in user.get("Attributes", [])
                    if a["Name"] == USER_POOL.tenant_claim
                ),
                None,
            )
            if tenant is not None:
                counts[tenant] = counts.get(tenant, 0) + 1
    return counts


@tenants.command("usage")
@click.argument("slug")
@click.option("--month", default=None, help="YYYY-MM [default: this month, UTC].")
@_common
def usage(slug: str, month: str | None, env: str, outputs: Path | None, as_json: bool) -> None:
    """SLUG's chat usage of one month, day by day, against its budget."""
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq.provisioning.usage import TenantUsage, validate_month

    options = _options(env, outputs, as_json)
    month = validate_month(month)
    target = options.target()
    record = TenantProvisioner(target).get(slug)
    reader = TenantUsage(target)
    total = reader.month(slug, month)
    days = reader.days(slug, month)
    payload = {
        "tenantId": slug,
        "month": month,
        "monthlyTokenBudget": record.monthly_token_budget,
        "total": total.as_json(),
        "days": [{"day": day, **counters.as_json()} for day, counters in days],
    }

    def human() -> None:
        budget = record.monthly_token_budget
        share = f" ({total.tokens / budget:.0%} of {budget:,})" if budget else ""
        click.echo(
            f"Tenant {slug}, {month}: {total.requests:,} requests, {total.tokens:,} tokens{share}."
        )
        if not days:
            click.echo("No day-by-day counters for this month.")
            return
        table = Table("day", "requests", "input tokens", "output tokens", "tokens")
        for day, counters in days:
            table.add_row(
                day,
                f"{counters.requests:,}",
                f"{counters.input_tokens:,}",
                f"{counters.output_tokens:,}",
                f"{counters.tokens:,}",
            )
        _out().print(table)

    _emit(options, payload, human)


@tenants.command("content-health")
@click.argument("slug")
@_common
def content_health(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """SLUG's content health: stale files still cited, the most cited unverified files, files
    not cited in 90 days, files with most thumbs-down, and the questions the content could not
    answer (the report tenant admins get from GET /api/tenant/content-health)."""
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq.provisioning.usage import operator_context
    from engageiq_tenancy.content_health import read_content_health

    options = _options(env, outputs, as_json)
    target = options.target()
    TenantProvisioner(target).get(slug)  # unknown tenant -> exit 3
    report = read_content_health(
        target.client("dynamodb"),
        operator_context(slug),
        files_table=target.tables["files"],
        usage_table=target.tables["usage"],
    )
    payload: dict[str, Any] = {"tenantId": slug, **msgspec.to_builtins(report)}

    def section(title: str, rows: list[dict[str, Any]], columns: dict[str, str]) -> None:
        click.echo(f"{title}:")
        if not rows:
            click.echo("  none")
            return
        table = Table(*columns.values())
        for row in rows:
            # Escaped: file names and questions are people's text, not rich markup.
            table.add_row(
                *(f"{row[k]:,}" if isinstance(row[k], int) else escape(row[k]) for k in columns)
            )
        _out().print(table)

    def human() -> None:
        click.echo(f"Content health of {slug}, {payload['generatedAt']}")
        section(
            "Stale files still cited",
            payload["staleCited"],
            {"name": "file", "citations": "citations while stale", "reviewBy": "review by"},
        )
        section(
            "Most cited unverified files",
            payload["unverifiedMostCited"],
            {"name": "file", "citations": "citations"},
        )
        section(
            "Not cited in 90 days", payload["neverCited"], {"name": "file", "createdAt": "uploaded"}
        )
        section(
            "Most thumbs-down",
            payload["mostThumbsDown"],
            {"name": "file", "thumbsDown": "thumbs-down"},
        )
        section(
            "Questions the content could not answer",
            payload["unanswered"],
            {"question": "question", "count": "asked", "lastAskedAt": "last asked"},
        )

    _emit(options, payload, human)


@tenants.command("show")
@click.argument("slug")
@_common
def show(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Show one tenant."""
    from engageiq.provisioning.tenants import TenantProvisioner

    options = _options(env, outputs, as_json)
    record = TenantProvisioner(options.target()).get(slug)

    def human() -> None:
        branding = record.branding
        rows = [
            ("status", record.status),
            ("plan", record.plan),
            ("monthly token budget", f"{record.monthly_token_budget:,}"),
            ("created", record.created_at or "-"),
            ("display name", branding.display_name or "-"),
            ("colour", branding.primary_color),
            ("logo", branding.logo_url or "-"),
        ]
        click.echo(f"Tenant {record.tenant_id} ({record.name})")
        for label, value in rows:
            click.echo(f"  {label + ':':<22}{value}")

    _emit(options, _record(record), human)


@tenants.command("update")
@click.argument("slug")
@click.option("--name", default=None)
@click.option("--plan", default=None)
@click.option("--budget", type=int, default=None, help="Monthly token budget.")
@click.option("--display-name", default=None, help="Branding: name shown in the web app.")
@click.option("--color", default=None, help="Branding: primary colour, e.g. #1f6feb.")
@click.option("--logo-url", default=None, help="Branding: https URL of the logo.")
@_common
def update(
    slug: str,
    name: str | None,
    plan: str | None,
    budget: int | None,
    display_name: str | None,
    color: str | None,
    logo_url: str | None,
    env: str,
    outputs: Path | None,
    as_json: bool,
) -> None:
    """Change a tenant's name, plan, budget or branding."""
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.operator_actions import recorded, tenant_target
    from engageiq.provisioning.tenants import TenantOptions, TenantProvisioner, validate_options
    from engageiq_tenancy.audit.actions import AuditAction

    options = _options(env, outputs, as_json)
    target = options.target()
    provisioner = TenantProvisioner(target)
    # Input and the tenant checked before anything is recorded (exit 2 or 3, no entry).
    validate_options(TenantOptions(name, plan, budget, display_name, color, logo_url))
    provisioner.get(slug)
    settings = {"name": name, "plan": plan, "budget": budget}
    branding = {"display_name": display_name, "primary_color": color, "logo_url": logo_url}
    audit = OperatorAudit(target)
    with ExitStack() as recording:
        # One entry per kind of change asked for, each before the change (decision 0119).
        for action, fields in (
            (AuditAction.TENANT_SETTINGS_CHANGED, settings),
            (AuditAction.TENANT_BRANDING_CHANGED, branding),
        ):
            asked = ",".join(k for k, v in fields.items() if v is not None)
            if asked:
                recording.enter_context(
                    recorded(audit, slug, action, tenant_target(slug), {"fields": asked})
                )
        record = provisioner.update(
            slug,
            name=name,
            plan=plan,
            monthly_token_budget=budget,
            display_name=display_name,
            primary_color=color,
            logo_url=logo_url,
        )
    _emit(options, _record(record), lambda: click.echo(f"Updated tenant {slug}."))


def _set_status(slug: str, status: TenantStatus, options: Options) -> None:
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.operator_actions import recorded, tenant_target
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.audit.actions import AuditAction

    target = options.target()
    provisioner = TenantProvisioner(target)
    provisioner.get(slug)  # unknown tenant -> exit 3 before anything is recorded
    action = (
        AuditAction.TENANT_SUSPENDED
        if status == TenantStatus.SUSPENDED
        else AuditAction.TENANT_RESUMED
    )
    with recorded(OperatorAudit(target), slug, action, tenant_target(slug)):
        record = provisioner.set_status(slug, status)
    # Services reuse a tenant's status for a few seconds (TenantGate), so say when it lands.
    _emit(
        options,
        _record(record),
        lambda: click.echo(
            f"Tenant {slug} is now {record.status}; every service applies it within "
            f"{STATUS_CACHE_SECONDS:.0f} s."
        ),
    )


@tenants.command("suspend")
@click.argument("slug")
@_common
def suspend(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Refuse every API call of SLUG (403 tenant_suspended) until resumed."""
    _set_status(slug, TenantStatus.SUSPENDED, _options(env, outputs, as_json))


@tenants.command("resume")
@click.argument("slug")
@_common
def resume(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Let a suspended tenant back in."""
    _set_status(slug, TenantStatus.ACTIVE, _options(env, outputs, as_json))


@tenants.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@_common
def export(slug: str, directory: Path, env: str, outputs: Path | None, as_json: bool) -> None:
    """Write SLUG's users, conversations (per user), documents (under their original names),
    search index and a manifest with counts and checksums to DIRECTORY."""
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.export import TenantExport
    from engageiq.provisioning.operator_actions import recorded, tenant_target
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.audit.actions import AuditAction

    options = _options(env, outputs, as_json)
    target = options.target()
    # Before the entry: a log of a slug with no tenant would make `tenants create` refuse it
    # as a purged tenant's (`slug_retained`).
    TenantProvisioner(target).get(slug)  # unknown tenant: unknown_tenant, as for every command
    with (
        recorded(
            OperatorAudit(target),
            slug,
            AuditAction.TENANT_EXPORTED,
            tenant_target(slug),
            {"directory": str(directory)},
        ),
        _progress(options, f"Exporting {slug}") as progress,
    ):
        report = TenantExport(target).run(slug, directory, progress)
    _emit(
        options,
        {"tenantId": slug, "directory": str(directory), "counts": report.counts()},
        lambda: click.echo(report.summary()),
    )


@tenants.command("import")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@_common
def import_(directory: Path, env: str, outputs: Path | None, as_json: bool) -> None:
    """Restore an export (DIRECTORY, from `tenants export`) into an empty tenant of the same
    slug, here or on another platform. Users are invited again and choose new passwords."""
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.operator_actions import recorded, tenant_target
    from engageiq.provisioning.restore import TenantImport, read_manifest
    from engageiq.provisioning.tenants import validate_slug
    from engageiq_tenancy.audit.actions import AuditAction

    options = _options(env, outputs, as_json)
    target = options.target()
    # The slug is the export's: read (and its manifest checked) before anything is recorded.
    slug = validate_slug(str(read_manifest(directory)["tenantId"]))
    with (
        recorded(
            OperatorAudit(target),
            slug,
            AuditAction.TENANT_IMPORTED,
            tenant_target(slug),
            {"directory": str(directory)},
        ),
        _progress(options, f"Importing {directory}") as progress,
    ):
        report = TenantImport(target).run(directory, progress)
    _emit(
        options,
        {
            "tenantId": report.tenant_id,
            "users": report.users,
            "documents": report.documents,
            "objects": report.objects,
            "items": report.items,
            "temporaryPasswords": report.temporary_passwords,
        },
        lambda: click.echo(report.summary()),
    )


@tenants.command("delete")
@click.argument("slug")
@click.option(
    "--purge",
    is_flag=True,
    required=True,
    help="Required: remove every item, object, index, user and group of the tenant.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@_common
def delete(
    slug: str, purge: bool, yes: bool, env: str, outputs: Path | None, as_json: bool
) -> None:
    """Offboard SLUG: remove everything it has, and prove nothing remains. Safe to re-run."""
    from engageiq.provisioning.purge import TenantPurge

    options = _options(env, outputs, as_json)
    target = options.target()
    if not yes and not click.confirm(
        f"Permanently delete tenant '{slug}' and all its data on {env}?", err=True
    ):
        # Declining is a normal outcome, not a failure.
        _emit(
            options,
            {"tenantId": slug, "cancelled": True},
            lambda: click.echo(f"Cancelled: nothing of {slug} was deleted."),
        )
        return
    with _progress(options, f"Purging {slug}") as progress:
        report = TenantPurge(target).run(slug, progress)
    remaining = report.remaining
    payload = dataclasses.asdict(report)

    def human() -> None:
        rows = [
            ("users removed", report.users),
            ("groups removed", report.groups),
            ("single sign-on removed", "yes" if report.sso else "no"),
            ("object versions removed", report.object_versions),
            ("multipart uploads aborted", report.multipart_uploads),
            *((f"{table} items removed", count) for table, count in report.items.items()),
            ("tenant record removed", "yes" if report.record else "no"),
            ("audit log kept, purge entry", f"seq {report.audit_seq}"),
        ]
        click.echo(f"Purged tenant {slug}:")
        for label, value in rows:
            click.echo(f"  {label + ':':<30}{value}")
        verdict = (
            "nothing of the tenant remains"
            if remaining and remaining.empty
            else (f"SOMETHING REMAINS: {remaining}")
        )
        click.echo(f"Verified: {verdict}.")

    _emit(options, payload, human)
    if remaining is None or not remaining.empty:
        sys.exit(1)


@click.group(cls=OperatorGroup)
def users() -> None:
    """Manage the users of one tenant."""


def _role(value: str) -> Role:
    return Role(value)


ROLE_CHOICE = click.Choice([r.value for r in Role])


@users.command("invite")
@click.argument("slug")
@click.argument("email")
@click.option("--role", type=ROLE_CHOICE, default=Role.MEMBER.value, show_default=True)
@_common
def invite(slug: str, email: str, role: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Invite EMAIL to tenant SLUG."""
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.operator_actions import recorded, user_target
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.audit.actions import AuditAction
    from engageiq_tenancy.tenant_users import UserDirectory

    options = _options(env, outputs, as_json)
    target = options.target()
    TenantProvisioner(target).get(slug)  # unknown tenant -> exit 3 before touching Cognito
    directory = UserDirectory(target)
    email = directory.validate_email(email)
    with recorded(
        OperatorAudit(target), slug, AuditAction.USER_INVITED, user_target(email), {"role": role}
    ):
        invitation = directory.invite(slug, email, _role(role))
    payload = {
        "email": invitation.email,
        "role": role,
        "temporaryPassword": invitation.temporary_password,
    }

    def human() -> None:
        click.echo(f"Invited {invitation.email} to {slug} as {role}.")
        if invitation.temporary_password:
            click.echo(f"Temporary password: {invitation.temporary_password}")

    _emit(options, payload, human)


@users.command("list")
@click.argument("slug")
@_common
def list_users(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """List the users of tenant SLUG."""
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.tenant_users import UserDirectory

    options = _options(env, outputs, as_json)
    target = options.target()
    TenantProvisioner(target).get(slug)
    found = UserDirectory(target).members(slug)

    def human() -> None:
        table = Table("email", "roles", "status", "enabled")
        for u in found:
            table.add_row(u.email, ", ".join(u.roles), u.status, str(u.enabled))
        _out().print(table)

    _emit(options, [_user(u) for u in found], human)


@users.command("remove")
@click.argument("slug")
@click.argument("email")
@_common
def remove(slug: str, email: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Delete EMAIL's account from tenant SLUG."""
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.operator_actions import recorded, user_target
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.audit.actions import AuditAction
    from engageiq_tenancy.tenant_users import UserDirectory

    options = _options(env, outputs, as_json)
    target = options.target()
    TenantProvisioner(target).get(slug)  # unknown tenant: unknown_tenant, as for every command
    with recorded(OperatorAudit(target), slug, AuditAction.USER_REMOVED, user_target(email)):
        UserDirectory(target).remove(slug, email)
    _emit(options, {"removed": email}, lambda: click.echo(f"Removed {email} from {slug}."))


@users.command("set-role")
@click.argument("slug")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
@_common
def set_role(
    slug: str, email: str, role: str, env: str, outputs: Path | None, as_json: bool
) -> None:
    """Make EMAIL a member or tenant_admin of SLUG."""
    from engageiq.provisioning.audit_log import OperatorAudit
    from engageiq.provisioning.operator_actions import recorded, user_target
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.audit.actions import AuditAction
    from engageiq_tenancy.tenant_users import UserDirectory

    options = _options(env, outputs, as_json)
    target = options.target()
    TenantProvisioner(target).get(slug)  # unknown tenant: unknown_tenant, as for every command
    with recorded(
        OperatorAudit(target),
        slug,
        AuditAction.USER_ROLE_CHANGED,
        user_target(email),
        {"role": role},
    ):
        UserDirectory(target).set_role(slug, email, _role(role))
    _emit(
        options,
        {"email": email, "role": role},
        lambda: click.echo(f"{email} is now {role} in {slug}."),
    )


# Subcommands in their own modules, imported last: they build on the helpers above.
from engageiq.provisioning.audit_commands import audit  # noqa: E402

tenants.add_command(audit)

from engageiq.provisioning.sso_commands import sso  # noqa: E402

tenants.add_command(sso)

from engageiq.provisioning.retention_commands import retention  # noqa: E402

tenants.add_command(retention)
