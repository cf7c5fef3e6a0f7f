"""`engageiq preview <env>`: run the Pulumi program under mocks and print its inventory."""

from __future__ import annotations

import click


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

    run_preview(environment, compute=compute, as_json=as_json)
