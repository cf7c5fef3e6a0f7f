"""The `engageiq` command line. Each subcommand lives in its own module; this file only
composes them."""

from __future__ import annotations

import click

from engageiq.local.commands import dev
from engageiq.preview import preview
from engageiq.provisioning.commands import tenants, users


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """EngageIQ platform tools."""


cli.add_command(dev)
cli.add_command(preview)
cli.add_command(tenants)
cli.add_command(users)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
