"""`engageiq tenants ...` and `engageiq users ...`: thin click wrappers over the provisioning
classes. Exit codes: 0 done, 1 failed, 2 invalid input, 3 not found, 4 conflict."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click
import msgspec
from rich.console import Console
from rich.table import Table

from engageiq.provisioning.targets import Target, load_target
from engageiq_tenancy.context import Role
from engageiq_tenancy.operation_errors import ProvisioningError
from engageiq_tenancy.tenants import STATUS_CACHE_SECONDS, TenantRecord, TenantStatus

P = ParamSpec("P")
R = TypeVar("R")
err = Console(stderr=True)


@dataclasses.dataclass
class Options:
    env: str
    outputs: Path | None
    as_json: bool

    def target(self) -> Target:
        return load_target(self.env, self.outputs)


def _common(function: Callable[P, R]) -> Callable[P, R]:
    """--env/--outputs/--json on every command, and provisioning errors as exit codes."""

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
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except ProvisioningError as exc:
            if kwargs.get("as_json"):
                click.echo(json.dumps({"error": {"code": exc.code, "message": exc.message}}))
            else:
                err.print(f"[red]error[/red] ({exc.code}): {exc.message}")
            sys.exit(exc.exit_code)

    return wrapper


def _options(env: str, outputs: Path | None, as_json: bool) -> Options:
    return Options(env, outputs, as_json)


def _emit(options: Options, value: Any, human: Callable[[], None]) -> None:
    if options.as_json:
        click.echo(json.dumps(value, indent=2, default=str))
    else:
        human()


def _record(record: TenantRecord) -> dict[str, Any]:
    value: dict[str, Any] = msgspec.to_builtins(record)
    return value


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


@click.group()
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
    """Create tenant SLUG with its first admin (idempotent)."""
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.tenants import DEFAULT_MONTHLY_TOKEN_BUDGET

    options = _options(env, outputs, as_json)
    result = TenantProvisioner(options.target()).create(
        slug,
        name,
        admin_email,
        plan,
        budget if budget is not None else DEFAULT_MONTHLY_TOKEN_BUDGET,
    )
    payload = {
        "tenant": _record(result.record),
        "created": result.created,
        "adminEmail": result.admin_email,
        "adminTemporaryPassword": result.admin_temporary_password,
    }

    def human() -> None:
        verb = "Created" if result.created else "Already existed (nothing changed):"
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
    """List every tenant."""
    from engageiq.provisioning.tenants import TenantProvisioner

    options = _options(env, outputs, as_json)
    records = TenantProvisioner(options.target()).all()

    def human() -> None:
        table = Table("slug", "name", "status", "plan", "budget")
        for r in records:
            table.add_row(r.tenant_id, r.name, r.status, r.plan, f"{r.monthly_token_budget:,}")
        Console().print(table)

    _emit(options, [_record(r) for r in records], human)


@tenants.command("show")
@click.argument("slug")
@_common
def show(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Show one tenant."""
    from engageiq.provisioning.tenants import TenantProvisioner

    options = _options(env, outputs, as_json)
    record = TenantProvisioner(options.target()).get(slug)
    _emit(options, _record(record), lambda: Console().print_json(json.dumps(_record(record))))


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
    from engageiq.provisioning.tenants import TenantProvisioner

    options = _options(env, outputs, as_json)
    record = TenantProvisioner(options.target()).update(
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
    from engageiq.provisioning.tenants import TenantProvisioner

    record = TenantProvisioner(options.target()).set_status(slug, status)
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
    """Write SLUG's conversations, file metadata and files to DIRECTORY."""
    from engageiq.provisioning.export import TenantExport

    options = _options(env, outputs, as_json)
    with _progress(options, f"Exporting {slug}") as progress:
        report = TenantExport(options.target()).run(slug, directory, progress)
    _emit(
        options,
        dataclasses.asdict(report),
        lambda: click.echo(
            f"Exported {slug} to {directory}: {report.users} users, {report.files} files "
            f"({report.bytes:,} bytes), items {report.items}."
        ),
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
    if not yes:
        click.confirm(
            f"Permanently delete tenant '{slug}' and all its data on {env}?", abort=True, err=True
        )
    with _progress(options, f"Purging {slug}") as progress:
        report = TenantPurge(target).run(slug, progress)
    remaining = report.remaining
    payload = dataclasses.asdict(report)

    def human() -> None:
        rows = [
            ("users removed", report.users),
            ("groups removed", report.groups),
            ("object versions removed", report.object_versions),
            ("multipart uploads aborted", report.multipart_uploads),
            *((f"{table} items removed", count) for table, count in report.items.items()),
            ("tenant record removed", "yes" if report.record else "no"),
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


@click.group()
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
    from engageiq.provisioning.tenants import TenantProvisioner
    from engageiq_tenancy.tenant_users import UserDirectory

    options = _options(env, outputs, as_json)
    target = options.target()
    TenantProvisioner(target).get(slug)  # unknown tenant -> exit 3 before touching Cognito
    invitation = UserDirectory(target).invite(slug, email, _role(role))
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
        Console().print(table)

    _emit(options, [dataclasses.asdict(u) for u in found], human)


@users.command("remove")
@click.argument("slug")
@click.argument("email")
@_common
def remove(slug: str, email: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Delete EMAIL's account from tenant SLUG."""
    from engageiq_tenancy.tenant_users import UserDirectory

    options = _options(env, outputs, as_json)
    UserDirectory(options.target()).remove(slug, email)
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
    from engageiq_tenancy.tenant_users import UserDirectory

    options = _options(env, outputs, as_json)
    UserDirectory(options.target()).set_role(slug, email, _role(role))
    _emit(
        options,
        {"email": email, "role": role},
        lambda: click.echo(f"{email} is now {role} in {slug}."),
    )
