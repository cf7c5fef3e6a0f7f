"""`engageiq tenants audit SLUG [--since YYYY-MM-DD] [--json]`: a tenant's audit log, newest
first; `engageiq tenants audit verify SLUG [--json]`: prove its hash chain intact (exit 0) or
name the first broken entry (exit 1). Both work for a purged tenant, whose log outlives it
(decision 0118)."""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import click
import msgspec
from rich.table import Table
from rich.text import Text

from engageiq.provisioning.audit_log import audit_trail
from engageiq.provisioning.commands import (
    OperatorGroup,
    _common,
    _emit,
    _options,
    _out,
)
from engageiq.provisioning.footprint import TenantData
from engageiq_tenancy.audit import AuditQuery, AuditTrail, entry_view
from engageiq_tenancy.operation_errors import EXIT_FAILED, InvalidInput, NotFound

LIST_COMMAND = "list"


class AuditGroup(OperatorGroup):
    """`audit SLUG ...` is `audit list SLUG ...`: the listing is the group's default, and
    `verify` its one other command (a tenant named "verify" is listed with `audit list`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [LIST_COMMAND, *args]
        return super().parse_args(ctx, args)


@click.group("audit", cls=AuditGroup)
def audit_group() -> None:
    """Read a tenant's audit log (`audit SLUG`) or verify its hash chain (`audit verify SLUG`)."""


# Declared, so that `commands`, which imports this module last, sees its type (an import cycle).
audit: click.Group = audit_group


def _since(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "invalid_audit_filter", f"--since must be a date like 2026-12-06, not '{value}'."
        ) from None


def _printable(text: str) -> Text:
    """A table cell of text from the log, which users and identity providers wrote: never read
    as Rich markup, and control and format characters (escape sequences, bidi overrides) shown
    as `\\x1b` / `\\u202e`, not obeyed by the operator's terminal."""
    shown = "".join(
        c
        if unicodedata.category(c) not in ("Cc", "Cf")
        else (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        for c in text
    )
    return Text(shown)


def _known(trail: AuditTrail, data: TenantData, slug: str) -> None:
    """NotFound unless the tenant exists or has left a log (a purged tenant has)."""
    if not data.record_exists(slug) and not trail.has_entries(slug):
        raise NotFound("unknown_tenant", f"There is no tenant '{slug}' and no audit log of it.")


@audit_group.command(LIST_COMMAND)
@click.argument("slug")
@click.option("--since", default=None, help="Only entries from this UTC day on (YYYY-MM-DD).")
@click.option(
    "--limit", default=100, show_default=True, type=click.IntRange(1, 10_000), help="At most."
)
@_common
def list_entries(
    slug: str, since: str | None, limit: int, env: str, outputs: Path | None, as_json: bool
) -> None:
    """SLUG's audit log, newest first."""
    options = _options(env, outputs, as_json)
    target = options.target()
    trail = audit_trail(target)
    query = AuditQuery(since=_since(since))
    _known(trail, TenantData(target), slug)
    entries: list[dict[str, Any]] = []
    before: int | None = None
    while len(entries) < limit:
        page = trail.page(slug, query, before=before, limit=min(200, limit - len(entries)))
        entries += page.entries
        if page.next_before is None:
            break
        before = page.next_before
    views = [entry_view(e) for e in entries]

    def human() -> None:
        if not views:
            click.echo(f"No audit entries for {slug}" + (f" since {since}." if since else "."))
            return
        table = Table("seq", "at (UTC)", "actor", "action", "target", "outcome", "source IP")
        for view in views:
            actor = view.actor.email or view.actor.operator or view.actor.system or ""
            name = f"{view.target.kind} {view.target.name or view.target.id}".strip()
            cells = (view.at, actor, view.action, name, view.outcome, view.source_ip)
            table.add_row(str(view.seq), *(_printable(cell) for cell in cells))
        _out().print(table)

    _emit(options, {"tenantId": slug, "entries": msgspec.to_builtins(views)}, human)


@audit_group.command("verify")
@click.argument("slug")
@_common
def verify(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Prove SLUG's hash chain intact (exit 0), or name the first broken entry (exit 1)."""
    options = _options(env, outputs, as_json)
    target = options.target()
    trail = audit_trail(target)
    _known(trail, TenantData(target), slug)
    report = trail.verify(slug)
    if options.as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    elif report.intact:
        start = f"; entries before {report.first_seq} have expired" if report.expired_before else ""
        click.echo(
            f"The audit log of {slug} is intact: {report.entries} entries, "
            f"up to seq {report.last_seq or 0}{start}."
        )
    else:
        click.echo(
            f"The audit log of {slug} is BROKEN at entry {report.broken_seq}: {report.problem}",
            err=True,
        )
    if not report.intact:
        sys.exit(EXIT_FAILED)
