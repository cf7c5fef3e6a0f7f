"""Cognito CustomMessage trigger: invitation and password-reset e-mails that name the product
and link to the user's own tenant's sign-in page.

Deployed as a Lambda function by engageiq_infra.cognito_messages; this module is its whole
code (standard library and the boto3 the Lambda runtime provides). Cognito passes the user's
attributes, so the tenant comes from `custom:tenant_id`, which only operators set and nobody
can change (decision 0005). Environment:

- `ENGAGEIQ_PRODUCT_NAME`: the product's name in the subject and text;
- `ENGAGEIQ_TENANT_DOMAIN`: the custom domain (`app.example.com`): the link is
  `https://<tenant>.<domain>/`; empty without one;
- `ENGAGEIQ_WEB_URL_PARAMETER`: SSM parameter holding the web app's URL, used without a custom
  domain (`<url>/?tenant=<tenant>`): the CloudFront host exists only after the distribution,
  which depends on the user pool, so it cannot be an environment variable here
  (decision 0067).

Message shapes: Cognito (Lambda "Custom message" trigger) requires `{####}` (the code or
temporary password) in both messages and `{username}` in the invitation."""

from __future__ import annotations

import html
import os
import re
from functools import cache
from typing import Any, Final

TENANT_ATTRIBUTE: Final = "custom:tenant_id"
# Tenant ids are lowercase slugs (engageiq_tenancy.tenant_ids); anything else gets no link.
TENANT_ID: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
INVITATION_TRIGGER: Final = "CustomMessage_AdminCreateUser"
RESET_TRIGGER: Final = "CustomMessage_ForgotPassword"


@cache
def _web_url(parameter: str) -> str:
    import boto3  # the Lambda runtime's; imported lazily so tests need no AWS

    value = boto3.client("ssm").get_parameter(Name=parameter)["Parameter"]["Value"]
    return str(value).rstrip("/")


def sign_in_url(tenant: str, environment: dict[str, str]) -> str | None:
    """The tenant's sign-in page, or None when there is no safe link to give."""
    if not TENANT_ID.fullmatch(tenant):
        return None
    domain = environment.get("ENGAGEIQ_TENANT_DOMAIN", "")
    if domain:
        return f"https://{tenant}.{domain}/"
    parameter = environment.get("ENGAGEIQ_WEB_URL_PARAMETER", "")
    if not parameter:
        return None
    return f"{_web_url(parameter)}/?tenant={tenant}"


def render(trigger: str, product: str, link: str | None) -> tuple[str, str] | None:
    """(subject, HTML body) for the triggers we word ourselves, None for the others."""
    product_html = html.escape(product)
    where = (
        f'<p><a href="{html.escape(link, quote=True)}">Sign in to {product_html}</a> '
        f"({html.escape(link)})</p>"
        if link
        else ""
    )
    if trigger == INVITATION_TRIGGER:
        return (
            f"You are invited to {product}",
            f"<p>You have been invited to {product_html}.</p>"
            "<p>Your user name is <b>{username}</b> and your temporary password is "
            "<b>{####}</b>. You will choose your own password when you first sign in.</p>"
            f"{where}",
        )
    if trigger == RESET_TRIGGER:
        return (
            f"Your {product} password reset code",
            f"<p>Your code to reset your {product_html} password is <b>{{####}}</b>.</p>"
            "<p>If you did not ask for it, ignore this e-mail: your password is unchanged.</p>"
            f"{where}",
        )
    return None


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """Cognito's event in, the same event out with `response.emailSubject/emailMessage` set.

    Never raises: on any failure Cognito sends the pool's own product-named template."""
    environment = dict(os.environ)
    product = environment.get("ENGAGEIQ_PRODUCT_NAME", "EngageIQ")
    try:
        attributes = event.get("request", {}).get("userAttributes", {})
        link = sign_in_url(str(attributes.get(TENANT_ATTRIBUTE, "")), environment)
        message = render(str(event.get("triggerSource", "")), product, link)
    except Exception:  # a missing link must not block an invitation
        message = render(str(event.get("triggerSource", "")), product, None)
    if message is not None:
        response = event.setdefault("response", {})
        response["emailSubject"], response["emailMessage"] = message
    return event
