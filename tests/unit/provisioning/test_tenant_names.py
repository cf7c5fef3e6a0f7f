"""Tenant names and display names are cleaned by the one sanitiser, in the operator commands
and the tenant admin API alike; a name with nothing visible is refused."""

from __future__ import annotations

import pytest

from engageiq.local.aws import LocalResources
from engageiq.local.seed import local_target
from engageiq.provisioning.tenants import TenantProvisioner
from engageiq_tenancy.operation_errors import InvalidInput
from engageiq_tenancy.tenants import InvalidBranding, clean_name


def test_names_are_cleaned_when_a_tenant_is_created_and_updated(
    local_resources: LocalResources,
) -> None:
    tenants = TenantProvisioner(local_target(local_resources))
    created = tenants.create("acme", "\u202eAcme\u200b  Corp\x1b", "admin@acme.example")
    assert (created.record.name, created.record.branding.display_name) == ("Acme Corp", "Acme Corp")
    updated = tenants.update("acme", name="Acme\u2066 Inc", display_name="ACME\u00ad\n")
    assert (updated.name, updated.branding.display_name) == ("Acme Inc", "ACME")
    stored = tenants.get("acme")
    assert (stored.name, stored.branding.display_name) == ("Acme Inc", "ACME")


@pytest.mark.parametrize("blank", ["\u200b", "\u202e", " \x00 ", "\u3164"])
def test_a_name_with_nothing_visible_is_refused(
    local_resources: LocalResources, blank: str
) -> None:
    tenants = TenantProvisioner(local_target(local_resources))
    with pytest.raises(InvalidInput) as refused:
        tenants.create("acme", blank, "admin@acme.example")
    assert refused.value.code == "invalid_name"
    tenants.create("acme", "Acme", "admin@acme.example")
    with pytest.raises(InvalidInput) as refused:
        tenants.update("acme", display_name=blank)
    assert refused.value.code == "invalid_display_name"


def test_the_admin_api_stores_the_cleaned_display_name() -> None:
    # The PATCH /api/tenant handler stores what clean_name returns (shared with the CLI).
    assert clean_name("\u202eACME\u200b") == "ACME"
    with pytest.raises(InvalidBranding):
        clean_name("\u200b")


@pytest.mark.parametrize(
    "url",
    [
        'https://x.example/a.png"><script>alert(1)</script>',
        "https://x.example/a logo.png",
        "https:///no-host.png",
        "http://x.example/a.png",
        "javascript:alert(1)//https://",
        "https://x.example/" + "a" * 2048,
    ],
)
def test_a_logo_url_must_be_a_plain_https_address(url: str) -> None:
    from engageiq_tenancy.tenants import validate_branding

    with pytest.raises(InvalidBranding) as refused:
        validate_branding(logo_url=url)
    assert refused.value.code == "invalid_logo_url"


def test_a_plain_https_logo_url_is_accepted() -> None:
    from engageiq_tenancy.tenants import validate_branding

    validate_branding(logo_url="https://cdn.acme.example/brand/logo%20v2.png?size=64#top")
