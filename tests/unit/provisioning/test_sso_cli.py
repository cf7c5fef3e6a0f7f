"""`engageiq tenants sso set|show|remove` on the local platform's AWS (moto's Cognito accepts
identity providers), with the IdP's documents served from 127.0.0.1: connects and removes a
provider, never prints the secret, and refuses bad input with a code and nothing left over."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from engageiq.local.aws import LocalResources
from tests.support.chat import set_tenant
from tests.support.idp_documents import SAML_METADATA, IdpServer, idp_server
from tests.unit.provisioning.conftest import Run, error_of

SECRET = "oidc-client-secret-7f3a"


@pytest.fixture
def idp() -> Iterator[IdpServer]:
    with idp_server() as server:
        yield server


def _show(run: Run, slug: str = "demo") -> dict[str, object]:
    result = run("tenants", "sso", "show", slug, "--json")
    assert result.exit_code == 0, result.output
    shown: dict[str, object] = json.loads(result.stdout)
    return shown


def test_saml_connect_show_and_remove(run: Run, idp: IdpServer) -> None:
    url = idp.saml()
    result = run(
        "tenants", "sso", "set", "demo", "--saml-metadata-url", url,
        "--domain", "demo.example", "--require-sso", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = json.loads(result.stdout)
    assert config["type"] == "SAML"
    assert config["metadataUrl"] == url
    assert config["requireSso"] is True
    shown = _show(run)
    assert shown["providerOnPool"] is True
    assert shown["offeredByClient"] is True
    assert shown["domains"] == ["demo.example"]
    human = run("tenants", "sso", "show", "demo")
    assert "demo.example" in human.stdout
    removed = run("tenants", "sso", "remove", "demo", "--json")
    assert removed.exit_code == 0, removed.output
    assert _show(run) == {"configured": False, "providerOnPool": False, "offeredByClient": False}
    again = run("tenants", "sso", "remove", "demo", "--json")
    assert again.exit_code == 3
    assert error_of(again)["code"] == "sso_not_configured"
    # Both changes are in the tenant's audit log, the operator named (decision 0118).
    log = json.loads(run("tenants", "audit", "demo", "--json").stdout)["entries"]
    sso = [
        (e["action"], e["outcome"], e["actor"]["kind"]) for e in log if e["target"]["kind"] == "sso"
    ]
    assert sso == [
        ("sso.removed", "succeeded", "operator"),
        ("sso.set", "succeeded", "operator"),
    ]


def test_oidc_secret_comes_from_a_file_and_is_never_printed(
    run: Run, idp: IdpServer, tmp_path: Path
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    issuer = idp.oidc()
    common = ("--oidc-issuer", issuer, "--client-id", "engageiq", "--client-secret-file")
    for extra in ((), ("--json",)):
        result = run(
            "tenants", "sso", "set", "demo", *common, str(secret_file),
            "--domain", "demo.example", *extra,
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert SECRET not in result.output
    shown = run("tenants", "sso", "show", "demo", "--json")
    assert SECRET not in shown.output
    assert json.loads(shown.stdout)["issuer"] == issuer


@pytest.mark.parametrize(
    ("content", "code"), [(None, "secret_file_missing"), (" \n", "secret_file_empty")]
)
def test_a_missing_or_empty_secret_file_is_refused_before_anything_changes(
    run: Run, idp: IdpServer, tmp_path: Path, content: str | None, code: str
) -> None:
    secret_file = tmp_path / "secret"
    if content is not None:
        secret_file.write_text(content)
    result = run(
        "tenants", "sso", "set", "demo", "--oidc-issuer", idp.oidc(), "--client-id", "c",
        "--client-secret-file", str(secret_file), "--domain", "demo.example", "--json",
    )  # fmt: skip
    assert result.exit_code == 2
    assert error_of(result)["code"] == code
    assert _show(run)["providerOnPool"] is False


def test_bad_input_has_a_code_and_leaves_nothing(
    run: Run, idp: IdpServer, local_resources: LocalResources, tmp_path: Path
) -> None:
    unreachable = run(
        "tenants", "sso", "set", "demo", "--saml-metadata-url", idp.base_url + "/gone",
        "--domain", "demo.example", "--json",
    )  # fmt: skip
    assert unreachable.exit_code == 2
    assert error_of(unreachable)["code"] == "sso_document_unreachable"
    malformed = tmp_path / "metadata.xml"
    malformed.write_text(SAML_METADATA.replace("</md:EntityDescriptor>", ""))
    bad_file = run(
        "tenants", "sso", "set", "demo", "--saml-metadata-file", str(malformed),
        "--domain", "demo.example", "--json",
    )  # fmt: skip
    assert bad_file.exit_code == 2
    assert error_of(bad_file)["code"] == "sso_metadata_invalid"
    no_discovery = run(
        "tenants", "sso", "set", "demo", "--oidc-issuer", idp.base_url + "/none",
        "--client-id", "c", "--client-secret-file", str(malformed),
        "--domain", "demo.example", "--json",
    )  # fmt: skip
    assert no_discovery.exit_code == 2
    assert error_of(no_discovery)["code"] == "sso_discovery_missing"
    # A domain another tenant claimed: refused without naming that tenant.
    set_tenant(local_resources, "globex")
    first = run(
        "tenants", "sso", "set", "globex", "--saml-metadata-url", idp.saml(),
        "--domain", "globex.example", "--json",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    claimed = run(
        "tenants", "sso", "set", "demo", "--saml-metadata-url", idp.saml(),
        "--domain", "GLOBEX.example", "--json",
    )  # fmt: skip
    assert claimed.exit_code == 4
    # The refused attempt is in the log: written before, then failed with the refusal's code.
    log = json.loads(run("tenants", "audit", "demo", "--json").stdout)["entries"]
    assert [(e["outcome"], e["detail"].get("error")) for e in log if e["action"] == "sso.set"][
        :2
    ] == [("failed", "sso_domain_claimed"), ("succeeded", None)]
    error = error_of(claimed)
    assert error["code"] == "sso_domain_claimed"
    assert "globex.example" in error["message"]
    assert "'globex'" not in error["message"]
    assert _show(run) == {"configured": False, "providerOnPool": False, "offeredByClient": False}


def test_purging_a_tenant_removes_its_single_sign_on(run: Run, idp: IdpServer) -> None:
    connected = run(
        "tenants", "sso", "set", "demo", "--saml-metadata-url", idp.saml(),
        "--domain", "demo.example", "--json",
    )  # fmt: skip
    assert connected.exit_code == 0, connected.output
    purged = run("tenants", "delete", "demo", "--purge", "--yes", "--json")
    assert purged.exit_code == 0, purged.output
    assert json.loads(purged.stdout)["sso"] is True
    shown = _show(run)
    assert shown == {"configured": False, "providerOnPool": False, "offeredByClient": False}


def test_a_mistyped_slug_leaves_no_audit_log_that_would_block_creating_it(
    run: Run, idp: IdpServer, tmp_path: Path
) -> None:
    # An operator who connects SSO (or exports) before `tenants create`, or mistypes the
    # slug, gets unknown_tenant, and the slug stays free: a log of a tenant that never existed
    # would make `create` refuse it as a purged tenant's (`slug_retained`) for 400 days.
    url = idp.saml()
    set_sso = run("tenants", "sso", "set", "ghost", "--saml-metadata-url", url,
                  "--domain", "ghost.example", "--json")  # fmt: skip
    assert set_sso.exit_code == 3, set_sso.output
    assert error_of(set_sso)["code"] == "unknown_tenant"
    removed = run("tenants", "sso", "remove", "ghost", "--json")
    assert removed.exit_code == 3, removed.output
    assert error_of(removed)["code"] == "unknown_tenant"
    exported = run("tenants", "export", "ghost", str(tmp_path / "out"), "--json")
    assert exported.exit_code == 3, exported.output
    assert error_of(exported)["code"] == "unknown_tenant"
    assert error_of(run("tenants", "audit", "ghost", "--json"))["code"] == "unknown_tenant"
    created = run("tenants", "create", "ghost", "--name", "Ghost",
                  "--admin-email", "admin@ghost.example", "--json")  # fmt: skip
    assert created.exit_code == 0, created.output
