"""SsoConnections against moto's Cognito and DynamoDB (the session's moto server) and an IdP
served from 127.0.0.1: a connection is the provider, the client's list and the records, or
none of them; removal takes all of it away; bad input leaves nothing behind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engageiq.local.aws import LocalResources, aws_client
from engageiq_tenancy.items import from_item, to_item
from engageiq_tenancy.operation_errors import Conflict, InvalidInput, NotFound
from engageiq_tenancy.sso import (
    SsoType,
    domain_claim_key,
    provider_mapping_key,
    provider_name,
    sso_config_key,
)
from engageiq_tenancy.sso_connections import (
    OidcSource,
    SamlSource,
    SsoConnections,
    SsoRequest,
    check_attribute_mapping,
)
from engageiq_tenancy.sso_documents import FetchPolicy
from engageiq_tenancy.tenants import operator_record_key
from tests.support.chat import set_tenant
from tests.support.idp_documents import BILLION_LAUGHS, SAML_METADATA, IdpServer, idp_server


@pytest.fixture
def idp() -> Iterator[IdpServer]:
    with idp_server() as server:
        yield server


@pytest.fixture
def connections(local_resources: LocalResources) -> SsoConnections:
    for tenant_id in ("acme", "globex"):
        set_tenant(local_resources, tenant_id)
    cognito = aws_client("cognito-idp", local_resources.endpoint_url)
    # Fields the client update must carry over (UpdateUserPoolClient resets what it omits).
    cognito.update_user_pool_client(
        UserPoolId=local_resources.user_pool_id,
        ClientId=local_resources.user_pool_client_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        SupportedIdentityProviders=["COGNITO"],
        CallbackURLs=["https://app.example/callback"],
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "email"],
        AllowedOAuthFlowsUserPoolClient=True,
        IdTokenValidity=15,
        TokenValidityUnits={"IdToken": "minutes"},
    )
    return SsoConnections(
        cognito=cognito,
        dynamodb=aws_client("dynamodb", local_resources.endpoint_url),
        user_pool_id=local_resources.user_pool_id,
        client_id=local_resources.user_pool_client_id,
        tenants_table=local_resources.tables["tenants"],
        policy=FetchPolicy.for_environment(is_local=True),
    )


def _item(c: SsoConnections, key: dict[str, str]) -> dict[str, Any] | None:
    item = c.dynamodb.get_item(TableName=c.table, Key=to_item(key)).get("Item")
    return from_item(item) if item else None


def _providers(c: SsoConnections) -> list[str]:
    names = c.cognito.list_identity_providers(UserPoolId=c.pool)["Providers"]
    return [p["ProviderName"] for p in names]


def _client(c: SsoConnections) -> dict[str, Any]:
    client: dict[str, Any] = c.cognito.describe_user_pool_client(
        UserPoolId=c.pool, ClientId=c.client_id
    )["UserPoolClient"]
    return client


def _nothing_left(c: SsoConnections, tenant_id: str, domains: tuple[str, ...]) -> None:
    name = provider_name(tenant_id)
    assert name not in _providers(c)
    assert name not in _client(c)["SupportedIdentityProviders"]
    assert _item(c, sso_config_key(tenant_id)) is None
    assert _item(c, provider_mapping_key(name)) is None
    for domain in domains:
        claim = _item(c, domain_claim_key(domain))
        assert claim is None or claim["tenantId"] != tenant_id


def test_saml_by_url_connects_provider_client_and_records(
    connections: SsoConnections, idp: IdpServer
) -> None:
    url = idp.saml()
    config = connections.connect(
        "acme", SsoRequest(SamlSource(metadata_url=url), ("Acme.example", "acme.example"), True)
    )
    name = provider_name("acme")
    assert config.type == SsoType.SAML
    assert config.domains == ("acme.example",)
    provider = connections.cognito.describe_identity_provider(
        UserPoolId=connections.pool, ProviderName=name
    )["IdentityProvider"]
    assert provider["ProviderType"] == "SAML"
    assert provider["ProviderDetails"]["MetadataURL"] == url
    assert set(provider["AttributeMapping"]) == {"email", "name"}
    client = _client(connections)
    assert client["SupportedIdentityProviders"] == ["COGNITO", name]
    # Everything else of the client survived the read-modify-write.
    assert client["CallbackURLs"] == ["https://app.example/callback"]
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["IdTokenValidity"] == 15
    assert client["ExplicitAuthFlows"] == ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
    assert _item(connections, provider_mapping_key(name)) == {
        **provider_mapping_key(name),
        "tenantId": "acme",
    }
    claim = _item(connections, domain_claim_key("acme.example"))
    assert claim is not None
    assert (claim["tenantId"], claim["providerName"]) == ("acme", name)
    record = _item(connections, operator_record_key("acme"))
    assert record is not None
    assert record["requireSso"] is True
    status = connections.status("acme")
    assert status.config == config
    assert status.provider_on_pool
    assert status.offered_by_client


def test_oidc_never_stores_the_secret_and_a_change_updates_in_place(
    connections: SsoConnections, idp: IdpServer
) -> None:
    issuer = idp.oidc()
    source = OidcSource(issuer, "client-1", "s3cret-value")
    connections.connect("acme", SsoRequest(source, ("a.example", "b.example")))
    stored = _item(connections, sso_config_key("acme"))
    assert stored is not None
    assert "s3cret-value" not in repr(stored)
    assert "s3cret-value" not in repr(source)
    assert stored["issuer"] == issuer
    assert stored["clientId"] == "client-1"
    # Changing the domains releases the dropped one and keeps one provider.
    connections.connect("acme", SsoRequest(OidcSource(issuer, "client-2", "x"), ("b.example",)))
    assert _item(connections, domain_claim_key("a.example")) is None
    assert _item(connections, domain_claim_key("b.example")) is not None
    assert _providers(connections).count(provider_name("acme")) == 1
    assert _client(connections)["SupportedIdentityProviders"].count(provider_name("acme")) == 1
    provider = connections.cognito.describe_identity_provider(
        UserPoolId=connections.pool, ProviderName=provider_name("acme")
    )["IdentityProvider"]
    assert provider["ProviderDetails"]["client_id"] == "client-2"


def test_domain_of_another_tenant_is_refused_without_naming_it_and_nothing_is_left(
    connections: SsoConnections, idp: IdpServer
) -> None:
    connections.connect("globex", SsoRequest(SamlSource(metadata_url=idp.saml()), ("g.example",)))
    with pytest.raises(Conflict) as refused:
        connections.connect(
            "acme", SsoRequest(SamlSource(metadata_url=idp.saml()), ("a.example", "g.example"))
        )
    assert refused.value.code == "sso_domain_claimed"
    assert "globex" not in refused.value.message
    _nothing_left(connections, "acme", ("a.example", "g.example"))
    claim = _item(connections, domain_claim_key("g.example"))
    assert claim is not None
    assert claim["tenantId"] == "globex"


def test_a_claim_that_races_in_after_the_precheck_undoes_the_cognito_steps(
    connections: SsoConnections, idp: IdpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pre-check saw the domain free; the transaction's condition is what really decides.
    monkeypatch.setattr(connections, "claim_of", lambda _domain: None)
    connections.dynamodb.put_item(
        TableName=connections.table,
        Item=to_item({**domain_claim_key("x.example"), "tenantId": "globex", "providerName": "p"}),
    )
    with pytest.raises(Conflict) as refused:
        connections.connect("acme", SsoRequest(SamlSource(metadata_url=idp.saml()), ("x.example",)))
    assert refused.value.code == "sso_domain_claimed"
    _nothing_left(connections, "acme", ())
    assert _client(connections)["CallbackURLs"] == ["https://app.example/callback"]


@pytest.mark.parametrize(
    ("serve", "code"),
    [
        (lambda idp: idp.base_url + "/nothing-here", "sso_document_unreachable"),
        (lambda idp: idp.serve("/m", "<not-xml"), "sso_metadata_invalid"),
        (lambda idp: idp.serve("/m", BILLION_LAUGHS), "sso_metadata_invalid"),
        (lambda idp: idp.serve("/m", "<a xmlns='urn:x'/>"), "sso_metadata_invalid"),
        (lambda idp: idp.serve("/m", SAML_METADATA, status=302), "sso_document_unreachable"),
        (lambda idp: idp.serve("/m", b"<" * (600 * 1024)), "sso_document_unreachable"),
        (lambda _idp: "http://169.254.169.254/latest/meta-data", "sso_url_not_allowed"),
        (lambda _idp: "http://10.0.0.1/metadata", "sso_url_not_allowed"),
    ],
)
def test_bad_saml_metadata_is_refused_with_nothing_created(
    connections: SsoConnections, idp: IdpServer, serve: Any, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        connections.connect("acme", SsoRequest(SamlSource(metadata_url=serve(idp)), ("a.example",)))
    assert refused.value.code == code
    _nothing_left(connections, "acme", ("a.example",))


def test_cloud_policy_refuses_loopback_and_plain_http(
    connections: SsoConnections, idp: IdpServer
) -> None:
    cloud = SsoConnections(
        cognito=connections.cognito,
        dynamodb=connections.dynamodb,
        user_pool_id=connections.pool,
        client_id=connections.client_id,
        tenants_table=connections.table,
        policy=FetchPolicy.for_environment(is_local=False),
    )
    for url in (idp.saml(), idp.saml().replace("http://", "https://"), "https://localhost/m"):
        with pytest.raises(InvalidInput) as refused:
            cloud.connect("acme", SsoRequest(SamlSource(metadata_url=url), ("a.example",)))
        assert refused.value.code == "sso_url_not_allowed"


@pytest.mark.parametrize(
    ("issuer", "code"),
    [
        (lambda idp: idp.base_url + "/no-discovery", "sso_discovery_missing"),
        (lambda idp: idp.oidc("/liar", issuer="https://other.example"), "sso_discovery_invalid"),
        (
            lambda idp: idp.serve("/junk/.well-known/openid-configuration", "[]").rsplit(
                "/.well-known", 1
            )[0],
            "sso_discovery_missing",
        ),
    ],
)
def test_oidc_issuer_without_a_usable_discovery_document_is_refused(
    connections: SsoConnections, idp: IdpServer, issuer: Any, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        connections.connect("acme", SsoRequest(OidcSource(issuer(idp), "c", "s"), ("a.example",)))
    assert refused.value.code == code
    _nothing_left(connections, "acme", ("a.example",))


@pytest.mark.parametrize(
    ("domains", "code"),
    [
        ((), "invalid_sso_domain"),
        (("gmail.com",), "invalid_sso_domain"),
        (("x",), "invalid_sso_domain"),
    ],
)
def test_bad_domains_are_refused(
    connections: SsoConnections, idp: IdpServer, domains: tuple[str, ...], code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        connections.connect("acme", SsoRequest(SamlSource(metadata_url=idp.saml()), domains))
    assert refused.value.code == code


def test_metadata_file_and_type_change(connections: SsoConnections, idp: IdpServer) -> None:
    connections.connect(
        "acme", SsoRequest(SamlSource(metadata_document=SAML_METADATA.encode()), ("a.example",))
    )
    provider = connections.cognito.describe_identity_provider(
        UserPoolId=connections.pool, ProviderName=provider_name("acme")
    )["IdentityProvider"]
    assert "EntityDescriptor" in provider["ProviderDetails"]["MetadataFile"]
    with pytest.raises(Conflict) as refused:
        connections.connect("acme", SsoRequest(OidcSource(idp.oidc(), "c", "s"), ("a.example",)))
    assert refused.value.code == "sso_type_change"


def test_remove_takes_everything_away_and_turns_require_sso_off(
    connections: SsoConnections, idp: IdpServer
) -> None:
    connections.connect(
        "acme", SsoRequest(SamlSource(metadata_url=idp.saml()), ("a.example",), True)
    )
    removed = connections.disconnect("acme")
    assert removed is not None
    assert removed.domains == ("a.example",)
    _nothing_left(connections, "acme", ("a.example",))
    record = _item(connections, operator_record_key("acme"))
    assert record is not None
    assert "requireSso" not in record
    assert _client(connections)["SupportedIdentityProviders"] == ["COGNITO"]
    with pytest.raises(NotFound) as again:
        connections.disconnect("acme")
    assert again.value.code == "sso_not_configured"


def test_unknown_tenant_is_not_found(connections: SsoConnections, idp: IdpServer) -> None:
    with pytest.raises(NotFound) as refused:
        connections.connect(
            "nobody", SsoRequest(SamlSource(metadata_url=idp.saml()), ("a.example",))
        )
    assert refused.value.code == "unknown_tenant"


def test_no_mapping_may_fill_the_tenant_attribute() -> None:
    assert check_attribute_mapping({"email": "mail"}) == {"email": "mail"}
    for forged in ({"custom:tenant_id": "tid"}, {"email": "e", "custom:role": "r"}):
        with pytest.raises(InvalidInput) as refused:
            check_attribute_mapping(forged)
        assert refused.value.code == "sso_attribute_mapping_refused"
