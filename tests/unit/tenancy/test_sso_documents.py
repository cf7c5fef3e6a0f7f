"""What the platform fetches and parses for an SSO connection (engageiq_tenancy.sso_documents):
the SSRF guard decides on IP literals without the network, and SAML metadata with a DTD,
entities or external references is refused."""

from __future__ import annotations

import pytest

from engageiq_tenancy.sso_documents import (
    DocumentRefused,
    FetchPolicy,
    check_url,
    parse_saml_metadata,
)
from tests.support.idp_documents import SAML_METADATA

CLOUD = FetchPolicy.for_environment(is_local=False)
LOCAL = FetchPolicy.for_environment(is_local=True)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/m",
        "https://172.16.5.4/m",
        "https://192.168.1.1/m",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00:ec2::254]/m",
        "https://[::ffff:10.0.0.1]/m",
        "https://0.0.0.0/m",
        "https://100.64.0.1/m",
        "https://127.0.0.1/m",
        "https://[::1]/m",
        "https://224.0.0.1/m",
        "http://93.184.215.14/m",
        "ftp://93.184.215.14/m",
        "https://user:pw@93.184.215.14/m",
        "https:///m",
        "https://93.184.215.14:notaport/m",
        "https://93.184.215.14/ m",
    ],
)
def test_the_cloud_refuses_anything_but_https_to_a_public_address(url: str) -> None:
    with pytest.raises(DocumentRefused) as refused:
        check_url(url, CLOUD)
    assert refused.value.code == "sso_url_not_allowed"


@pytest.mark.parametrize(
    "url",
    [
        # IPv6 forms that carry a private IPv4 address, which Python 3.11 calls global:
        "https://[::127.0.0.1]/m",  # IPv4-compatible (deprecated)
        "https://[::a9fe:a9fe]/m",
        "https://[2002:a9fe:a9fe::1]/m",  # 6to4 of 169.254.169.254
        "https://[2002:0a00:0001::]/m",  # 6to4 of 10.0.0.1
        "https://[64:ff9b::a9fe:a9fe]/m",  # NAT64 of 169.254.169.254
        "https://[64:ff9b::10.0.0.1]/m",
        "https://[64:ff9b:1::10.0.0.1]/m",  # local-use NAT64
        # Other spellings of loopback and "this host" (resolved without DNS).
        "https://2130706433/m",
        "https://0x7f.1/m",
        "https://0/m",
        "https://[::]/m",
    ],
)
def test_ipv6_and_numeric_spellings_of_private_addresses_are_refused(url: str) -> None:
    with pytest.raises(DocumentRefused) as refused:
        check_url(url, CLOUD)
    assert refused.value.code == "sso_url_not_allowed"


def test_nat64_and_6to4_of_a_public_address_are_allowed() -> None:
    assert check_url("https://[64:ff9b::5db8:d70e]/m", CLOUD).address == "64:ff9b::5db8:d70e"
    assert check_url("https://[2002:5db8:d70e::1]/m", CLOUD).address == "2002:5db8:d70e::1"


def test_a_public_address_is_pinned_for_the_connection() -> None:
    destination = check_url("https://93.184.215.14:8443/idp/metadata?x=1", CLOUD)
    assert (destination.address, destination.port, destination.path) == (
        "93.184.215.14",
        8443,
        "/idp/metadata?x=1",
    )


def test_the_local_platform_adds_loopback_http_and_nothing_else() -> None:
    assert check_url("http://127.0.0.1:8080/m", LOCAL).address == "127.0.0.1"
    assert check_url("https://127.0.0.1/m", LOCAL).scheme == "https"
    for url in ("http://10.0.0.1/m", "http://93.184.215.14/m", "http://idp.example/m"):
        with pytest.raises(DocumentRefused) as refused:
            check_url(url, LOCAL)
        assert refused.value.code == "sso_url_not_allowed"


XXE = """<?xml version="1.0"?>
<!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>
"""


@pytest.mark.parametrize(
    "document",
    [
        XXE.encode(),
        b"\xff\xfe not utf-8",
        b"",
        SAML_METADATA.replace("https://idp.acme.example/saml/sso", "http://idp/sso").encode(),
        SAML_METADATA.replace('entityID="https://idp.acme.example/saml"', "").encode(),
        SAML_METADATA.replace("IDPSSODescriptor", "SPSSODescriptor").encode(),
    ],
)
def test_unusable_metadata_is_refused(document: bytes) -> None:
    with pytest.raises(DocumentRefused) as refused:
        parse_saml_metadata(document)
    assert refused.value.code == "sso_metadata_invalid"


def test_good_metadata_is_read() -> None:
    metadata = parse_saml_metadata(SAML_METADATA.encode())
    assert metadata.entity_id == "https://idp.acme.example/saml"
    assert metadata.sign_in_urls == ("https://idp.acme.example/saml/sso",)
