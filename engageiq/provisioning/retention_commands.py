"""`engageiq tenants retention SLUG --as-of YYYY-MM-DD [--dry-run] [--json]`: apply (or preview)
a tenant's retention policy as of a date, with what went (or would go) per kind.

The same sweep the chat service runs periodically in every environment
(`engageiq_chat.retention`, decision 0122), with the operator's own credentials."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import msgspec

from engageiq.provisioning.commands import _common, _emit, _options
from engageiq.provisioning.targets import Target
from engageiq_tenancy.operation_errors import InvalidInput, NotFound
from engageiq_tenancy.resources import AUDIT, UPLOADS

# What the human output calls each count, in the order it prints them.
KINDS: dict[str, str] = {
    "conversations": "conversations",
    "messages": "messages",
    "feedback": "ratings",
    "citations": "citations",
    "shares": "shared links",
    "searchIndexes": "search indexes cleaned",
    "idempotencyKeys": "remembered requests",
    "contentIssues": "content issues",
    "unansweredQuestions": "unanswered questions",
    "deletedFiles": "deleted files purged",
    "fileVersions": "their stored versions",
}


def as_of_date(value: str) -> datetime:
    """YYYY-MM-DD as midnight UTC; InvalidInput("invalid_date", exit 2) otherwise."""
    try:
        day = datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise InvalidInput(
            "invalid_date", f"'{value}' is not a date; write it as YYYY-MM-DD."
        ) from None
    return day.replace(tzinfo=UTC)


def sweep_report(target: Target, slug: str, as_of: datetime, dry_run: bool) -> dict[str, Any]:
    """The sweep's report as the CLI prints it (camelCase JSON)."""
    from engageiq_chat.retention.sweep import NoSuchTenant, RetentionSweep, trail_audit
    from engageiq_tenancy.audit import AuditTrail

    dynamodb = target.client("dynamodb")
    sweep = RetentionSweep.with_clients(
        dynamodb,
        target.tables,
        objects=target.client("s3"),
        bucket=target.buckets[UPLOADS.logical_name],
        # Each deletion is the tenant's `retention.deleted` entry (system actor): the same
        # sweep, whoever starts it.
        audit=trail_audit(AuditTrail(dynamodb, target.tables[AUDIT.logical_name])),
    )
    try:
        report = asyncio.run(sweep.apply(slug, as_of, dry_run=dry_run))
    except NoSuchTenant:
        raise NotFound("unknown_tenant", f"There is no tenant '{slug}'.") from None
    value: dict[str, Any] = msgspec.to_builtins(report)
    return value


@click.command("retention")
@click.argument("slug")
@click.option("--as-of", "as_of", required=True, help="Apply the policy as of this day (UTC).")
@click.option("--dry-run", is_flag=True, help="Show what would go; change nothing.")
@_common
def retention(
    slug: str, as_of: str, dry_run: bool, env: str, outputs: Path | None, as_json: bool
) -> None:
    """Apply tenant SLUG's retention policy as of a date: conversations idle past its window
    are deleted with everything of them, deleted files past theirs are purged. Safe to run
    again (it deletes nothing the second time) and while users work."""
    moment = as_of_date(as_of)
    options = _options(env, outputs, as_json)
    report = sweep_report(options.target(), slug, moment, dry_run)

    def human() -> None:
        policy = report["policy"]
        verb = "Would delete" if dry_run else "Deleted"
        click.echo(f"Retention of {slug} as of {as_of}{' (dry run)' if dry_run else ''}:")
        kept = policy["conversationsDays"]
        click.echo(
            f"  conversations: {f'{kept} days' if kept else 'kept for ever'}"
            + (f", idle since before {report['conversationsBefore']}" if kept else "")
        )
        files = policy["deletedFilesDays"]
        click.echo(
            f"  deleted files: {f'{files} days' if files else 'the platform default (90 days)'}"
        )
        click.echo(f"{verb}:")
        for key, label in KINDS.items():
            click.echo(f"  {label + ':':<26}{report['counts'][key]}")

    _emit(options, report, human)
