"""`engageiq tenants sso set|show|remove SLUG`: a tenant's identity provider (decision 0120),
through `engageiq_tenancy.sso_connections`, the code the tenant admin API runs too.

The OIDC client secret is read from a file (never an argument, which shell history and process
lists keep) and never printed; a missing or empty file is refused before anything changes."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

import click

from engageiq.provisioning.audit_log import OperatorAudit
from engageiq.provisioning.commands import OperatorGroup, _common, _emit, _options, _out
from engageiq.provisioning.sso_target import connections
from engageiq.provisioning.targets import Target
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.audit import AuditAction, AuditOutcome, AuditTarget
from engageiq_tenancy.operation_errors import InvalidInput
from engageiq_tenancy.sso import SsoConfig, provider_name
from engageiq_tenancy.sso_connections import (
    OidcSource,
    SamlSource,
    SsoRequest,
    SsoStatus,
)
from engageiq_tenancy.sso_documents import MAX_DOCUMENT_BYTES

MAX_SECRET_FILE_BYTES: Final = 4096
T = TypeVar("T")


def _read_file(path: Path, what: str, code: str, limit: int) -> bytes:
    try:
        data = path.read_bytes()[: limit + 1]
    except FileNotFoundError:
        raise InvalidInput(f"{code}_missing", f"The {what} file {path} does not exist.") from None
    except OSError as exc:
        raise InvalidInput(
            f"{code}_unreadable", f"Cannot read the {what} file {path}: {exc.strerror}."
        ) from None
    if not data.strip():
        raise InvalidInput(f"{code}_empty", f"The {what} file {path} is empty.")
    if len(data) > limit:
        raise InvalidInput(f"{code}_too_large", f"The {what} file {path} is over {limit} bytes.")
    return data


def read_secret_file(path: Path) -> str:
    """The secret in `path`, surrounding whitespace removed. Raises InvalidInput
    (`secret_file_missing`, `secret_file_unreadable`, `secret_file_empty`,
    `secret_file_too_large`); the messages name the file, never its content."""
    data = _read_file(path, "client secret", "secret_file", MAX_SECRET_FILE_BYTES)
    try:
        return data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidInput(
            "secret_file_unreadable", f"The client secret file {path} is not UTF-8 text."
        ) from None


def config_json(config: SsoConfig | None) -> dict[str, Any]:
    """The config as every output shows it (camelCase); never a secret (none is stored)."""
    if config is None:
        return {"configured": False}
    return {
        "configured": True,
        "type": config.type.value,
        "providerName": config.provider_name,
        "domains": list(config.domains),
        "requireSso": config.require_sso,
        "metadataUrl": config.metadata_url,
        "issuer": config.issuer,
        "clientId": config.client_id,
        "updatedAt": config.updated_at,
    }


def _status_json(status: SsoStatus) -> dict[str, Any]:
    return {
        **config_json(status.config),
        "providerOnPool": status.provider_on_pool,
        "offeredByClient": status.offered_by_client,
    }


def _source(
    saml_metadata_url: str | None,
    saml_metadata_file: Path | None,
    oidc_issuer: str | None,
    client_id: str | None,
    client_secret_file: Path | None,
) -> SamlSource | OidcSource:
    metadata_url, metadata_file = saml_metadata_url, saml_metadata_file
    issuer, secret_file = oidc_issuer, client_secret_file
    saml = [x for x in (metadata_url, metadata_file) if x is not None]
    oidc = [x for x in (issuer, client_id, secret_file) if x is not None]
    if len(saml) + (1 if oidc else 0) != 1:
        raise InvalidInput(
            "invalid_sso_source",
            "Give one of --saml-metadata-url, --saml-metadata-file, or --oidc-issuer with "
            "--client-id and --client-secret-file.",
        )
    if metadata_url is not None:
        return SamlSource(metadata_url=metadata_url)
    if metadata_file is not None:
        document = _read_file(metadata_file, "SAML metadata", "metadata_file", MAX_DOCUMENT_BYTES)
        return SamlSource(metadata_document=document)
    if issuer is None or client_id is None or secret_file is None:
        raise InvalidInput(
            "invalid_sso_source",
            "--oidc-issuer needs --client-id and --client-secret-file as well.",
        )
    return OidcSource(issuer, client_id, read_secret_file(secret_file))


def _audited(
    target: Target,
    slug: str,
    action: AuditAction,
    detail: dict[str, str | int | bool | None],
    effect: Callable[[], T],
) -> T:
    """The operator's change in the tenant's audit log (decisions 0118, 0119): `succeeded`
    before the effect (nothing changes if it cannot be written: `audit_unavailable`), then
    `failed` with the refusal's code if the effect fails (best effort)."""
    audit = OperatorAudit(target)
    record = AuditTarget("sso", provider_name(slug))
    audit.record(slug, action, record, AuditOutcome.SUCCEEDED, detail)
    try:
        return effect()
    except Exception as exc:
        failed = {**detail, "error": str(getattr(exc, "code", type(exc).__name__))}
        # Best effort: the effect's own error is the one to report.
        with contextlib.suppress(Exception):
            audit.record(slug, action, record, AuditOutcome.FAILED, failed)
        raise


@click.group("sso", cls=OperatorGroup)
def sso() -> None:
    """Connect a tenant to its identity provider (SAML 2.0 or OIDC), show or remove it."""


@sso.command("set")
@click.argument("slug")
@click.option("--saml-metadata-url", default=None, help="The IdP's SAML 2.0 metadata URL.")
@click.option(
    "--saml-metadata-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="The IdP's SAML 2.0 metadata as a file.",
)
@click.option("--oidc-issuer", default=None, help="The OIDC issuer URL (with discovery).")
@click.option("--client-id", default=None, help="OIDC: the client id at the IdP.")
@click.option(
    "--client-secret-file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="OIDC: a file holding the client secret (never given on the command line).",
)
@click.option(
    "--domain", "domains", multiple=True, required=True, help="An email domain (repeatable)."
)
@click.option(
    "--require-sso/--no-require-sso",
    default=False,
    show_default=True,
    help="Refuse password sign-in for the tenant's users.",
)
@_common
def set_sso(
    slug: str,
    domains: tuple[str, ...],
    require_sso: bool,
    env: str,
    outputs: Path | None,
    as_json: bool,
    **source: Any,
) -> None:
    """Connect tenant SLUG to its IdP, or change the connection; all or nothing.

    The IdP's documents are fetched and checked first; a domain claimed by another tenant is
    refused (exit 4) and leaves nothing behind."""
    options = _options(env, outputs, as_json)
    # The source's five options, by name (`_source`'s parameters).
    request = SsoRequest(_source(**source), domains, require_sso)
    target = options.target()
    # Before the entry: a log of a slug with no tenant would make `tenants create` refuse it
    # as a purged tenant's (`slug_retained`).
    TenantProvisioner(target).get(slug)  # unknown tenant: unknown_tenant, as for every command
    chosen = connections(target)
    detail: dict[str, str | int | bool | None] = {
        "type": "SAML" if isinstance(request.source, SamlSource) else "OIDC",
        "domains": ",".join(domains)[:256],
        "requireSso": require_sso,
    }
    config = _audited(
        target, slug, AuditAction.SSO_SET, detail, lambda: chosen.connect(slug, request)
    )

    def human() -> None:
        click.echo(
            f"Connected tenant {slug} to its {config.type.value} identity provider as "
            f"{config.provider_name} for {', '.join(config.domains)}"
            f"{'; password sign-in is refused' if config.require_sso else ''}."
        )

    _emit(options, config_json(config), human)


@sso.command("show")
@click.argument("slug")
@_common
def show_sso(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Show tenant SLUG's SSO connection, and whether Cognito agrees (never the secret)."""
    options = _options(env, outputs, as_json)
    status = connections(options.target()).status(slug)

    def human() -> None:
        value = _status_json(status)
        if not status.config:
            click.echo(f"Tenant {slug} has no single sign-on.")
        for key, shown in value.items():
            if shown is not None and key != "configured":
                _out().print(f"{key}: {', '.join(shown) if isinstance(shown, list) else shown}")

    _emit(options, _status_json(status), human)


@sso.command("remove")
@click.argument("slug")
@_common
def remove_sso(slug: str, env: str, outputs: Path | None, as_json: bool) -> None:
    """Remove tenant SLUG's IdP from the pool and its records; password sign-in works again."""
    options = _options(env, outputs, as_json)
    target = options.target()
    TenantProvisioner(target).get(slug)  # unknown tenant: unknown_tenant, as for every command
    chosen = connections(target)
    if chosen.config(slug) is None:
        # Nothing recorded for a tenant without a connection (a leftover provider alone is
        # still removed, without an entry: there was no connection to end).
        removed = chosen.disconnect(slug)
    else:
        removed = _audited(
            target, slug, AuditAction.SSO_REMOVED, {}, lambda: chosen.disconnect(slug)
        )

    def human() -> None:
        click.echo(f"Removed tenant {slug}'s single sign-on.")

    _emit(options, {"removed": True, "was": config_json(removed)}, human)
