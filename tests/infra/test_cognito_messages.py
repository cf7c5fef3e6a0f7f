"""Cognito's invitation and password-reset e-mails: product-named, linking to the tenant's
sign-in page, sent by SES when `engageiq:sesFromAddress` is set (decision 0067)."""

from __future__ import annotations

import json
from typing import Any, Final

import pytest

from engageiq_infra.cognito_messages import PRODUCT_NAME, web_url_parameter
from engageiq_infra.config import read_stack_config
from engageiq_infra.lambdas import custom_message
from engageiq_infra.mocks import Inventory, RecordedResource, run_program

from . import guardrails as g

FUNCTION: Final = "cognito-messages-function"
SES_FROM: Final = "EngageIQ <no-reply@engageiq.example>"


def pool(stack: Inventory) -> RecordedResource:
    return g.the_one(stack, g.USER_POOL_TYPE)


def function_environment(stack: Inventory) -> dict[str, str]:
    variables: dict[str, str] = stack.named(FUNCTION).inputs["environment"]["variables"]
    return variables


def test_the_pool_words_its_messages_through_the_function(stack: Inventory) -> None:
    inputs = pool(stack).inputs
    function = stack.named(FUNCTION)
    assert inputs["lambdaConfig"]["customMessage"] == function.outputs["arn"]
    invite = inputs["adminCreateUserConfig"]["inviteMessageTemplate"]
    assert inputs["adminCreateUserConfig"]["allowAdminCreateUserOnly"] is True
    assert PRODUCT_NAME in invite["emailSubject"]
    assert "{username}" in invite["emailMessage"]
    assert "{####}" in invite["emailMessage"]
    reset = inputs["verificationMessageTemplate"]
    assert PRODUCT_NAME in reset["emailSubject"]
    assert "{####}" in reset["emailMessage"]
    permission = stack.named("cognito-messages-invoked-by-cognito")
    assert permission.inputs["principal"] == "cognito-idp.amazonaws.com"
    assert permission.inputs["sourceArn"] == pool(stack).outputs["arn"]
    assert permission.inputs["function"] == function.outputs["name"]


def test_links_go_to_the_tenant_subdomain_or_to_the_web_url_in_ssm(stack: Inventory) -> None:
    domain = read_stack_config(stack.environment).get("engageiq:domain")
    variables = function_environment(stack)
    parameters = stack.of_type("aws:ssm/parameter:Parameter")
    if domain:
        assert variables["ENGAGEIQ_TENANT_DOMAIN"] == domain
        assert variables["ENGAGEIQ_WEB_URL_PARAMETER"] == ""
        assert parameters == []
        return
    [parameter] = parameters
    assert variables["ENGAGEIQ_TENANT_DOMAIN"] == ""
    assert variables["ENGAGEIQ_WEB_URL_PARAMETER"] == parameter.inputs["name"]
    assert parameter.inputs["name"] == web_url_parameter(stack.environment)
    # pulumi-aws marks a parameter's value secret; the mocks see the wrapped value.
    value = parameter.inputs["value"]
    assert (value["value"] if isinstance(value, dict) else value) == stack.outputs["webUrl"]
    function_role = stack.named(FUNCTION).inputs["role"]
    role = next(r for r in stack.of_type(g.ROLE) if r.outputs["arn"] == function_role)
    reads = [
        s
        for doc in g.role_policies(stack, role)
        for s in g.statements(doc)
        if "ssm:GetParameter" in g.as_list(s["Action"])
    ]
    assert [s["Resource"] for s in reads] == [parameter.outputs["arn"]]


def test_cognito_sends_by_default_without_ses(stack: Inventory) -> None:
    assert pool(stack).inputs["emailConfiguration"] == {"emailSendingAccount": "COGNITO_DEFAULT"}
    assert stack.of_type("aws:sesv2/emailIdentity:EmailIdentity") == []


@pytest.mark.parametrize("compute", ["apprunner", "ecs-express"])
def test_ses_sends_when_a_from_address_is_configured(compute: str) -> None:
    stack = run_program(
        "dev", compute=compute, config_overrides={"engageiq:sesFromAddress": SES_FROM}
    )
    identity = g.the_one(stack, "aws:sesv2/emailIdentity:EmailIdentity")
    assert identity.inputs["emailIdentity"] == "no-reply@engageiq.example"
    assert pool(stack).inputs["emailConfiguration"] == {
        "emailSendingAccount": "DEVELOPER",
        "fromEmailAddress": SES_FROM,
        "sourceArn": identity.outputs["arn"],
    }


# The function's own code -------------------------------------------------------------------


def event(trigger: str, tenant: str = "acme") -> dict[str, Any]:
    return {
        "triggerSource": trigger,
        "request": {"userAttributes": {"custom:tenant_id": tenant, "email": "rep@acme.example"}},
        "response": {"emailSubject": None, "emailMessage": None},
    }


@pytest.fixture
def custom_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENGAGEIQ_PRODUCT_NAME", PRODUCT_NAME)
    monkeypatch.setenv("ENGAGEIQ_TENANT_DOMAIN", "app.engageiq.example")
    monkeypatch.setenv("ENGAGEIQ_WEB_URL_PARAMETER", "")


def test_an_invitation_names_the_product_and_links_to_the_tenants_sign_in(
    custom_domain: None,
) -> None:
    response = custom_message.handler(event(custom_message.INVITATION_TRIGGER), None)["response"]
    assert response["emailSubject"] == f"You are invited to {PRODUCT_NAME}"
    body = response["emailMessage"]
    assert 'href="https://acme.app.engageiq.example/"' in body
    assert "{username}" in body
    assert "{####}" in body


def test_a_password_reset_carries_the_code_and_the_link(custom_domain: None) -> None:
    response = custom_message.handler(event(custom_message.RESET_TRIGGER), None)["response"]
    assert PRODUCT_NAME in response["emailSubject"]
    assert "{####}" in response["emailMessage"]
    assert "{username}" not in response["emailMessage"]
    assert "https://acme.app.engageiq.example/" in response["emailMessage"]


def test_without_a_custom_domain_the_link_is_the_web_url_from_ssm(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENGAGEIQ_TENANT_DOMAIN", "")
    monkeypatch.setenv("ENGAGEIQ_WEB_URL_PARAMETER", "/engageiq/dev/web-url")
    asked: list[str] = []

    def web_url(parameter: str) -> str:
        asked.append(parameter)
        return "https://d1234.cloudfront.net"

    monkeypatch.setattr(custom_message, "_web_url", web_url)
    body = custom_message.handler(event(custom_message.INVITATION_TRIGGER), None)["response"][
        "emailMessage"
    ]
    assert asked == ["/engageiq/dev/web-url"]
    assert 'href="https://d1234.cloudfront.net/?tenant=acme"' in body


@pytest.mark.parametrize("tenant", ['acme"><script>alert(1)</script>', "", "ACME", "a/b"])
def test_a_tenant_id_that_is_not_a_slug_gets_no_link(custom_domain: None, tenant: str) -> None:
    body = custom_message.handler(event(custom_message.INVITATION_TRIGGER, tenant), None)[
        "response"
    ]["emailMessage"]
    assert "href" not in body
    assert "<script>" not in body
    assert "{####}" in body


def test_a_failing_lookup_still_sends_the_message_without_a_link(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ENGAGEIQ_TENANT_DOMAIN", "")
    monkeypatch.setenv("ENGAGEIQ_WEB_URL_PARAMETER", "/engageiq/dev/web-url")

    def unreachable(parameter: str) -> str:
        raise ConnectionError("ssm unreachable")

    monkeypatch.setattr(custom_message, "_web_url", unreachable)
    response = custom_message.handler(event(custom_message.RESET_TRIGGER), None)["response"]
    assert "{####}" in response["emailMessage"]
    assert "href" not in response["emailMessage"]


def test_other_triggers_are_left_to_cognito(custom_domain: None) -> None:
    original = event("CustomMessage_SignUp")
    assert custom_message.handler(json.loads(json.dumps(original)), None) == original
