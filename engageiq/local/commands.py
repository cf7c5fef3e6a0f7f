"""`engageiq dev` and `engageiq dev token`."""

from __future__ import annotations

import json
import shlex
import signal
import threading
import time
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from engageiq.local.paths import STATE_DIR_ENV, default_state_dir

if TYPE_CHECKING:  # imported lazily at run time (a missing dependency gets a clear message)
    from engageiq.local.platform import LocalPlatform


def _missing_dependency(exc: ImportError) -> click.ClickException:
    return click.ClickException(
        f"A dependency is missing ({exc.name or exc}). Run ./scripts/dev from the repository "
        "root: it installs everything into .venv and starts the platform."
    )


@click.group(invoke_without_command=True)
@click.option("--port", default=8000, show_default=True, help="The web entry point (edge).")
@click.option("--aws-port", default=4566, show_default=True, help="The local AWS endpoint (moto).")
@click.option(
    "--state-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    envvar=STATE_DIR_ENV,
    help=f"Where the saved state, outputs.json and logs go [env: {STATE_DIR_ENV}; "
    "default: .engageiq/local in the checkout].",
)
@click.option(
    "--fresh",
    is_flag=True,
    help="Start empty: the saved state is set aside (kept as aws-state.bin.previous).",
)
@click.option(
    "--replicas",
    type=click.IntRange(1, 8),
    default=1,
    show_default=True,
    help="Processes per service (chat, files), each on its own port; the edge sends "
    "requests to them in turn.",
)
@click.pass_context
def dev(
    ctx: click.Context,
    port: int,
    aws_port: int,
    state_dir: Path | None,
    fresh: bool,
    replicas: int,
) -> None:
    """Run the whole platform on this machine until Ctrl-C.

    Tenants, users, conversations and files are saved under the state directory and are
    there again at the next start (use --fresh to start empty)."""
    ctx.ensure_object(dict)
    ctx.obj["state_dir"] = state_dir or default_state_dir()
    if ctx.invoked_subcommand is not None:
        return
    started = time.monotonic()
    try:
        from engageiq.local.aws import LocalAwsError
        from engageiq.local.platform import DevPorts, LocalPlatform, PlatformFailed
    except ImportError as exc:
        raise _missing_dependency(exc) from exc

    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    platform = LocalPlatform(
        ctx.obj["state_dir"],
        DevPorts(edge=port, aws=aws_port),
        fresh=fresh,
        replicas=replicas,
        report=lambda message: click.echo(message, err=True),
    )
    each = "" if replicas == 1 else f" ({replicas} of each)"
    click.echo(f"Starting EngageIQ locally (moto, chat, files{each}, edge)...")
    try:
        outputs = platform.start()
    except LocalAwsError as exc:
        platform.stop()
        raise click.ClickException(str(exc)) from exc
    except BaseException:
        platform.stop()
        raise
    elapsed = time.monotonic() - started
    state = (
        f"restored from {ctx.obj['state_dir'] / 'aws-state.bin'}"
        if platform.restored
        else "new (saved under the state directory)"
    )
    click.echo(
        f"\nEngageIQ is running ({elapsed:.1f} s to ready).\n"
        f"  State:        {state}\n"
        f"  Web app:      {outputs['webUrl']}\n"
        f"  API:          {outputs['apiUrl']}  (docs: {outputs['apiUrl']}/chat/docs, "
        f"{outputs['apiUrl']}/files/docs)\n"
        f"  Local AWS:    {outputs['awsEndpointUrl']}\n"
        f"{_replica_lines(platform)}"
        f"  Demo tenant:  {outputs['demoTenantId']}\n"
        f"  Demo sign-in: {outputs['demoUsername']} / {outputs['demoPassword']}\n"
        f"  Outputs:      {ctx.obj['state_dir'] / 'outputs.json'}\n"
        f"  Logs:         {ctx.obj['state_dir'] / 'logs'}\n\n"
        f"Get a token for curl:  .venv/bin/engageiq dev token{naming_the_state_dir(state_dir)}\n"
        "Press Ctrl-C to stop.",
    )
    failure: PlatformFailed | None = None
    while not stop.wait(0.5):
        try:
            platform.watch()
        except PlatformFailed as exc:
            failure = exc
            break
    click.echo("\nStopping..." if failure is None else f"\n{failure}")
    platform.stop()
    if failure is not None:
        raise SystemExit(1)
    click.echo(
        f"Stopped (state saved; `./scripts/dev{naming_the_state_dir(state_dir)} --fresh` "
        "starts empty)."
    )


def naming_the_state_dir(state_dir: Path | None) -> str:
    """The `--state-dir` to repeat in a command the banner suggests, when `engageiq dev` was
    given one: " --state-dir /tmp/eiq" ("" for the default, which every command finds)."""
    return "" if state_dir is None else f" --state-dir {shlex.quote(str(state_dir))}"


def _replica_lines(platform: LocalPlatform) -> str:
    """The banner's list of replicas, when there are several of each service."""
    if platform.replicas == 1:
        return ""
    lines = [
        f"  {running.name + ':':<14}{running.url.removesuffix('/health')}  "
        f"(log {running.log_path.name})"
        for running in platform.processes
        if running.service is not None
    ]
    return (
        "  Replicas (the edge takes them in turn; x-engageiq-replica names the one that "
        "answered):\n" + "\n".join("  " + line for line in lines) + "\n"
    )


@dev.command()
@click.option(
    "--state-dir",
    "token_state_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The running platform's state directory [default: as for `engageiq dev`].",
)
@click.option("--username", default=None, help="Default: the demo user.")
@click.option("--password", default=None, help="Default: the demo user's password.")
@click.option(
    "--new-password",
    default=None,
    help="For a user invited with a temporary password: the password to set on first sign-in.",
)
@click.option("--json", "as_json", is_flag=True, help="Print {idToken, ...} as JSON.")
@click.pass_context
def token(
    ctx: click.Context,
    token_state_dir: Path | None,
    username: str | None,
    password: str | None,
    new_password: str | None,
    as_json: bool,
) -> None:
    """Sign in to the running local platform and print an ID token.

    Example: curl -H "Authorization: Bearer $(engageiq dev token)" http://127.0.0.1:8000/api/me
    """
    from botocore.exceptions import ClientError

    from engageiq.local.aws import PASSWORD_RULE, LocalAwsError
    from engageiq.local.platform import read_outputs
    from engageiq.local.seed import NewPasswordRequired, sign_in_reporting

    try:
        outputs = read_outputs(token_state_dir or ctx.obj["state_dir"])
    except LocalAwsError as exc:
        raise click.ClickException(str(exc)) from exc
    user = username or outputs["demoUsername"]
    try:
        signed = sign_in_reporting(
            outputs["awsEndpointUrl"],
            outputs["userPoolClientId"],
            user,
            password or outputs["demoPassword"],
            new_password,
        )
    except NewPasswordRequired:
        raise click.ClickException(
            "This user signed in with a temporary password and must choose a new one: "
            f"add --new-password ({PASSWORD_RULE})."
        ) from None
    except ClientError as exc:
        error = exc.response["Error"]
        if error.get("Code") == "InvalidPasswordException":
            raise click.ClickException(
                f"The new password was refused: it must have {PASSWORD_RULE}. Nothing was "
                "changed; the temporary password still works."
            ) from None
        raise click.ClickException(
            f"Sign-in failed: {error.get('Message', 'unknown error')}"
        ) from None
    if new_password is not None and not signed.password_changed:
        # Said on stderr, so `$(engageiq dev token ...)` still captures only the token.
        click.echo(
            f"Note: {user} has a permanent password already, so --new-password was not used "
            "and the password is unchanged (a new password is only chosen after a temporary "
            "one).",
            err=True,
        )
    id_token = signed.id_token
    if as_json:
        click.echo(json.dumps({"idToken": id_token, "apiUrl": outputs["apiUrl"]}))
    else:
        click.echo(id_token)
