"""`engageiq preview <env>`: run the Pulumi program under mocks and print its inventory."""

from __future__ import annotations

import click

from engageiq.provisioning.commands import report_failure
from engageiq_tenancy.operation_errors import EXIT_INVALID
from engageiq_tenancy.setting import SettingsError


@click.command()
@click.argument("environment", type=click.Choice(["dev", "staging", "prod"]))
@click.option(
    "--compute",
    type=click.Choice(["apprunner", "ecs-express"]),
    default=None,
    help="Override the environment's compute option.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the inventory as JSON.")
def preview(environment: str, compute: str | None, as_json: bool) -> None:
    """Show what `pulumi up` would create for ENVIRONMENT, without AWS or the Pulumi CLI."""
    # Imported here: pulumi-aws takes about a second to import, and `engageiq dev` never needs it.
    from engageiq_infra.preview import run_preview

    try:
        run_preview(environment, compute=compute, as_json=as_json)
    except SettingsError as exc:
        # A stack's engageiq:serviceSettings refused by the services' own reader: the operator's
        # input, so exit 2 with the reader's sentence (which names the variable and its form).
        report_failure("invalid_service_setting", str(exc), EXIT_INVALID, as_json)
